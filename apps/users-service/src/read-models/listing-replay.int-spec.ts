// Replaying the users listing on real PostgreSQL: a swap yields the same rows while readers
// keep reading and the tailer keeps applying, a compare finds nothing on an intact listing
// and every row altered behind the service's back.
import { randomUUID } from 'node:crypto';
import { NewEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, pollUntil, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { ListingReplay } from './listing-replay';
import { ListingProjection } from './listing.projection';

let schema: string;
let store: PostgresEventStore;
let live: ListingProjection;
let replay: ListingReplay;
const ORG = randomUUID();

beforeEach(async () => {
  schema = uniqueTestId('listingreplay');
  store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: silentStoreLogger, poolSize: 8 });
  live = new ListingProjection(store.pool, schema);
  await live.migrate();
  replay = new ListingReplay({ pool: store.pool, store, live });
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

async function appendUsers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = randomUUID();
    ids.push(userId);
    const createdAt = new Date().toISOString();
    await store.append({
      streamId: `user-${userId}`,
      expectedVersion: 'no_stream',
      events: [
        event('UserCreated', { userId, organizationId: ORG, accountType: 'service_external', username: `svc-${i}@acme`, roles: [], teams: [], passwordHash: null, createdAt }),
        ...(i % 3 === 0 ? [event('UserDeactivated', { userId, deactivatedAt: createdAt })] : []),
      ],
    });
  }
  return ids;
}

async function seed(): Promise<string[]> {
  const createdAt = new Date().toISOString();
  await store.append({
    streamId: `organization-${ORG}`,
    expectedVersion: 'no_stream',
    events: [
      event('OrganizationCreated', { organizationId: ORG, name: 'Acme', serviceInternalLimit: 1, serviceExternalLimit: 100, createdAt }),
      event('OrganizationSettingsChanged', { organizationId: ORG, maxTokenLifetimeSeconds: null, humanPasswordLogin: false, changedAt: createdAt }),
      event('ServiceAccountSlotClaimed', { organizationId: ORG, userId: 's1', accountType: 'service_external' }),
      event('ServiceAccountSlotClaimed', { organizationId: ORG, userId: 's2', accountType: 'service_external' }),
      event('ServiceAccountSlotClaimed', { organizationId: ORG, userId: 's3', accountType: 'service_internal' }),
      event('ServiceAccountSlotReleased', { organizationId: ORG, userId: 's1', accountType: 'service_external' }),
    ],
  });
  const teamId = randomUUID();
  await store.append({
    streamId: `team-${teamId}`,
    expectedVersion: 'no_stream',
    events: [
      event('TeamCreated', { teamId, organizationId: ORG, name: 'Integrations', createdAt }),
      event('TeamMemberAdded', { teamId, userId: 'u1' }),
      event('TeamMemberAdded', { teamId, userId: 'u2' }),
      event('TeamMemberAdded', { teamId, userId: 'u3' }),
      event('TeamMemberRemoved', { teamId, userId: 'u2' }),
    ],
  });
  await store.append({
    streamId: `role-${ORG}-AUDITORS`,
    expectedVersion: 'no_stream',
    events: [
      event('RoleCreated', {
        organizationId: ORG, name: 'AUDITORS', displayName: 'Auditors', description: '', applicationCode: 'warden', permissions: ['audit:read'], accessScope: 'organization', createdAt,
      }),
    ],
  });
  const ids = await appendUsers(30);
  // A read stops at the log's safe point: an append committed while an earlier append's
  // notification was still in its own transaction (which holds an xid) is held back until
  // that commits, so the listing may need a second pass to hold all thirty.
  await pollUntil(
    async () => {
      await live.replay(store);
      const { rows: [row] } = await store.pool.query<{ count: string }>(`SELECT count(*) FROM ${live.tables.users} WHERE organization_id = $1`, [ORG]);
      return Number(row!.count) === 30;
    },
    'the seeded users in the live listing',
    10_000,
  );
  return ids;
}

