import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { CreateRoleBody, ListRolesQuery, RoleCatalogueView, RoleNameParam, RoleSubjects, RoleView } from '@warden/contracts';
import { ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import { contextOf } from '../auth/principal-of-request';
import type { FastifyRequest } from 'fastify';

@ApiTags('roles')
@Controller('roles')
export class RolesController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  @Get()
  list(@Query() query: ListRolesQuery, @Req() request: FastifyRequest): Promise<RoleCatalogueView> {
    return this.services.send(RoleSubjects.list, { context: contextOf(request), payload: query });
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: CreateRoleBody, @Req() request: FastifyRequest): Promise<RoleView> {
    return this.services.send(RoleSubjects.create, { context: contextOf(request), payload: body });
  }

  @Post(':name/archive')
  @HttpCode(200)
  archive(@Param() params: RoleNameParam, @Req() request: FastifyRequest): Promise<RoleView> {
    return this.services.send(RoleSubjects.archive, { context: contextOf(request), payload: { name: params.name } });
  }
}
