import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { OrganizationPage, OrganizationView, PageQuery, PageSlice, UsersSubjects } from '@warden/contracts';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import { contextOf } from '../auth/principal-of-request';
import type { FastifyRequest } from 'fastify';
import { CreateOrganizationDto, UpdateOrganizationDto } from './create-organization.dto';
import { apiUrlOf, requestUrlOf, withPageLinks } from '../http/page-links';

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Create an organization
   *
   * @remarks The platform admin only: a tenant, with its service-account limits and token policy.
   */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: CreateOrganizationDto, examples: { 'a tenant': { value: { name: 'Acme', settings: { service_external_limit: 5 } } } } })
  async create(@Body() body: CreateOrganizationDto, @Req() request: FastifyRequest): Promise<OrganizationView> {
    const organization = await this.services.send<OrganizationView>(UsersSubjects.createOrganization, { context: contextOf(request), payload: body });
    return withUrl(organization, request);
  }

  /**
   * List organizations
   *
   * @remarks The caller's own organization; the platform admin's list holds every one.
   */
  @Get()
  async list(@Query() query: PageQuery, @Req() request: FastifyRequest): Promise<OrganizationPage> {
    const slice = await this.services.send<PageSlice<OrganizationView>>(UsersSubjects.listOrganizations, {
      context: contextOf(request),
      payload: { page: query.page ?? 1, page_size: query.page_size ?? 20 },
    });
    return withPageLinks({ ...slice, results: slice.results.map((organization) => withUrl(organization, request)) }, requestUrlOf(request));
  }

  /**
   * Read an organization
   *
   * @remarks The caller's own; the platform admin any. Another organization is not found.
   */
  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<OrganizationView> {
    const organization = await this.services.send<OrganizationView>(UsersSubjects.getOrganization, { context: contextOf(request), payload: { id } });
    return withUrl(organization, request);
  }

  /**
   * Change an organization's settings
   *
   * @remarks Lowering `max_token_lifetime_seconds` also shortens the tokens already out. A new
   * `access_token_lifetime_seconds` applies to the access tokens granted from then on; those
   * already out keep their expiry.
   */
  @Patch(':id')
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateOrganizationDto, @Req() request: FastifyRequest): Promise<OrganizationView> {
    const organization = await this.services.send<OrganizationView>(UsersSubjects.updateOrganization, {
      context: contextOf(request),
      payload: { id, settings: body.settings ?? {} },
    });
    return withUrl(organization, request);
  }
}

// Each organization comes with its URL in this API, which POST /users also takes as `organization`.
function withUrl(organization: OrganizationView, request: FastifyRequest): OrganizationView {
  return { ...organization, url: apiUrlOf(request, `/api/v1/organizations/${organization.id}`) };
}
