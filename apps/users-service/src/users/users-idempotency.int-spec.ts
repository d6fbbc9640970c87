// A retry of POST /users whose first answer was lost carries the same idempotency
// fingerprint, so it finds the user made the first time and gets it again (201), not a
// duplicate and not "username taken".
import { PrincipalView, RequestContext, UsersErrorCode, idempotentId } from '@warden/contracts';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { RedisProjectionRunner, silentMessagingLog } from '@warden/messaging';
import { TEST_DATABASE_URL, TEST_REDIS_URL, deleteRedisPrefix, principalViewOf, readAllCommitted, uniqueTestId } from '@warden/testing';
import { accountAccessOf } from '@warden/users-domain';
import Redis from 'ioredis';
import { bootstrapPlatform } from '../bootstrap/platform-bootstrap';
import { OrganizationsService } from '../organizations/organizations.service';
import { TeamsService } from '../teams/teams.service';
import { ListingProjection } from '../read-models/listing.projection';
import { PrincipalRecordProjection } from '../read-models/principal-record.projection';
import { ReadModels } from '../read-models/read-models';
import { PasswordHasher } from '../passwords/password-hasher';
import { PlatformIdentity } from '../bootstrap/platform-identity';
import { UsersService } from './users.service';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const FINGERPRINT = 'c'.repeat(64);

describe('creating a user twice with one idempotency fingerprint', () => {
  let store: PostgresEventStore;
  let redis: Redis;
  let readModels: ReadModels;
  let schema: string;
  let users: UsersService;
  let admin: RequestContext;
  let organizationId: string;
  let platform: RequestContext;
  let ctx: ConstructorParameters<typeof UsersService>[0];

  beforeEach(async () => {
    schema = uniqueTestId('usersidem');
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: quiet, poolSize: 8 });
    redis = new Redis(TEST_REDIS_URL);
    const identity = new PlatformIdentity();
    const hasher = new PasswordHasher();
    const listing = new ListingProjection(store.pool, schema);
    const principals = new RedisProjectionRunner({ redis, projection: new PrincipalRecordProjection(`${schema}:`, store, identity), store, log: silentMessagingLog });
    readModels = new ReadModels({ store, principals, listing, log: silentMessagingLog });
    ctx = { store, pool: store.pool, listing, readModels, hasher, identity, ownedTokens: { count: async () => 0 }, tokenIssuer: { issue: () => Promise.reject(new Error('no tokens service in this test')) }, clock: () => new Date() };
    const root = await bootstrapPlatform(store, hasher, { adminUsername: 'admin', adminPassword: 'correct horse battery staple 42', announce: () => undefined });
    identity.rootOrganizationId = root.rootOrganizationId;
    await readModels.start();
    const view = (organization: string, id: string): PrincipalView =>
      principalViewOf(accountAccessOf({ id, organizationId: organization, accountType: 'user', roles: ['WARDEN_SUPER_ADMIN'], teams: [] }, [], root.rootOrganizationId));
    const platformAdmin = view(root.rootOrganizationId, root.adminUserId);
    platform = { correlationId: 'int', actorType: 'user', actorId: root.adminUserId, principal: platformAdmin };
    const organization = await new OrganizationsService(ctx).create({
      context: platform,
      payload: { name: 'Acme' },
    });
    organizationId = organization.id;
    const tenantAdmin = view(organizationId, '01900000-0000-7000-8000-000000000001');
    admin = { correlationId: 'int', actorType: 'user', actorId: tenantAdmin.userId, organizationId, principal: tenantAdmin };
    users = new UsersService(ctx);
  });

  afterEach(async () => {
    await readModels.stop();
    await deleteRedisPrefix(redis, `${schema}:`);
    redis.disconnect();
    await store.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await store.close();
  });

  const body = { username: 'docusign-webhooks@acme', account_type: 'service_external', first_name: 'DocuSign', last_name: 'Webhooks' };
  const created = async () => (await readAllCommitted(store)).filter((event) => event.type === 'UserCreated' && event.data['username'] === body.username);

  it('creates one user under the derived id; the retry gets the same user back', async () => {
    const first = await users.create({ context: { ...admin, idempotencyFingerprint: FINGERPRINT }, payload: body });
    expect(first.id).toBe(idempotentId(FINGERPRINT, 'users.create'));
    const retry = await users.create({ context: { ...admin, correlationId: 'retry', idempotencyFingerprint: FINGERPRINT }, payload: body });
    expect(retry).toEqual(first);
    expect(await created()).toHaveLength(1);
  });

  it('creates one user when retries race, and every one of them gets it', async () => {
    const results = await Promise.all([...Array(4)].map(() => users.create({ context: { ...admin, idempotencyFingerprint: FINGERPRINT }, payload: body })));
    expect(new Set(results.map((user) => user.id))).toEqual(new Set([idempotentId(FINGERPRINT, 'users.create')]));
    expect(await created()).toHaveLength(1);
  });

  it('still refuses the username to another request (another fingerprint, or none)', async () => {
    await users.create({ context: { ...admin, idempotencyFingerprint: FINGERPRINT }, payload: body });
    await expect(users.create({ context: { ...admin, idempotencyFingerprint: 'd'.repeat(64) }, payload: body })).rejects.toMatchObject({
      code: UsersErrorCode.UsernameTaken,
    });
    await expect(users.create({ context: admin, payload: body })).rejects.toMatchObject({ code: UsersErrorCode.UsernameTaken });
    expect(await created()).toHaveLength(1);
  });

  // Organizations and teams, too: their ids come from the fingerprint as well.
  const createdOfType = async (type: string) => (await readAllCommitted(store)).filter((event) => event.type === type);

  it('creates one organization for retries of one request, racing or one after another', async () => {
    const organizations = new OrganizationsService(ctx);
    const racing = await Promise.all([...Array(3)].map(() => organizations.create({ context: { ...platform, idempotencyFingerprint: FINGERPRINT }, payload: { name: 'Globex' } })));
    const retry = await organizations.create({ context: { ...platform, correlationId: 'retry', idempotencyFingerprint: FINGERPRINT }, payload: { name: 'Globex' } });
    expect(new Set([...racing, retry].map((organization) => organization.id))).toEqual(new Set([idempotentId(FINGERPRINT, 'organizations.create')]));
    expect(retry).toEqual(racing[0]);
    const globex = (await createdOfType('OrganizationCreated')).filter((event) => event.data['name'] === 'Globex');
    expect(globex).toHaveLength(1);
    // Without a fingerprint, or with another, it is another organization.
    const other = await organizations.create({ context: platform, payload: { name: 'Globex' } });
    expect(other.id).not.toBe(retry.id);
  });

  it('creates one team for retries of one request, racing or one after another', async () => {
    const teams = new TeamsService(ctx);
    const racing = await Promise.all([...Array(3)].map(() => teams.create({ context: { ...admin, idempotencyFingerprint: FINGERPRINT }, payload: { name: 'Webhooks' } })));
    const retry = await teams.create({ context: { ...admin, correlationId: 'retry', idempotencyFingerprint: FINGERPRINT }, payload: { name: 'Webhooks' } });
    expect(new Set([...racing, retry].map((team) => team.id))).toEqual(new Set([idempotentId(FINGERPRINT, 'teams.create')]));
    expect(retry).toEqual(racing[0]);
    const teamStreams = new Set((await readAllCommitted(store)).filter((event) => event.streamId.startsWith('team-')).map((event) => event.streamId));
    expect(teamStreams.size).toBe(1);
  });
});
