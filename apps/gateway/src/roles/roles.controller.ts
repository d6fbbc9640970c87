import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { CreateRoleBody, ListRolesQuery, RoleCatalogueView, RoleNameParam, RoleSubjects, RoleView } from '@warden/contracts';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import { contextOf } from '../auth/principal-of-request';
import type { FastifyRequest } from 'fastify';

@ApiTags('roles')
@Controller('roles')
export class RolesController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * List roles
   *
   * @remarks Warden's default roles and the organization's own, grouped by application code.
   */
  @Get()
  @ApiExtraModels(RoleView)
  // A map from application code to its roles: the plugin reads no index signatures.
  @ApiOkResponse({
    description: 'The roles, by application code',
    schema: { type: 'object', additionalProperties: { type: 'array', items: { $ref: getSchemaPath(RoleView) } } },
  })
  list(@Query() query: ListRolesQuery, @Req() request: FastifyRequest): Promise<RoleCatalogueView> {
    return this.services.send(RoleSubjects.list, { context: contextOf(request), payload: query });
  }

  /**
   * Create a custom role
   *
   * @remarks A custom role: a name and some of the permissions the caller holds.
   */
  @Post()
  @HttpCode(201)
  create(@Body() body: CreateRoleBody, @Req() request: FastifyRequest): Promise<RoleView> {
    return this.services.send(RoleSubjects.create, { context: contextOf(request), payload: body });
  }

  /**
   * Archive a custom role
   *
   * @remarks An archived role can no longer be granted; those who hold it keep it.
   */
  @Post(':name/archive')
  @HttpCode(200)
  archive(@Param() params: RoleNameParam, @Req() request: FastifyRequest): Promise<RoleView> {
    return this.services.send(RoleSubjects.archive, { context: contextOf(request), payload: { name: params.name } });
  }
}
