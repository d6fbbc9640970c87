import {
  ArchiveRoleRequest,
  CreateRoleBody,
  Envelope,
  ListRolesQuery,
  RoleCatalogueView,
  RoleView,
  UsersErrorCode,
} from '@warden/contracts';
import { streamCommand } from '@warden/kernel';
import { validateDto } from '@warden/platform';
import { RoleDefinition, RoleState, WARDEN_APPLICATION_CODE, roleCatalogue, roleDecider, roleStreamId, toRoleDefinition } from '@warden/users-domain';
import { runAtomically } from '../commands/atomic-command';
import { principalOf, requirePermission } from '../access/authorization';
import { UsersContext } from '../users-context';

const organizationNotFound = (id: string) => ({ code: UsersErrorCode.OrganizationNotFound, detail: `organization ${id} does not exist` });

export class RolesService {
  constructor(private readonly ctx: UsersContext) {}

  /** The role catalogue: every role (default and the organization's custom ones), grouped by application code. */
  async list(envelope: Envelope<unknown>): Promise<RoleCatalogueView> {
    const principal = principalOf(envelope.context);
    const query = await validateDto(ListRolesQuery, envelope.payload);
    const organizationId = query.account_id ?? principal.organizationId;
    requirePermission(principal, 'roles:read', { organizationId }, organizationNotFound(organizationId));
    const { rows } = await this.ctx.pool.query<{
      name: string;
      display_name: string;
      description: string;
      application_code: string;
      permissions: string[];
      access_scope: 'organization' | 'team';
      status: 'ACTIVE' | 'ARCHIVED';
    }>(`SELECT * FROM ${this.ctx.listing.tables.roles} WHERE organization_id = $1 ORDER BY created_at, name`, [organizationId]);
    const custom: RoleDefinition[] = rows.map((row) => ({ ...row, type: 'custom' }));
    const catalogue = roleCatalogue(custom, { applicationCode: query.application_code });
    return Object.fromEntries(Object.entries(catalogue).map(([code, roles]) => [code, roles.map(toRoleView)]));
  }

  async create(envelope: Envelope<unknown>): Promise<RoleView> {
    const principal = principalOf(envelope.context);
    const body = await validateDto(CreateRoleBody, envelope.payload);
    const organizationId = body.account_id ?? principal.organizationId;
    requirePermission(principal, 'roles:write', { organizationId }, organizationNotFound(organizationId));
    const { results, appended } = await runAtomically(
      this.ctx.store,
      [
        streamCommand(roleStreamId(organizationId, body.name), roleDecider, {
          type: 'CreateRole',
          organizationId,
          name: body.name,
          displayName: body.display_name,
          description: body.description ?? '',
          applicationCode: body.application_code ?? WARDEN_APPLICATION_CODE,
          permissions: body.permissions,
          accessScope: body.access_scope ?? 'organization',
          at: this.ctx.clock().toISOString(),
        }),
      ],
      envelope.context,
      organizationId,
    );
    await this.ctx.readModels.settle(appended);
    return toRoleView(toRoleDefinition(results[0]!.state as Exclude<RoleState, { status: 'absent' }>));
  }

  async archive(envelope: Envelope<ArchiveRoleRequest>): Promise<RoleView> {
    const principal = principalOf(envelope.context);
    const organizationId = envelope.payload.account_id ?? principal.organizationId;
    requirePermission(principal, 'roles:write', { organizationId }, organizationNotFound(organizationId));
    const { results, appended } = await runAtomically(
      this.ctx.store,
      [streamCommand(roleStreamId(organizationId, envelope.payload.name), roleDecider, { type: 'ArchiveRole', at: this.ctx.clock().toISOString() })],
      envelope.context,
      organizationId,
    );
    await this.ctx.readModels.settle(appended);
    return toRoleView(toRoleDefinition(results[0]!.state as Exclude<RoleState, { status: 'absent' }>));
  }
}

function toRoleView(role: RoleDefinition): RoleView {
  return {
    name: role.name,
    display_name: role.display_name,
    description: role.description,
    type: role.type,
    status: role.status,
    access_scope: role.access_scope,
    permissions: role.permissions,
  };
}
