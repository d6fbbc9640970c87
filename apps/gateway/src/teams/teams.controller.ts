import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { AddTeamMemberBody, CreateTeamBody, PageQuery, PageSlice, RenameTeamBody, TeamPage, TeamSubjects, TeamView } from '@warden/contracts';
import { ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import { contextOf } from '../auth/principal-of-request';
import type { FastifyRequest } from 'fastify';
import { requestUrlOf, withPageLinks } from '../http/page-links';

@ApiTags('teams')
@Controller('teams')
export class TeamsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Create a team
   *
   * @remarks In the caller's organization.
   */
  @Post()
  @HttpCode(201)
  create(@Body() body: CreateTeamBody, @Req() request: FastifyRequest): Promise<TeamView> {
    return this.services.send(TeamSubjects.create, { context: contextOf(request), payload: body });
  }

  /**
   * List teams
   *
   * @remarks The caller's organization's teams, with their member counts.
   */
  @Get()
  async list(@Query() query: PageQuery, @Req() request: FastifyRequest): Promise<TeamPage> {
    const slice = await this.services.send<PageSlice<TeamPage['results'][number]>>(TeamSubjects.list, {
      context: contextOf(request),
      payload: { page: query.page ?? 1, page_size: query.page_size ?? 20 },
    });
    return withPageLinks(slice, requestUrlOf(request));
  }

  /**
   * Read a team
   *
   * @remarks With its members' user ids; another organization's team is not found.
   */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TeamView> {
    return this.services.send(TeamSubjects.get, { context: contextOf(request), payload: { id } });
  }

  /**
   * Rename a team
   *
   * @remarks The name is unique within the organization.
   */
  @Patch(':id')
  rename(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: RenameTeamBody, @Req() request: FastifyRequest): Promise<TeamView> {
    return this.services.send(TeamSubjects.rename, { context: contextOf(request), payload: { id, name: body.name } });
  }

  /**
   * Add a member to a team
   *
   * @remarks The caller must be allowed to manage the member (no more privilege in the team than it could grant).
   */
  @Post(':id/members')
  @HttpCode(200)
  addMember(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: AddTeamMemberBody, @Req() request: FastifyRequest): Promise<TeamView> {
    return this.services.send(TeamSubjects.addMember, { context: contextOf(request), payload: { id, user_id: body.user_id } });
  }

  /**
   * Remove a member from a team
   *
   * @remarks The caller must be allowed to manage the member.
   */
  @Delete(':id/members/:userId')
  removeMember(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Req() request: FastifyRequest,
  ): Promise<TeamView> {
    return this.services.send(TeamSubjects.removeMember, { context: contextOf(request), payload: { id, user_id: userId } });
  }

  /**
   * Delete a team
   *
   * @remarks Only an empty team.
   */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(TeamSubjects.delete, { context: contextOf(request), payload: { id } });
  }
}
