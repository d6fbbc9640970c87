// Idempotency keys over HTTP against the four services running as processes: a
// retry gets the first answer again, another request with the key is refused, a secret is
// never kept, and a command whose service is down answers 503 at once and can be retried
// with the same key after the restart, creating the token exactly once.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@warden/redis';
import { ApiClient, RunningSystem, redisKeysWithPrefix, startSystem, testRedis } from '@warden/testing';

const STRONG = 'plinth-orbit-cascade-47';
const NATS_REQUEST_TIMEOUT_MS = 2000;

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface User {
  id: string;
  username: string;
}
interface Token {
  id: string;
  token?: string;
}

let system: RunningSystem;
let platformAdmin: ApiClient;
let tenantAdmin: ApiClient;
let redis: RedisClient;

const withKey = (key: string) => ({ 'idempotency-key': key });
const serviceAccountBody = (username: string) => ({ username, account_type: 'service_external', password: 'envelope-status-updater-9' });

beforeAll(async () => {
  system = await startSystem({ NATS_REQUEST_TIMEOUT_MS: String(NATS_REQUEST_TIMEOUT_MS) });
  redis = testRedis();
  platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Idempotent Corp', settings: { service_external_limit: 50 } });
  expect(tenant.status).toBe(201);
  const admin = await platformAdmin.post('/users', {
    username: 'idem.admin@corp',
    account_type: 'user',
    password: STRONG,
    organization: tenant.body.id,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(admin.status).toBe(201);
  tenantAdmin = await ApiClient.login(system.gatewayUrl, 'idem.admin@corp', STRONG);
});

afterAll(async () => {
  redis?.disconnect();
  await system?.stop();
});

describe('Idempotency-Key on POST and PATCH', () => {
  it('answers a retry with the first answer, marked as a replay, and does the command once', async () => {
    const key = randomUUID();
    const first = await tenantAdmin.post<User>('/users', serviceAccountBody('replayed@corp'), withKey(key));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same body serialized in another order is the same request.
    const { password, account_type, username } = serviceAccountBody('replayed@corp');
    const retry = await tenantAdmin.post<User>('/users', { password, account_type, username }, withKey(key));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('x-correlation-id')).not.toBe(first.headers.get('x-correlation-id'));

    const listed = await tenantAdmin.get<{ results: User[] }>('/users?page_size=100');
    expect(listed.body.results.filter((user) => user.username === 'replayed@corp')).toHaveLength(1);
  });

  it('refuses the key for another body with 422 idempotency_key_reused, and runs nothing', async () => {
    const key = randomUUID();
    expect((await tenantAdmin.post('/users', serviceAccountBody('reused-a@corp'), withKey(key))).status).toBe(201);
    const other = await tenantAdmin.post<Problem>('/users', serviceAccountBody('reused-b@corp'), withKey(key));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    const listed = await tenantAdmin.get<{ results: User[] }>('/users?page_size=100');
    expect(listed.body.results.map((user) => user.username)).not.toContain('reused-b@corp');
  });

  it('never shares a key between two callers', async () => {
    const key = randomUUID();
    const tenant = await tenantAdmin.post<User>('/users', serviceAccountBody('shared-key@corp'), withKey(key));
    expect(tenant.status).toBe(201);
    // Another caller's request with the same key is neither a replay nor a reuse: the key is not theirs.
    const platform = await platformAdmin.post<User>('/users', serviceAccountBody('shared-key@root'), withKey(key));
    expect(platform.status).toBe(201);
    expect(platform.headers.get('idempotent-replayed')).toBeNull();
    expect(platform.body.id).not.toBe(tenant.body.id);
    const tenantRetry = await tenantAdmin.post<User>('/users', serviceAccountBody('shared-key@corp'), withKey(key));
    expect([tenantRetry.status, tenantRetry.body.id]).toEqual([201, tenant.body.id]);
  });

  it('runs one of many concurrent requests with one key; the others wait their turn or replay it', async () => {
    const key = randomUUID();
    const answers = await Promise.all(
      [...Array(6)].map(() => tenantAdmin.post<User & Problem>('/users', serviceAccountBody('concurrent@corp'), withKey(key))),
    );
    const fresh = answers.filter((answer) => answer.status === 201 && answer.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    for (const answer of answers.filter((a) => a !== fresh[0])) {
      if (answer.status === 409) expect(answer.body.code).toBe('idempotency_request_in_progress');
      else expect([answer.status, answer.headers.get('idempotent-replayed'), answer.body.id]).toEqual([201, 'true', fresh[0]!.body.id]);
    }
    const listed = await tenantAdmin.get<{ results: User[] }>('/users?page_size=100');
    expect(listed.body.results.filter((user) => user.username === 'concurrent@corp')).toHaveLength(1);
  });

  it('replays a refusal, which is the answer to that request', async () => {
    const human = await tenantAdmin.post<User>('/users', { username: 'a.human@corp', account_type: 'user', password: 'a-human-password-42' });
    const key = randomUUID();
    const refused = await tenantAdmin.post<Problem>('/tokens', { user_id: human.body.id, name: 'nope' }, withKey(key));
    expect(refused.status).toBe(422);
    const again = await tenantAdmin.post<Problem>('/tokens', { user_id: human.body.id, name: 'nope' }, withKey(key));
    expect([again.status, again.body.code, again.headers.get('idempotent-replayed')]).toEqual([422, refused.body.code, 'true']);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['not printable ASCII', 'clé-1'],
  ])('refuses a key that is %s with a 400 naming the header', async (_case, key) => {
    const refused = await tenantAdmin.post<Problem>('/users', serviceAccountBody('bad-key@corp'), withKey(key));
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_idempotency_key');
    expect(refused.body.detail).toContain('Idempotency-Key');
    expect(refused.body.errors?.[0]?.field).toBe('headers.Idempotency-Key');
  });

  it('lets login ignore the header: each login is its own session', async () => {
    const key = randomUUID();
    const body = { username: 'idem.admin@corp', password: STRONG };
    const first = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', body, withKey(key));
    const second = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', body, withKey(key));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.key).not.toBe(first.body.key);
  });
});

describe('an answer holding a secret', () => {
  it('is never kept: the retry learns the token it made, and Redis never holds the secret', async () => {
    const account = await tenantAdmin.post<User>('/users', serviceAccountBody('secret-holder@corp'));
    const key = randomUUID();
    const issued = await tenantAdmin.post<Token>('/tokens', { user_id: account.body.id, name: 'once' }, withKey(key));
    expect(issued.status).toBe(201);
    const secret = issued.body.token!;
    expect(secret).toMatch(/^wdn_/);

    const retry = await tenantAdmin.post<Problem>('/tokens', { user_id: account.body.id, name: 'once' }, withKey(key));
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('idempotent_replay_withheld');
    expect(retry.body.detail).toContain(issued.body.id);
    expect(JSON.stringify(retry.body)).not.toContain(secret);

    const records = await redisKeysWithPrefix(redis, `${system.env['REDIS_KEY_PREFIX']}idempotency:`);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(await redis.get(record)).not.toContain(secret);
    const listed = await tenantAdmin.get<{ results: Token[] }>(`/tokens?owner=${account.body.id}`);
    expect(listed.body.results).toHaveLength(1);
  });
});

describe('a command whose service is down', () => {
  it('answers 503 with a code within the timeout, and the retry with the same key after the restart issues one token', async () => {
    const account = await tenantAdmin.post<User>('/users', serviceAccountBody('outage@corp'));
    expect(account.status).toBe(201);
    const key = randomUUID();
    const body = { user_id: account.body.id, name: 'issued across an outage' };

    await system.kill('tokens-service', 'SIGKILL');
    const startedAt = Date.now();
    const down = await tenantAdmin.post<Problem>('/tokens', body, withKey(key));
    const elapsedMs = Date.now() - startedAt;
    expect(down.status).toBe(503);
    expect(['service_unavailable', 'upstream_timeout']).toContain(down.body.code);
    expect(elapsedMs).toBeLessThan(NATS_REQUEST_TIMEOUT_MS + 3000);
    // A 5xx is not kept: the key is free again for the retry.
    expect(down.headers.get('idempotent-replayed')).toBeNull();

    await system.start('tokens-service');
    const retried = await tenantAdmin.post<Token>('/tokens', body, withKey(key));
    expect(retried.status).toBe(201);
    expect(retried.body.token).toMatch(/^wdn_/);
    const again = await tenantAdmin.post<Problem>('/tokens', body, withKey(key));
    expect([again.status, again.body.code]).toEqual([409, 'idempotent_replay_withheld']);

    const listed = await tenantAdmin.get<{ results: Token[] }>(`/tokens?owner=${account.body.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.results.map((token) => token.id)).toEqual([retried.body.id]);
  }, 60_000);
});

describe('a command carried out whose answer was lost', () => {
  // The gateway died after the service committed (or its 503 freed the key): its record of
  // the key is gone, so the retry runs the command again. The key's fingerprint travels with
  // the command, the service derives the same id and answers a replay: no duplicate.
  const forgetRecordsNaming = async (id: string) => {
    const records = await redisKeysWithPrefix(redis, `${system.env['REDIS_KEY_PREFIX']}idempotency:`);
    let forgotten = 0;
    for (const record of records) {
      if ((await redis.get(record))?.includes(id)) forgotten += await redis.del(record);
    }
    expect(forgotten).toBe(1);
  };

  it('gives the retry of POST /users the same user, once', async () => {
    const key = randomUUID();
    const first = await tenantAdmin.post<User>('/users', serviceAccountBody('lost-answer@corp'), withKey(key));
    expect(first.status).toBe(201);
    await forgetRecordsNaming(first.body.id);

    const retry = await tenantAdmin.post<User>('/users', serviceAccountBody('lost-answer@corp'), withKey(key));
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.username).toBe('lost-answer@corp');
    // Another key is another request: the username is taken.
    const other = await tenantAdmin.post<Problem>('/users', serviceAccountBody('lost-answer@corp'), withKey(randomUUID()));
    expect([other.status, other.body.code]).toEqual([409, 'username_taken']);
    const listed = await tenantAdmin.get<{ results: User[] }>('/users?page_size=100');
    expect(listed.body.results.filter((user) => user.username === 'lost-answer@corp')).toHaveLength(1);
  });

  it('answers the retry of POST /tokens 409 idempotent_replay_withheld naming the token, and issues one', async () => {
    const account = await tenantAdmin.post<User>('/users', serviceAccountBody('lost-token@corp'));
    const key = randomUUID();
    const body = { user_id: account.body.id, name: 'answer lost' };
    const first = await tenantAdmin.post<Token>('/tokens', body, withKey(key));
    expect(first.status).toBe(201);
    await forgetRecordsNaming(first.body.id);

    const retry = await tenantAdmin.post<Problem>('/tokens', body, withKey(key));
    expect([retry.status, retry.body.code]).toEqual([409, 'idempotent_replay_withheld']);
    expect(retry.body.detail).toContain(first.body.id);
    expect(JSON.stringify(retry.body)).not.toContain(first.body.token!);
    // The service's refusal is kept as the key's answer from then on.
    const again = await tenantAdmin.post<Problem>('/tokens', body, withKey(key));
    expect([again.status, again.body.code, again.headers.get('idempotent-replayed')]).toEqual([409, 'idempotent_replay_withheld', 'true']);
    const listed = await tenantAdmin.get<{ results: Token[] }>(`/tokens?owner=${account.body.id}`);
    expect(listed.body.results.map((token) => token.id)).toEqual([first.body.id]);
  });
});
