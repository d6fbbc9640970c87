// The listing migration that adds the organization and team columns, on real PostgreSQL: a
// listing filled before it is emptied where the columns are new and refilled from the log,
// and keeps the user rows, a last use known only from the tokens service included.
import { randomUUID } from 'node:crypto';
import { NewEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier, runMigrations } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { LISTING_COMPONENT, listingMigrations } from './listing-migrations';
import { ListingProjection } from './listing.projection';

let schema: string;
let store: PostgresEventStore;
const ORG = randomUUID();
const USER = randomUUID();
const TEAM = randomUUID();

beforeEach(async () => {
  schema = uniqueTestId('listingmigrate');
  store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: silentStoreLogger, poolSize: 4 });
});

afterEach(async () => {
  await store.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await store.close();
});

const event = (type: string, data: NewEvent['data']): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: `corr-${randomUUID()}`, actorId: 'admin-1', actorType: 'user', organizationId: ORG },
});

it('refills the organization and team rows from the log with their new columns, and keeps the user rows', async () => {
  const createdAt = '2026-01-02T03:04:05.000Z';
  await store.append({
    streamId: `organization-${ORG}`,
    expectedVersion: 'no_stream',
    events: [
      event('OrganizationCreated', { organizationId: ORG, name: 'Acme', serviceInternalLimit: 1, serviceExternalLimit: 5, createdAt }),
      event('OrganizationSettingsChanged', { organizationId: ORG, maxTokenLifetimeSeconds: 3600, changedAt: createdAt }),
      event('ServiceAccountSlotClaimed', { organizationId: ORG, userId: USER, accountType: 'service_external' }),
    ],
  });
  await store.append({
    streamId: `user-${USER}`,
    expectedVersion: 'no_stream',
    events: [
      event('UserCreated', { userId: USER, organizationId: ORG, accountType: 'service_external', username: 'svc@acme', roles: [], teams: [TEAM], passwordHash: null, createdAt }),
    ],
  });
  await store.append({
    streamId: `team-${TEAM}`,
    expectedVersion: 'no_stream',
    events: [event('TeamCreated', { teamId: TEAM, organizationId: ORG, name: 'Integrations', createdAt }), event('TeamMemberAdded', { teamId: TEAM, userId: USER })],
  });

  // The listing as the first migration left it, filled up to the end of the log.
  await runMigrations(store.pool, schema, LISTING_COMPONENT, listingMigrations.slice(0, 1));
  const s = quoteIdentifier(schema);
  await store.pool.query(`INSERT INTO ${s}.organization_listing (id, name, root, created_at) VALUES ($1, 'Acme', false, $2)`, [ORG, createdAt]);
  await store.pool.query(`INSERT INTO ${s}.team_listing (id, organization_id, name, member_count, created_at) VALUES ($1, $2, 'Integrations', 1, $3)`, [
    TEAM,
    ORG,
    createdAt,
  ]);
  await store.pool.query(
    `INSERT INTO ${s}.user_listing (id, organization_id, account_type, username, status, roles, teams, created_at, last_active_at)
     VALUES ($1, $2, 'service_external', 'svc@acme', 'active', '{}', $3, $4, '2026-02-01T00:00:00Z')`,
    [USER, ORG, [TEAM], createdAt],
  );
  const [last] = await store.readAll({ limit: 100 }).then((events) => events.slice(-1));
  await store.pool.query(`INSERT INTO ${s}.listing_checkpoints (projection, position) VALUES ('users-listings', $1)`, [last!.position]);

  const listing = new ListingProjection(store.pool, schema);
  await listing.migrate();
  expect(await listing.checkpoint()).toBeUndefined();
  expect((await store.pool.query(`SELECT * FROM ${s}.organization_listing`)).rows).toEqual([]);

  await listing.replay(store);
  expect(await listing.checkpoint()).toBe(last!.position);
  const { rows: organizations } = await store.pool.query(`SELECT * FROM ${s}.organization_listing`);
  expect(organizations).toEqual([
    expect.objectContaining({
      id: ORG,
      service_external_limit: 5,
      max_token_lifetime_seconds: '3600',
      access_token_lifetime_seconds: 900,
      human_password_login: true,
      service_external_accounts: 1,
      service_internal_accounts: 0,
    }),
  ]);
  const { rows: teams } = await store.pool.query(`SELECT * FROM ${s}.team_listing`);
  expect(teams).toEqual([expect.objectContaining({ id: TEAM, members: [USER], member_count: 1 })]);
  const { rows: users } = await store.pool.query(`SELECT * FROM ${s}.user_listing`);
  expect(users).toEqual([expect.objectContaining({ id: USER, teams: [TEAM], last_active_at: new Date('2026-02-01T00:00:00Z') })]);
});
