// The listings behind GET /users, /organizations, /teams and /roles, in PostgreSQL tables
// of the users schema. A batch of events and the checkpoint after it commit in one
// transaction, which first locks the checkpoint row and skips what it already holds:
// exactly once, even with several instances tailing the same log.
import { EventStore, RecordedEvent } from '@warden/event-store';
import { runMigrations, quoteIdentifier } from '@warden/event-store-postgres';
import { upcast } from '@warden/kernel';
import { OrganizationEvent, ProfileInput, ServiceAccountType, organizationDecider, usersContextUpcasters } from '@warden/users-domain';
import { Pool, PoolClient } from 'pg';
import { LISTING_COMPONENT, LISTING_PROJECTION, listingMigrations } from './listing-migrations';

export { LISTING_PROJECTION };

type Data = Record<string, unknown>;

const PROFILE_COLUMNS: readonly (readonly [keyof ProfileInput, string])[] = [
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['email', 'email'],
  ['friendlyName', 'friendly_name'],
  ['description', 'description'],
];

// The organization settings an OrganizationSettingsChanged may name, and their columns.
const SETTING_COLUMNS: readonly (readonly [string, string])[] = [
  ['serviceInternalLimit', 'service_internal_limit'],
  ['serviceExternalLimit', 'service_external_limit'],
  ['maxTokenLifetimeSeconds', 'max_token_lifetime_seconds'],
  ['accessTokenLifetimeSeconds', 'access_token_lifetime_seconds'],
  ['humanPasswordLogin', 'human_password_login'],
  ['expiryWarningLeadSeconds', 'expiry_warning_lead_seconds'],
  ['leakedTokenAction', 'leaked_token_action'],
  ['disableUnusedAfterDays', 'disable_unused_after_days'],
];

const SERVICE_ACCOUNT_COLUMNS: Record<ServiceAccountType, string> = {
  service_internal: 'service_internal_accounts',
  service_external: 'service_external_accounts',
};

/** The listing tables, by what they list; a replay's generation carries a suffix on each name. */
export const LISTING_TABLES = {
  users: 'user_listing',
  organizations: 'organization_listing',
  teams: 'team_listing',
  roles: 'role_listing',
} as const;
export type ListingTable = keyof typeof LISTING_TABLES;

export interface ListingGeneration {
  /** Appended to each table's name (`user_listing_replay_x`); none for the live listing. */
  suffix: string;
  /** Its row in the checkpoints table. */
  projection: string;
}

export class ListingProjection {
  readonly tables: Record<ListingTable, string> & { checkpoints: string };
  readonly projection: string;

  constructor(
    private readonly pool: Pool,
    readonly schema: string,
    readonly generation: ListingGeneration = { suffix: '', projection: LISTING_PROJECTION },
  ) {
    const s = quoteIdentifier(schema);
    const table = (name: string) => `${s}.${quoteIdentifier(name + generation.suffix)}`;
    this.projection = generation.projection;
    this.tables = {
      users: table(LISTING_TABLES.users),
      organizations: table(LISTING_TABLES.organizations),
      teams: table(LISTING_TABLES.teams),
      roles: table(LISTING_TABLES.roles),
      checkpoints: `${s}.listing_checkpoints`,
    };
  }

  async migrate(): Promise<void> {
    await runMigrations(this.pool, this.schema, LISTING_COMPONENT, listingMigrations);
  }

