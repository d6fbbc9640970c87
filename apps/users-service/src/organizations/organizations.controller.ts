import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateOrganizationRequest,
  Envelope,
  ListOrganizationsRequest,
  OrganizationView,
  PageSlice,
  UpdateOrganizationRequest,
  UsersSubjects,
} from '@warden/contracts';
import { OrganizationsService } from './organizations.service';

@Controller()
export class OrganizationsController {
  constructor(@Inject(OrganizationsService) private readonly organizations: OrganizationsService) {}

  @MessagePattern(UsersSubjects.createOrganization)
  create(@Payload() envelope: Envelope<CreateOrganizationRequest>): Promise<OrganizationView> {
    return this.organizations.create(envelope);
  }

  @MessagePattern(UsersSubjects.getOrganization)
  get(@Payload() envelope: Envelope<{ id: string }>): Promise<OrganizationView> {
    return this.organizations.get(envelope);
  }

  @MessagePattern(UsersSubjects.listOrganizations)
  list(@Payload() envelope: Envelope<ListOrganizationsRequest>): Promise<PageSlice<OrganizationView>> {
    return this.organizations.list(envelope);
  }

  @MessagePattern(UsersSubjects.updateOrganization)
  update(@Payload() envelope: Envelope<UpdateOrganizationRequest>): Promise<OrganizationView> {
    return this.organizations.update(envelope);
  }
}
