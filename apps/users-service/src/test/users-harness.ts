// The users service's integration setup: a PostgreSQL schema and a Redis key prefix nobody
// else uses, the event store in that schema, the bootstrapped platform (root organization and
// its admin), the read models following the log, an organization "Acme" made by the platform
// admin, and the application services on them. `dispose()` removes all of it.
import { RequestContext } from '@warden/contracts';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { RedisProjectionRunner, silentMessagingLog } from '@warden/messaging';
import { TEST_DATABASE_URL, deleteRedisPrefix, principalViewOf, testRedis, uniqueTestId } from '@warden/testing';
import { accountAccessOf } from '@warden/users-domain';
import type { RedisClient } from '@warden/redis';
import { bootstrapPlatform } from '../bootstrap/platform-bootstrap';
import { OrganizationsService } from '../organizations/organizations.service';
import { ListingProjection } from '../read-models/listing.projection';
import { PrincipalRecordProjection } from '../read-models/principal-record.projection';
import { ReadModels } from '../read-models/read-models';
import { PasswordHasher } from '../passwords/password-hasher';
import { PlatformIdentity } from '../bootstrap/platform-identity';
import { UsersContext } from '../users-context';
import { TeamsService } from '../teams/teams.service';
import { UsersService } from '../users/users.service';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
export const HARNESS_ADMIN_PASSWORD = 'correct horse battery staple 42';

export interface UsersHarness {
  ctx: UsersContext;
  readModels: ReadModels;
  redis: RedisClient;
  prefix: string;
  schema: string;
  /** The tenant's own super admin, acting inside Acme (an account no stream holds). */
  admin: RequestContext;
  /** The platform admin, a real account of the root organization. */
  platformAdmin: RequestContext;
  organizationId: string;
  users: UsersService;
  teams: TeamsService;
  dispose(): Promise<void>;
}

export async function startUsersHarness(): Promise<UsersHarness> {
  const schema = uniqueTestId('users');
  const prefix = `${schema}:`;
  const store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: quiet, poolSize: 12 });
  const redis = testRedis();
  const identity = new PlatformIdentity();
  const hasher = new PasswordHasher();
  const listing = new ListingProjection(store.pool, schema);
  const principals = new RedisProjectionRunner({
    redis,
    projection: new PrincipalRecordProjection(prefix, store, identity),
    store,
    log: silentMessagingLog,
  });
  const readModels = new ReadModels({ store, principals, listing, log: silentMessagingLog });
  const ctx: UsersContext = {
    store,
    pool: store.pool,
    listing,
    readModels,
    hasher,
    identity,
    ownedTokens: { count: async () => 0 },
    tokenIssuer: { issue: () => Promise.reject(new Error('no tokens service in this test')) },
    clock: () => new Date(),
  };
  const root = await bootstrapPlatform(store, hasher, { adminUsername: 'admin', adminPassword: HARNESS_ADMIN_PASSWORD, announce: () => undefined });
  identity.rootOrganizationId = root.rootOrganizationId;
  await readModels.start();
  const platformAdmin = principalViewOf(
    accountAccessOf({ id: root.adminUserId, organizationId: root.rootOrganizationId, accountType: 'user', roles: ['WARDEN_SUPER_ADMIN'], teams: [] }, [], root.rootOrganizationId),
  );
  const asPlatformAdmin: RequestContext = { correlationId: 'int', actorType: 'user', actorId: root.adminUserId, principal: platformAdmin };
  const organization = await new OrganizationsService(ctx).create({ context: asPlatformAdmin, payload: { name: 'Acme' } });
  // The tenant's own super admin, acting inside it.
  const tenantAdmin = principalViewOf(
    accountAccessOf(
      { id: '01900000-0000-7000-8000-000000000001', organizationId: organization.id, accountType: 'user', roles: ['WARDEN_SUPER_ADMIN'], teams: [] },
      [],
      root.rootOrganizationId,
    ),
  );
  return {
    ctx,
    readModels,
    redis,
    prefix,
    schema,
    admin: { correlationId: 'int', actorType: 'user', actorId: tenantAdmin.userId, principal: tenantAdmin },
    platformAdmin: asPlatformAdmin,
    organizationId: organization.id,
    users: new UsersService(ctx),
    teams: new TeamsService(ctx),
    async dispose() {
      await readModels.stop();
      await deleteRedisPrefix(redis, prefix);
      redis.disconnect();
      await store.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await store.close();
    },
  };
}