  async checkpoint(): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position FROM ${this.tables.checkpoints} WHERE projection = $1`,
      [this.projection],
    );
    return rows[0]?.position;
  }

  /** Applies the events after the stored checkpoint; answers the checkpoint after the batch. */
  async applyBatch(events: readonly RecordedEvent[]): Promise<string | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const position = await this.applyWithin(client, events);
      await client.query('COMMIT');
      return position;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Locks this generation's checkpoint row for the caller's transaction; answers its position ('' before any event). */
  async lockCheckpoint(client: PoolClient): Promise<string> {
    await client.query(`INSERT INTO ${this.tables.checkpoints} (projection, position) VALUES ($1, '') ON CONFLICT DO NOTHING`, [this.projection]);
    const { rows } = await client.query<{ position: string }>(
      `SELECT position FROM ${this.tables.checkpoints} WHERE projection = $1 FOR UPDATE`,
      [this.projection],
    );
    return rows[0]!.position;
  }

  /** applyBatch inside the caller's transaction; answers the checkpoint after the batch. */
  async applyWithin(client: PoolClient, events: readonly RecordedEvent[]): Promise<string | undefined> {
    let position = await this.lockCheckpoint(client);
    for (const event of events) {
      if (event.position <= position) continue;
      await this.apply(client, event);
      position = event.position;
    }
    await client.query(`UPDATE ${this.tables.checkpoints} SET position = $2 WHERE projection = $1`, [this.projection, position]);
    return position === '' ? undefined : position;
  }

  /** Replays the whole log from the given store into empty tables (used by rebuilds and tests). */
  async replay(store: EventStore, batchSize = 500): Promise<string | undefined> {
    let after: string | undefined;
    let checkpoint: string | undefined;
    for (;;) {
      const page = await store.readAll({ after, limit: batchSize });
      if (page.length === 0) return checkpoint;
      checkpoint = await this.applyBatch(page);
      after = page[page.length - 1]!.position;
    }
  }

  private async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = upcast(usersContextUpcasters, recorded);
    const d = event.data as Data;
    const t = this.tables;
    switch (event.type) {
      case 'OrganizationCreated': {
        // The settings a creation leaves out take the organization's defaults, as its fold does.
        const created = organizationDecider.evolve(organizationDecider.initialState(), event as Extract<OrganizationEvent, { type: 'OrganizationCreated' }>);
        if (created.status !== 'active') return;
        await client.query(
          `INSERT INTO ${t.organizations} (id, name, root, created_at, service_internal_limit, service_external_limit,
             max_token_lifetime_seconds, access_token_lifetime_seconds, human_password_login,
             expiry_warning_lead_seconds, leaked_token_action, disable_unused_after_days)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
          [
            created.organizationId, created.name, created.root, created.createdAt, created.serviceInternalLimit, created.serviceExternalLimit,
            created.maxTokenLifetimeSeconds, created.accessTokenLifetimeSeconds, created.humanPasswordLogin,
            created.expiryWarningLeadSeconds, created.leakedTokenAction, created.disableUnusedAfterDays,
          ],
        );
        return;
      }
      case 'OrganizationSettingsChanged': {
        // Only the settings the event names changed (a null max lifetime is "no limit", not "unchanged").
        const changed = SETTING_COLUMNS.filter(([key]) => key in d);
        if (changed.length === 0) return;
        await client.query(
          `UPDATE ${t.organizations} SET ${changed.map(([, column], i) => `${column} = $${i + 2}`).join(', ')} WHERE id = $1`,
          [d['organizationId'], ...changed.map(([key]) => d[key] ?? null)],
        );
        return;
      }
      case 'ServiceAccountSlotClaimed':
      case 'ServiceAccountSlotReleased': {
        const column = SERVICE_ACCOUNT_COLUMNS[d['accountType'] as ServiceAccountType];
        const step = event.type === 'ServiceAccountSlotClaimed' ? '+ 1' : '- 1';
        await client.query(`UPDATE ${t.organizations} SET ${column} = ${column} ${step} WHERE id = $1`, [d['organizationId']]);
        return;
      }
      case 'UserCreated':
        await client.query(
          `INSERT INTO ${t.users} (id, organization_id, account_type, username, first_name, last_name, email,
             friendly_name, description, status, roles, teams, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
          [
            d['userId'], d['organizationId'], d['accountType'], d['username'], d['firstName'] ?? null, d['lastName'] ?? null,
            d['email'] ?? null, d['friendlyName'] ?? null, d['description'] ?? null, d['roles'], d['teams'], d['createdAt'],
          ],
        );
        return;
      case 'UserProfileChanged': {
        const { userId, changes } = event.data;
        const changed = PROFILE_COLUMNS.filter(([key]) => key in changes);
        if (changed.length === 0) return;
        await client.query(
          `UPDATE ${t.users} SET ${changed.map(([, column], i) => `${column} = $${i + 2}`).join(', ')} WHERE id = $1`,
          [userId, ...changed.map(([key]) => changes[key] ?? null)],
        );
        return;
      }
      case 'UserRolesChanged':
        await client.query(`UPDATE ${t.users} SET roles = $2 WHERE id = $1`, [d['userId'], d['roles']]);
        return;
      case 'UserTeamsChanged':
        await client.query(`UPDATE ${t.users} SET teams = $2 WHERE id = $1`, [d['userId'], d['teams']]);
        return;
      case 'AccountTypeConverted':
        await client.query(`UPDATE ${t.users} SET account_type = $2 WHERE id = $1`, [d['userId'], d['to']]);
        return;
      case 'UserDeactivated':
        await client.query(`UPDATE ${t.users} SET status = 'deactivated' WHERE id = $1`, [d['userId']]);
        return;
      case 'UserReactivated':
        await client.query(`UPDATE ${t.users} SET status = 'active' WHERE id = $1`, [d['userId']]);
        return;
      case 'UserDeleted':
        await client.query(`DELETE FROM ${t.users} WHERE id = $1`, [d['userId']]);
        return;
      case 'LoginSucceeded':
        await client.query(`UPDATE ${t.users} SET last_active_at = greatest(last_active_at, $2::timestamptz) WHERE id = $1`, [
          d['userId'],
          d['at'],
        ]);
        return;
      case 'TeamCreated':
        await client.query(
          `INSERT INTO ${t.teams} (id, organization_id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [d['teamId'], d['organizationId'], d['name'], d['createdAt']],
        );
        return;
      case 'TeamRenamed':
        await client.query(`UPDATE ${t.teams} SET name = $2 WHERE id = $1`, [d['teamId'], d['name']]);
        return;
      case 'TeamMemberAdded':
        await client.query(`UPDATE ${t.teams} SET member_count = member_count + 1, members = array_append(members, $2) WHERE id = $1`, [
          d['teamId'],
          d['userId'],
        ]);
        return;
      case 'TeamMemberRemoved':
        await client.query(`UPDATE ${t.teams} SET member_count = member_count - 1, members = array_remove(members, $2) WHERE id = $1`, [
          d['teamId'],
          d['userId'],
        ]);
        return;
      case 'TeamDeleted':
        await client.query(`DELETE FROM ${t.teams} WHERE id = $1`, [d['teamId']]);
        return;
      case 'RoleCreated':
        await client.query(
          `INSERT INTO ${t.roles} (organization_id, name, display_name, description, application_code, permissions, access_scope, status, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', $8) ON CONFLICT DO NOTHING`,
          [d['organizationId'], d['name'], d['displayName'], d['description'], d['applicationCode'], d['permissions'], d['accessScope'], d['createdAt']],
        );
        return;
      case 'RoleArchived':
        await client.query(`UPDATE ${t.roles} SET status = 'ARCHIVED' WHERE organization_id = $1 AND name = $2`, [
          d['organizationId'],
          d['name'],
        ]);
        return;
      default:
        return;
    }
  }
}