const rows = async (table: string, order = 'id') =>
  (await store.pool.query(`SELECT * FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)} ORDER BY ${order}`)).rows;
const snapshot = async () => ({
  users: await rows('user_listing'),
  organizations: await rows('organization_listing'),
  teams: await rows('team_listing'),
  roles: await rows('role_listing', 'organization_id, name'),
});
const tableNames = async () =>
  (await store.pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((row) => row.name);
const indexNames = async () =>
  (await store.pool.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE '%listing' ORDER BY 1`, [schema])).rows.map((row) => row.name);

describe('the users listing replay', () => {
  it('holds the organization settings, service-account counts and team members as the streams fold them', async () => {
    await seed();
    const [organization] = await rows('organization_listing');
    expect(organization).toMatchObject({
      id: ORG,
      service_internal_limit: 1,
      service_external_limit: 100,
      max_token_lifetime_seconds: null,
      access_token_lifetime_seconds: 900,
      human_password_login: false,
      service_internal_accounts: 1,
      service_external_accounts: 1,
    });
    const [team] = await rows('team_listing');
    expect(team).toMatchObject({ members: ['u1', 'u3'], member_count: 2 });
  });

  it('answers start() with the run it started, not the previous one', async () => {
    await seed();
    const first = replay.start('compare');
    expect(first).toMatchObject({ state: 'running', mode: 'compare' });
    await pollUntil(() => replay.status()?.state !== 'running', 'the first compare to finish', 30_000);
    expect(replay.status()).toMatchObject({ replay_id: first.replay_id, state: 'succeeded' });
    const second = replay.start('compare');
    expect(second).toMatchObject({ state: 'running' });
    expect(second.replay_id).not.toBe(first.replay_id);
    await pollUntil(() => replay.status()?.state !== 'running', 'the second compare to finish', 30_000);
  });

  it('swaps in a fresh replay with the same rows, the names the migrations know, and readers never failing', async () => {
    await seed();
    const before = await snapshot();
    const tablesBefore = await tableNames();
    const indexesBefore = await indexNames();

    // readers and the tailer keep going during the whole replay and its swap
    let reading = true;
    const counts: number[] = [];
    const reader = (async () => {
      while (reading) {
        const { rows: [row] } = await store.pool.query<{ count: string }>(`SELECT count(*) FROM ${live.tables.users} WHERE organization_id = $1`, [ORG]);
        counts.push(Number(row!.count));
      }
    })();
    const writer = (async () => {
      const ids = await appendUsers(5);
      for (let i = 0; i < 5; i++) await live.replay(store, 2);
      return ids;
    })();
    const result = await replay.run('swap');
    const added = await writer;
    await live.replay(store);
    reading = false;
    await reader;

    expect(result).toMatchObject({ read_model: 'users-listing', mode: 'swap', state: 'succeeded', error: null, report: null, seconds_left: 0 });
    expect(result.events_done).toBeGreaterThanOrEqual(result.events_total);
    expect(result.events_total).toBeGreaterThanOrEqual(44);
    expect(result.events_per_second).toBeGreaterThan(0);
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.filter((count) => count < 30 || count > 35)).toEqual([]);

    const after = await snapshot();
    expect(after.organizations).toEqual(before.organizations);
    expect(after.teams).toEqual(before.teams);
    expect(after.roles).toEqual(before.roles);
    expect(after.users.filter((user) => !added.includes(user.id as string))).toEqual(before.users);
    expect(after.users.map((user) => user.id)).toEqual(expect.arrayContaining(added));
    expect(await tableNames()).toEqual(tablesBefore);
    expect(await indexNames()).toEqual(indexesBefore);
    expect((await replay.run('compare')).report).toEqual({ compared: 1 + 1 + 1 + 35, differences: [] });
  });

  it('compares: none on an intact listing, and each row altered, added or removed behind the service\'s back', async () => {
    const [first, second] = await seed();
    const intact = await replay.run('compare');
    expect(intact).toMatchObject({ state: 'succeeded', mode: 'compare', report: { compared: 33, differences: [] } });
    expect((await tableNames()).some((name) => name.includes('_replay_'))).toBe(false);

    const s = quoteIdentifier(schema);
    await store.pool.query(`UPDATE ${s}.user_listing SET username = 'tampered@acme' WHERE id = $1`, [first]);
    await store.pool.query(`DELETE FROM ${s}.user_listing WHERE id = $1`, [second]);
    await store.pool.query(`UPDATE ${s}.role_listing SET permissions = '{users:write}' WHERE name = 'AUDITORS'`);
    const stray = randomUUID();
    await store.pool.query(
      `INSERT INTO ${s}.organization_listing (id, name, root, created_at, service_internal_limit, service_external_limit,
         max_token_lifetime_seconds, access_token_lifetime_seconds, human_password_login)
       VALUES ($1, 'Ghost', false, now(), 1, 5, 3600, 900, true)`,
      [stray],
    );
    // the columns the organization and team views read are compared too
    await store.pool.query(`UPDATE ${s}.organization_listing SET human_password_login = true, service_external_accounts = 7 WHERE id = $1`, [ORG]);
    await store.pool.query(`UPDATE ${s}.team_listing SET members = '{u1,u2,u3}'`);
    const [team] = await rows('team_listing');

    const report = (await replay.run('compare')).report!;
    expect(report.differences.map((difference) => difference.key).sort()).toEqual(
      [
        `organization_listing:${stray}`,
        `organization_listing:${ORG}`,
        `team_listing:${team!.id}`,
        `role_listing:${ORG}/AUDITORS`,
        `user_listing:${first}`,
        `user_listing:${second}`,
      ].sort(),
    );
    const organization = report.differences.find((difference) => difference.key === `organization_listing:${ORG}`)!;
    expect(JSON.parse(organization.live!)).toMatchObject({ human_password_login: true, service_external_accounts: 7 });
    expect(JSON.parse(organization.replayed!)).toMatchObject({ human_password_login: false, service_external_accounts: 1 });
    const members = report.differences.find((difference) => difference.key === `team_listing:${team!.id}`)!;
    expect(JSON.parse(members.replayed!)).toMatchObject({ members: ['u1', 'u3'] });
    const tampered = report.differences.find((difference) => difference.key === `user_listing:${first}`)!;
    expect(JSON.parse(tampered.live!)).toMatchObject({ username: 'tampered@acme' });
    expect(JSON.parse(tampered.replayed!)).toMatchObject({ username: 'svc-0@acme' });
    expect(report.differences.find((difference) => difference.key === `user_listing:${second}`)).toMatchObject({ live: null, replayed: expect.any(String) });
    expect(report.differences.find((difference) => difference.key === `organization_listing:${stray}`)).toMatchObject({ replayed: null });
    // a compare leaves the live listing as it found it, and no scratch table behind
    expect((await rows('user_listing')).find((user) => user.id === first)).toMatchObject({ username: 'tampered@acme' });
    expect((await tableNames()).some((name) => name.includes('_replay_'))).toBe(false);

    // a swap repairs it
    await replay.run('swap');
    expect((await replay.run('compare')).report!.differences).toEqual([]);
  });

  it('keeps a later last use that came from the tokens service\'s log through a compare and a swap', async () => {
    const [userId] = await seed();
    const s = quoteIdentifier(schema);
    await store.pool.query(`UPDATE ${s}.user_listing SET last_active_at = '2030-01-01T00:00:00Z' WHERE id = $1`, [userId]);
    expect((await replay.run('compare')).report!.differences).toEqual([]);
    await replay.run('swap');
    expect((await rows('user_listing')).find((user) => user.id === userId)!.last_active_at).toEqual(new Date('2030-01-01T00:00:00Z'));
  });
});
