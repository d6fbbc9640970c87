// The store fallback: Redis loses the credential read model while the services run. Until the tokens
// service has rebuilt it, the gateway's authentication and POST /tokens/verify are answered
// by the tokens service from its event store: valid keys keep working, revoked ones stay
// refused, and the tokens service's health says it is rebuilding. The rebuild is held open
// by a PostgreSQL transaction that keeps a committed event unreadable, as it waits for it.
import { Client } from 'pg';
import { CREDENTIAL_READ_MODEL_READY_KEY, credentialGenerationPrefix } from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import { ApiClient, RunningSystem, deleteRedisPrefix, pollUntil, startSystem, testRedis } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;
let redis: RedisClient;

interface Issued {
  id: string;
  token: string;
}
interface Health {
  status: string;
  checks: Record<string, { status: string; detail?: string }>;
}

const readModelHealth = async () => {
  const response = await fetch(system.healthUrl('tokens-service'));
  return ((await response.json()) as Health).checks['credential-read-model'];
};

beforeAll(async () => {
  system = await startSystem();
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  redis = testRedis();
});

afterAll(async () => {
  await system?.stop();
  redis?.disconnect();
});

it('answers from the event store while the lost read model is rebuilt, then from Redis again', async () => {
  const account = await admin.post<{ id: string }>('/users', { username: 'fallback-hooks', account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(account.status).toBe(201);
  const issue = async (name: string) => {
    const issued = await admin.post<Issued>('/tokens', { user_id: account.body.id, name });
    expect(issued.status).toBe(201);
    return issued.body;
  };
  const valid = await issue('valid');
  const revoked = await issue('revoked');
  expect((await admin.post(`/tokens/${revoked.id}/revoke`)).status).toBe(200);

  // A transaction that stays open holds back every event committed after it began.
  const holder = new Client({ connectionString: system.env['DATABASE_URL'] });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_current_xact_id()');
    const late = await issue('issued after the open transaction');

    // Redis loses the tokens service's read model (the users service's records are kept).
    const prefix = system.env['REDIS_KEY_PREFIX']!;
    for (const part of ['credential-read-model:', 'credential:', 'token:', 'organization-tokens:', 'owned-tokens:']) {
      await deleteRedisPrefix(redis, prefix + credentialGenerationPrefix('') + part);
    }
    expect(await readModelHealth()).toMatchObject({ status: 'degraded' }); // and the check starts the rebuild

    const whoami = (key: string) => admin.withApiKey(key).get<{ user_id?: string }>('/auth/whoami');
    for (let round = 0; round < 3; round++) {
      expect((await whoami(valid.token)).status).toBe(200);
      expect((await whoami(late.token)).status).toBe(200);
      expect((await whoami(revoked.token)).status).toBe(401);
      expect((await admin.get('/users/me')).status).toBe(200); // the admin's login session, from the store too
      expect((await admin.post('/tokens/verify', { token: valid.token })).body).toMatchObject({ active: true, token_id: valid.id });
      expect((await admin.post('/tokens/verify', { token: revoked.token })).body).toEqual({ active: false, reason: 'revoked' });
    }
    // Still rebuilding: the read model was not trusted for any of those answers.
    expect(await redis.exists(prefix + CREDENTIAL_READ_MODEL_READY_KEY)).toBe(0);
    expect(await readModelHealth()).toEqual({ status: 'degraded', detail: 'rebuilding from the event store', latencyMs: expect.any(Number) });
    await holder.query('COMMIT');
  } finally {
    await holder.end();
  }

  await pollUntil(async () => (await readModelHealth())?.status === 'up', 'the read model rebuilt', 30_000, 100);
  expect((await admin.withApiKey(valid.token).get('/auth/whoami')).status).toBe(200);
  expect((await admin.withApiKey(revoked.token).get('/auth/whoami')).status).toBe(401);
});
