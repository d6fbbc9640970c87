import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  CREATE_USER_BODY_EXAMPLES,
  CreateUserBody,
  CreatedUserView,
  ListUsersQuery,
  MeView,
  PageSlice,
  UpdateUserBody,
  UserListItem,
  UserPage,
  UserSubjects,
  UserView,
} from '@warden/contracts';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import { contextOf } from '../auth/principal-of-request';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestUrlOf, withPageLinks } from '../http/page-links';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Create a user or a service account
   *
   * @remarks A person or a service account, in the caller's organization or the one named. A service
   * account may get its first API token in the same call (`issue_token`, or a body
   * with `account_id`), shown once as `api_token`; if the account was created but the token
   * could not be issued, the answer is still 201, with `api_token: null` and `api_token_error`.
   */
  // The users service makes the account, then asks the tokens service for its first token: the account
  // exists whatever happens to the token, and a token is issued whole or not.
  @Post()
  @HttpCode(201)
  @ApiBody({ type: CreateUserBody, examples: CREATE_USER_BODY_EXAMPLES })
  async create(
    @Body() body: CreateUserBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedUserView> {
    const created = await this.services.send<CreatedUserView>(UserSubjects.create, { context: contextOf(request), payload: body });
    // An answer that was to carry a token's secret is never kept by a cache, even when the issue failed.
    if ('api_token' in created) void reply.header('cache-control', 'no-store');
    return created;
  }

  /**
   * List users and service accounts
   *
   * @remarks The caller's organization's members, as a Members page shows them: filtered and sorted.
   */
  @Get()
  async list(@Query() query: ListUsersQuery, @Req() request: FastifyRequest): Promise<UserPage> {
    const slice = await this.services.send<PageSlice<UserListItem>>(UserSubjects.list, {
      context: contextOf(request),
      payload: { ...query, page: query.page ?? 1, page_size: query.page_size ?? 20 },
    });
    return withPageLinks(slice, requestUrlOf(request));
  }

  /**
   * The calling user
   *
   * @remarks The caller, its organization, roles, teams and permissions.
   */
  // Declared before ':id' so that "me" is not taken for an id.
  @Get('me')
  me(@Req() request: FastifyRequest): Promise<MeView> {
    return this.services.send(UserSubjects.me, { context: contextOf(request), payload: {} });
  }

  /**
   * Read a user
   *
   * @remarks A user or service account of the caller's organization; another organization's is not found.
   */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<UserView> {
    return this.services.send(UserSubjects.get, { context: contextOf(request), payload: { id } });
  }

  /**
   * Change a user
   *
   * @remarks Profile, roles, teams, type; `null` clears a profile field. Anyone may change their own password (with `current_password`).
   */
  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateUserBody, @Req() request: FastifyRequest): Promise<UserView> {
    return this.services.send(UserSubjects.update, { context: contextOf(request), payload: { id, changes: body } });
  }

  /**
   * Deactivate a user
   *
   * @remarks It can no longer log in, and its tokens stop at once (until it is reactivated).
   */
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<UserView> {
    return this.services.send(UserSubjects.deactivate, { context: contextOf(request), payload: { id } });
  }

  /**
   * Reactivate a user
   *
   * @remarks Its tokens work again, unless they were revoked or expired meanwhile.
   */
  @Post(':id/reactivate')
  @HttpCode(200)
  reactivate(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<UserView> {
    return this.services.send(UserSubjects.reactivate, { context: contextOf(request), payload: { id } });
  }

  /**
   * Delete a user
   *
   * @remarks A service account that still owns tokens cannot be deleted: revoke or reassign them first.
   */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(UserSubjects.delete, { context: contextOf(request), payload: { id } });
  }
}
