import {
  CreateOrganizationBody,
  CreateOrganizationRequest,
  Envelope,
  LeakedTokenAction,
  ListOrganizationsRequest,
  OrganizationView,
  PageSlice,
  UpdateOrganizationRequest,
  UpdateOrganizationSettingsBody,
  UsersErrorCode,
  WardenError,
} from '@warden/contracts';
import { createOnce, createdId, loadState, streamCommand } from '@warden/kernel';
import { validateDto } from '@warden/platform';
import { OrganizationState, organizationDecider, organizationStreamId } from '@warden/users-domain';
import { runAtomically } from '../commands/atomic-command';
import { mayChangeLoginPolicy } from '@warden/access';
import { forbidden, principalOf, requireAllowed, requirePermission } from '../access/authorization';
import { settledExisting } from '../commands/settled-existing';
import { listingRowById } from '../read-models/listing-row';
import { UsersContext } from '../users-context';

const notFound = (id: string) => ({ code: UsersErrorCode.OrganizationNotFound, detail: `organization ${id} does not exist` });

export class OrganizationsService {
  constructor(private readonly ctx: UsersContext) {}

  async create(envelope: Envelope<CreateOrganizationRequest>): Promise<OrganizationView> {
    const principal = principalOf(envelope.context);
    requirePermission(principal, 'organizations:create', { organizationId: principal.organizationId });
    const payload = await validateDto(CreateOrganizationBody, envelope.payload);
    // A retry after a lost answer (same idempotency fingerprint) gets the organization made then.
    const fingerprint = envelope.context.idempotencyFingerprint;
    const organizationId = createdId(fingerprint, 'organizations.create');
    return createOnce(fingerprint, () => this.replayed(organizationId), async () => {
      const { results, appended } = await runAtomically(
        this.ctx.store,
        [
          streamCommand(organizationStreamId(organizationId), organizationDecider, {
            type: 'CreateOrganization',
            organizationId,
            name: payload.name,
            serviceInternalLimit: payload.settings?.service_internal_limit,
            serviceExternalLimit: payload.settings?.service_external_limit,
            maxTokenLifetimeSeconds: payload.settings?.max_token_lifetime_seconds,
            accessTokenLifetimeSeconds: payload.settings?.access_token_lifetime_seconds,
            humanPasswordLogin: payload.settings?.human_password_login,
            expiryWarningLeadSeconds: payload.settings?.expiry_warning_lead_seconds,
            leakedTokenAction: payload.settings?.leaked_token_action,
            disableUnusedAfterDays: payload.settings?.disable_unused_after_days,
            at: this.ctx.clock().toISOString(),
          }),
        ],
        envelope.context,
        // The organization is the tenant its own creation event belongs to.
        organizationId,
      );
      await this.ctx.readModels.settle(appended);
      return toOrganizationView(results[0]!.state as OrganizationState, organizationId);
    });
  }

  private async replayed(organizationId: string): Promise<OrganizationView | undefined> {
    const streamId = organizationStreamId(organizationId);
    if (!(await settledExisting(this.ctx, streamId))) return undefined;
    const { state } = await loadState(this.ctx.store, organizationDecider, streamId);
    return state.status === 'absent' ? undefined : toOrganizationView(state, organizationId);
  }

  /** From the listing alone: one query. */
  async get(envelope: Envelope<{ id: string }>): Promise<OrganizationView> {
    const principal = principalOf(envelope.context);
    const { id } = envelope.payload;
    requirePermission(principal, 'organizations:read', { organizationId: id }, notFound(id));
    const row = await listingRowById<OrganizationListingRow>(this.ctx.pool, `SELECT * FROM ${this.ctx.listing.tables.organizations} WHERE id = $1`, id);
    if (!row) throw new WardenError(notFound(id).code, notFound(id).detail);
    return toOrganizationViewOfRow(row);
  }

  /** A platform admin sees every organization; anyone else their own. From the listing alone: two queries. */
  async list(envelope: Envelope<ListOrganizationsRequest>): Promise<PageSlice<OrganizationView>> {
    const principal = principalOf(envelope.context);
    requirePermission(principal, 'organizations:read', { organizationId: principal.organizationId });
    const page = envelope.payload.page ?? 1;
    const pageSize = envelope.payload.page_size ?? 20;
    const table = this.ctx.listing.tables.organizations;
    const [where, values] = principal.platformAdmin ? ['TRUE', []] : ['id = $1', [principal.organizationId]];
    const [{ rows: counted }, { rows }] = await Promise.all([
      this.ctx.pool.query<{ total: string }>(`SELECT count(*)::text AS total FROM ${table} WHERE ${where}`, values),
      this.ctx.pool.query<OrganizationListingRow>(
        // The page's ids cut from the index by creation first, then only their rows read.
        `SELECT * FROM ${table} JOIN (SELECT id FROM ${table} WHERE ${where} ORDER BY created_at, id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}) AS paged USING (id)
         ORDER BY created_at, id`,
        values,
      ),
    ]);
    return { total: Number(counted[0]!.total), page, page_size: pageSize, results: rows.map(toOrganizationViewOfRow) };
  }

