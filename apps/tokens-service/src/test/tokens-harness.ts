// The tokens service's integration setup, one copy for its int specs. Each harness is a test
// of its own: a PostgreSQL schema and a Redis key prefix nobody else uses, the event store in
// that schema, the credential read model built on them, the secret-to-stream lookup and the
// store verification, the tokens and sessions services, and the principal records and
// organization policies the users service would keep. `close()` removes all of it.
import { KeyObject, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import {
  OrganizationPolicyRecord,
  PrincipalRecord,
  PrincipalView,
  RequestContext,
  credentialGenerationPrefix,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { silentMessagingLog } from '@warden/messaging';
import type { RedisClient } from '@warden/redis';
import {
  TEST_DATABASE_URL,
  deleteRedisPrefix,
  silentStoreLogger,
  testRedis,
  uniqueTestId,
  writeOrganizationPolicy,
  writePrincipalRecord,
} from '@warden/testing';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { CredentialStoreVerification } from '../credentials/credential-store-verification';
import { PostgresCredentialStreams } from '../credentials/credential-streams';
import { SessionsService } from '../sessions/sessions.service';
import { TokensService } from '../tokens/tokens.service';

/** A schema of its own, for a test of code that takes a pool and a schema. */
export interface ScratchSchema {
  schema: string;
  pool: Pool;
  /** Drops the schema and ends the pool. */
  close(): Promise<void>;
}

export function scratchSchema(label: string, poolSize = 4): ScratchSchema {
  const schema = uniqueTestId(label);
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: poolSize });
  return {
    schema,
    pool,
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** The PostgreSQL event store in a schema of its own. */
export interface TestEventStore {
  schema: string;
  store: PostgresEventStore;
  /** Closes the store, then drops its schema. */
  close(): Promise<void>;
}

export async function connectTestStore(label: string, options: { poolSize?: number } = {}): Promise<TestEventStore> {
  const schema = uniqueTestId(label);
  const store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, poolSize: options.poolSize, logger: silentStoreLogger });
  return {
    schema,
    store,
    close: async () => {
      await store.close();
      // Its own connection: the store's pool is closed by then.
      const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

export interface TokensHarnessOptions {
  /** Names the schema and the key prefix, so that a leftover shows which spec left it. */
  label: string;
  /** The services' clock; a test that moves time passes `() => clock` over a variable of its own. */
  clock?: () => Date;
  /** Lifetime of a token from the login-key exchange (default one day). */
  exchangedTokenLifetimeSeconds?: number;
  /** Lifetime of a login session (default one hour). */
  sessionTtlSeconds?: number;
  /** The store the read model reads, for a test that slows or observes the read model's reads. */
  readModelStore?: (store: EventStore) => EventStore;
  /** Written before the test starts, as the users service would have. */
  principals?: readonly PrincipalRecord[];
  policies?: readonly OrganizationPolicyRecord[];
  /** The secret scanners' public keys by key id. */
  scannerKeys?: ReadonlyMap<string, KeyObject>;
}

export interface TokensHarness {
  schema: string;
  keyPrefix: string;
  /** Where the live (base) generation of the credential read model keeps its keys. */
  live: string;
  store: PostgresEventStore;
  redis: RedisClient;
  readModel: CredentialReadModel;
  streams: PostgresCredentialStreams;
  storeVerification: CredentialStoreVerification;
  tokens: TokensService;
  sessions: SessionsService;
  writePrincipal(record: PrincipalRecord): Promise<void>;
  writePolicy(record: OrganizationPolicyRecord): Promise<void>;
  /** Deletes the key prefix, closes Redis and the store, and drops the schema. */
  close(): Promise<void>;
}

export async function startTokensHarness(options: TokensHarnessOptions): Promise<TokensHarness> {
  const { schema, store, close: closeStore } = await connectTestStore(options.label);
  const keyPrefix = `${uniqueTestId(options.label)}:`;
  const redis = testRedis();
  const readModel = new CredentialReadModel({ redis, keyPrefix, store: options.readModelStore?.(store) ?? store, log: silentMessagingLog });
  await readModel.ensureBuilt();
  const streams = new PostgresCredentialStreams(store.pool, schema);
  await streams.migrate();
  const storeVerification = new CredentialStoreVerification({ store, streams, redis, keyPrefix });
  const clock = options.clock;
  const tokens = new TokensService({
    store,
    readModel,
    storeVerification,
    redis,
    keyPrefix,
    randomBytes,
    exchangedTokenLifetimeSeconds: options.exchangedTokenLifetimeSeconds ?? 86400,
    clock,
    scannerKeys: options.scannerKeys,
  });
  const sessions = new SessionsService({ store, readModel, redis, keyPrefix, sessionTtlSeconds: options.sessionTtlSeconds ?? 3600, randomBytes, clock });
  const writePrincipal = (record: PrincipalRecord) => writePrincipalRecord(redis, keyPrefix, record);
  const writePolicy = (record: OrganizationPolicyRecord) => writeOrganizationPolicy(redis, keyPrefix, record);
  for (const record of options.principals ?? []) await writePrincipal(record);
  for (const record of options.policies ?? []) await writePolicy(record);
  return {
    schema,
    keyPrefix,
    live: keyPrefix + credentialGenerationPrefix(''),
    store,
    redis,
    readModel,
    streams,
    storeVerification,
    tokens,
    sessions,
    writePrincipal,
    writePolicy,
    close: async () => {
      await deleteRedisPrefix(redis, keyPrefix);
      await redis.quit();
      await closeStore();
    },
  };
}

/** A service account's principal record, active, in `organizationId`; `overrides` for the rest. */
export function serviceAccountRecord(userId: string, organizationId: string, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord {
  return {
    userId,
    organizationId,
    accountType: 'service_external',
    username: `svc-${userId}`,
    roles: ['WARDEN_MEMBER'],
    teams: [],
    permissions: { 'users:read': 'organization' },
    isSuperAdmin: false,
    platformAdmin: false,
    status: 'active',
    ...overrides,
  };
}

/**
 * The context of a request by an organization admin through a login session: it may read
 * and write the organization's tokens and read its users. `overrides` change the principal.
 */
export function adminContext(userId: string, organizationId: string, overrides: Partial<PrincipalView> = {}): RequestContext {
  const view: PrincipalView = {
    userId,
    organizationId,
    accountType: 'user',
    roles: ['WARDEN_ADMIN'],
    teams: [],
    permissions: { 'tokens:read': 'organization', 'tokens:write': 'organization', 'users:read': 'organization' },
    isSuperAdmin: false,
    platformAdmin: false,
    credential: { kind: 'session', id: 's-admin', expiresAt: null },
    ...overrides,
  };
  return { correlationId: 'int-test', actorType: view.accountType, actorId: userId, organizationId: view.organizationId, principal: view };
}
