import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatedUserView,
  Envelope,
  ListUsersRequest,
  MeView,
  PageSlice,
  UpdateUserRequest,
  UserListItem,
  UserRequest,
  UserSubjects,
  UserView,
} from '@warden/contracts';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @MessagePattern(UserSubjects.create)
  create(@Payload() envelope: Envelope<unknown>): Promise<CreatedUserView> {
    return this.users.create(envelope);
  }

  @MessagePattern(UserSubjects.get)
  get(@Payload() envelope: Envelope<UserRequest>): Promise<UserView> {
    return this.users.get(envelope);
  }

  @MessagePattern(UserSubjects.me)
  me(@Payload() envelope: Envelope<unknown>): Promise<MeView> {
    return this.users.me(envelope);
  }

  @MessagePattern(UserSubjects.list)
  list(@Payload() envelope: Envelope<ListUsersRequest>): Promise<PageSlice<UserListItem>> {
    return this.users.list(envelope);
  }

  @MessagePattern(UserSubjects.update)
  update(@Payload() envelope: Envelope<UpdateUserRequest>): Promise<UserView> {
    return this.users.update(envelope);
  }

  @MessagePattern(UserSubjects.deactivate)
  deactivate(@Payload() envelope: Envelope<UserRequest>): Promise<UserView> {
    return this.users.deactivate(envelope);
  }

  @MessagePattern(UserSubjects.reactivate)
  reactivate(@Payload() envelope: Envelope<UserRequest>): Promise<UserView> {
    return this.users.reactivate(envelope);
  }

  @MessagePattern(UserSubjects.delete)
  async delete(@Payload() envelope: Envelope<UserRequest>): Promise<{ deleted: true }> {
    await this.users.delete(envelope);
    return { deleted: true };
  }
}