  async update(envelope: Envelope<UpdateOrganizationRequest>): Promise<OrganizationView> {
    const principal = principalOf(envelope.context);
    const { id } = envelope.payload;
    const settings = await validateDto(UpdateOrganizationSettingsBody, envelope.payload.settings ?? {});
    requirePermission(principal, 'organizations:write', { organizationId: id }, notFound(id));
    // The service-account limits are what a tenant is allowed (by default one internal, five
    // external per build): only a platform admin raises or lowers them.
    const limits = settings.service_internal_limit !== undefined || settings.service_external_limit !== undefined;
    if (limits && !principal.platformAdmin) throw forbidden('only a platform admin may change the service-account limits');
    // Turning password login off for people could lock the organization's super admins out.
    if (settings.human_password_login !== undefined) requireAllowed(mayChangeLoginPolicy(principal));
    const { results, appended } = await runAtomically(
      this.ctx.store,
      [
        streamCommand(organizationStreamId(id), organizationDecider, {
          type: 'ChangeOrganizationSettings',
          serviceInternalLimit: settings.service_internal_limit,
          serviceExternalLimit: settings.service_external_limit,
          maxTokenLifetimeSeconds: settings.max_token_lifetime_seconds,
          accessTokenLifetimeSeconds: settings.access_token_lifetime_seconds,
          humanPasswordLogin: settings.human_password_login,
          expiryWarningLeadSeconds: settings.expiry_warning_lead_seconds,
          leakedTokenAction: settings.leaked_token_action,
          disableUnusedAfterDays: settings.disable_unused_after_days,
          at: this.ctx.clock().toISOString(),
        }),
      ],
      envelope.context,
      id,
    );
    await this.ctx.readModels.settle(appended);
    return toOrganizationView(results[0]!.state as OrganizationState, id);
  }
}

export function toOrganizationView(state: OrganizationState, organizationId: string): OrganizationView {
  if (state.status === 'absent') {
    throw new WardenError(UsersErrorCode.OrganizationNotFound, `organization ${organizationId} does not exist`);
  }
  return {
    id: state.organizationId,
    name: state.name,
    root: state.root,
    settings: {
      service_internal_limit: state.serviceInternalLimit,
      service_external_limit: state.serviceExternalLimit,
      max_token_lifetime_seconds: state.maxTokenLifetimeSeconds,
      access_token_lifetime_seconds: state.accessTokenLifetimeSeconds,
      human_password_login: state.humanPasswordLogin,
      expiry_warning_lead_seconds: state.expiryWarningLeadSeconds,
      leaked_token_action: state.leakedTokenAction,
      disable_unused_after_days: state.disableUnusedAfterDays,
    },
    service_accounts: {
      service_internal: state.serviceAccountHolders.service_internal.length,
      service_external: state.serviceAccountHolders.service_external.length,
    },
    created_at: state.createdAt,
  };
}

/** A row of organization_listing. */
interface OrganizationListingRow {
  id: string;
  name: string;
  root: boolean;
  created_at: Date;
  service_internal_limit: number;
  service_external_limit: number;
  /** bigint: the driver answers it as text. */
  max_token_lifetime_seconds: string | null;
  access_token_lifetime_seconds: number;
  human_password_login: boolean;
  expiry_warning_lead_seconds: number[];
  leaked_token_action: LeakedTokenAction;
  disable_unused_after_days: number | null;
  service_internal_accounts: number;
  service_external_accounts: number;
}

function toOrganizationViewOfRow(row: OrganizationListingRow): OrganizationView {
  return {
    id: row.id,
    name: row.name,
    root: row.root,
    settings: {
      service_internal_limit: row.service_internal_limit,
      service_external_limit: row.service_external_limit,
      max_token_lifetime_seconds: row.max_token_lifetime_seconds === null ? null : Number(row.max_token_lifetime_seconds),
      access_token_lifetime_seconds: row.access_token_lifetime_seconds,
      human_password_login: row.human_password_login,
      expiry_warning_lead_seconds: row.expiry_warning_lead_seconds,
      leaked_token_action: row.leaked_token_action,
      disable_unused_after_days: row.disable_unused_after_days,
    },
    service_accounts: {
      service_internal: row.service_internal_accounts,
      service_external: row.service_external_accounts,
    },
    created_at: row.created_at.toISOString(),
  };
}
