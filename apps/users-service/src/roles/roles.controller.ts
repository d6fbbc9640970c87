import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ArchiveRoleRequest, Envelope, RoleCatalogueView, RoleSubjects, RoleView } from '@warden/contracts';
import { RolesService } from './roles.service';

@Controller()
export class RolesController {
  constructor(@Inject(RolesService) private readonly roles: RolesService) {}

  @MessagePattern(RoleSubjects.list)
  list(@Payload() envelope: Envelope<unknown>): Promise<RoleCatalogueView> {
    return this.roles.list(envelope);
  }

  @MessagePattern(RoleSubjects.create)
  create(@Payload() envelope: Envelope<unknown>): Promise<RoleView> {
    return this.roles.create(envelope);
  }

  @MessagePattern(RoleSubjects.archive)
  archive(@Payload() envelope: Envelope<ArchiveRoleRequest>): Promise<RoleView> {
    return this.roles.archive(envelope);
  }
}
