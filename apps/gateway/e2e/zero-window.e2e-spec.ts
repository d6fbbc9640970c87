// No window after a change: while several processes verify a principal's
// credentials as fast as they can (over HTTP through the gateway, and directly with the
// verifier library against Redis, each on its own connections), the credentials are
// revoked one after another; no verification started after a revoke answered may accept.
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiClient, RunningSystem, TEST_REDIS_URL, startSystem } from '@warden/testing';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const WORKERS = 3;
const LOOPS_PER_CHANNEL = 4; // per worker: 4 HTTP loops and 4 direct loops
const CREDENTIALS = 8;
const HAMMER_BEFORE_FIRST_REVOKE_MS = 1000;
const BETWEEN_REVOKES_MS = 250;
const HAMMER_AFTER_LAST_REVOKE_MS = 500;
const PASSWORD = 'quartz-lantern-meadow-82';

interface Counts {
  credential: string;
  channel: 'http' | 'direct';
  acceptedBefore: number;
  refusedBefore: number;
  acceptedAfter: number;
  refusedAfter: number;
  unexpected: number;
}
type WorkerMessage = { type: 'started' } | { type: 'revoked-received'; credential: string } | { type: 'report'; counts: Counts[] } | { type: 'counts'; counts: Counts[] };

let system: RunningSystem;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill();
  await system?.stop();
});

function nextMessage<T extends WorkerMessage['type']>(worker: ChildProcess, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type !== type) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message as Extract<WorkerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`a verification worker exited (${code}) before sending ${type}`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

interface Credential {
  id: string;
  key: string;
  /** Revokes the credential; answers the HTTP status of the revoke. */
  revoke: () => Promise<number>;
}

/** A service account in the bootstrap admin's own organization, whose credentials are hammered. */
async function serviceAccount(username: string): Promise<{ admin: ApiClient; userId: string }> {
  const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const account = await admin.post<{ id: string }>('/users', {
    username,
    account_type: 'service_external',
    first_name: 'Hammered',
    last_name: 'Account',
    password: PASSWORD,
  });
  expect(account.status).toBe(201);
  return { admin, userId: account.body.id };
}

async function hammerWhileRevoking(kind: string, credentials: Credential[], revokedStatus: number): Promise<void> {
  const hammer = path.join(__dirname, 'support/verification-hammer.mjs');
  const started = workers.length;
  for (let n = 0; n < WORKERS; n++) workers.push(fork(hammer, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const hammers = workers.slice(started);
  await Promise.all(
    hammers.map((worker) => {
      const ready = nextMessage(worker, 'started');
      worker.send({
        type: 'start',
        url: `${system.gatewayUrl}/users/me`,
        redisUrl: TEST_REDIS_URL,
        keyPrefix: system.env.REDIS_KEY_PREFIX,
        credentials: credentials.map(({ id, key }) => ({ id, key })),
        concurrency: LOOPS_PER_CHANNEL,
      });
      return ready;
    }),
  );
  await sleep(HAMMER_BEFORE_FIRST_REVOKE_MS);

  const revokeMs: number[] = [];
  for (const [n, credential] of credentials.entries()) {
    const requested = performance.now();
    const status = await credential.revoke();
    revokeMs.push(performance.now() - requested);
    expect(status).toBe(revokedStatus);
    // Each worker counts as "after" only what it starts once it has this message.
    await Promise.all(
      hammers.map((worker) => {
        const received = nextMessage(worker, 'revoked-received');
        worker.send({ type: 'revoked', credential: credential.id });
        return received;
      }),
    );
    await sleep(n === credentials.length - 1 ? HAMMER_AFTER_LAST_REVOKE_MS : BETWEEN_REVOKES_MS);
  }
  // On a loaded machine a loop may not have come round to the last credentials yet: keep
  // hammering until every loop has tried every credential after its revoke (or a deadline).
  const triedAfterRevoke = async () => {
    const snapshots = await Promise.all(
      hammers.map((worker) => {
        const counts = nextMessage(worker, 'counts');
        worker.send({ type: 'peek' });
        return counts;
      }),
    );
    const seen = snapshots.flatMap((snapshot) => snapshot.counts.filter((c) => c.acceptedAfter + c.refusedAfter > 0));
    return seen.length === WORKERS * credentials.length * 2;
  };
  const deadline = Date.now() + 30_000;
  while (!(await triedAfterRevoke()) && Date.now() < deadline) await sleep(100);

  const reports = await Promise.all(
    hammers.map((worker) => {
      const report = nextMessage(worker, 'report');
      worker.send({ type: 'stop' });
      return report;
    }),
  );

  const rows = reports.flatMap((report, worker) => report.counts.map((c) => ({ worker, ...c })));
  const sortedRevokeMs = [...revokeMs].sort((a, b) => a - b);
  const total = (pick: (c: Counts) => number) => rows.reduce((sum, c) => sum + pick(c), 0);
  console.log(
    [
      `zero-window, ${kind}: ${WORKERS} processes x (${LOOPS_PER_CHANNEL} HTTP + ${LOOPS_PER_CHANNEL} direct loops), ${credentials.length} credentials revoked one after another`,
      `verifications: ${total((c) => c.acceptedBefore + c.refusedBefore + c.acceptedAfter + c.refusedAfter)} ` +
        `(accepted before ${total((c) => c.acceptedBefore)}, refused after ${total((c) => c.refusedAfter)}, ` +
        `ACCEPTED AFTER ${total((c) => c.acceptedAfter)}, unexpected ${total((c) => c.unexpected)})`,
      `revoke request -> answer: p50 ${percentile(sortedRevokeMs, 50).toFixed(1)} ms, p99 ${percentile(sortedRevokeMs, 99).toFixed(1)} ms ` +
        `(n=${revokeMs.length}: ${revokeMs.map((ms) => ms.toFixed(1)).join(', ')})`,
      ...rows.map(
        (c) =>
          `  worker ${c.worker} ${c.credential.padEnd(10)} ${c.channel.padEnd(6)} before: ${c.acceptedBefore} accepted, ${c.refusedBefore} refused; ` +
          `after: ${c.acceptedAfter} accepted, ${c.refusedAfter} refused; unexpected ${c.unexpected}`,
      ),
    ].join('\n'),
  );

  // every worker verified every credential on both channels, before and after its revoke
  expect(rows).toHaveLength(WORKERS * credentials.length * 2);
  for (const c of rows) {
    expect({ ...c, acceptedBefore: c.acceptedBefore > 0, refusedAfter: c.refusedAfter > 0 }).toEqual({
      ...c,
      acceptedBefore: true,
      refusedAfter: true,
    });
  }
  // the property itself: no accept of a request started after the revoke answered
  expect(rows.filter((c) => c.acceptedAfter > 0)).toEqual([]);
  // and nothing but accepts and refusals (no 5xx, no dropped connection) hid an answer
  expect(rows.filter((c) => c.unexpected > 0)).toEqual([]);
}

describe('zero window after a revoke', () => {
  it('accepts no verification of a login session started after its logout answered, in any process, over HTTP or directly', async () => {
    await serviceAccount('sessions@zero-window');
    const credentials: Credential[] = [];
    for (let n = 0; n < CREDENTIALS; n++) {
      const session = await ApiClient.login(system.gatewayUrl, 'sessions@zero-window', PASSWORD);
      credentials.push({ id: `session-${n}`, key: session.credential!.key, revoke: async () => (await session.post('/auth/logout')).status });
    }
    await hammerWhileRevoking('login sessions', credentials, 204);
  });

  it('accepts no verification of an API token started after its revoke answered, in any process, over HTTP or directly', async () => {
    const { admin, userId } = await serviceAccount('tokens@zero-window');
    const credentials: Credential[] = [];
    for (let n = 0; n < CREDENTIALS; n++) {
      const issued = await admin.post<{ id: string; token: string }>('/tokens', { user_id: userId, name: `hammered-${n}` });
      expect(issued.status).toBe(201);
      credentials.push({
        id: `token-${n}`,
        key: issued.body.token,
        revoke: async () => (await admin.post(`/tokens/${issued.body.id}/revoke`)).status,
      });
    }
    await hammerWhileRevoking('API tokens', credentials, 200);
  });

  it('accepts no verification of an API token started after its disable answered, in any process, over HTTP or directly', async () => {
    const { admin, userId } = await serviceAccount('disabled-tokens@zero-window');
    const credentials: Credential[] = [];
    for (let n = 0; n < CREDENTIALS; n++) {
      const issued = await admin.post<{ id: string; token: string }>('/tokens', { user_id: userId, name: `disabled-${n}` });
      expect(issued.status).toBe(201);
      credentials.push({
        id: `disabled-${n}`,
        key: issued.body.token,
        revoke: async () => (await admin.post(`/tokens/${issued.body.id}/disable`)).status,
      });
    }
    await hammerWhileRevoking('API tokens disabled', credentials, 200);
  });

  describe('OAuth access tokens', () => {
    const tokenEndpoint = () => `${new URL(system.gatewayUrl).origin}/oauth2/token`;
    async function grant(form: Record<string, string>): Promise<string> {
      const response = await fetch(tokenEndpoint(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
      const body = (await response.json()) as { access_token: string };
      expect(response.status).toBe(200);
      return body.access_token;
    }
    const bySecret = async (admin: ApiClient, userId: string) => {
      const secret = await admin.post<{ id: string; client_secret: string }>(`/users/${userId}/client-secrets`);
      expect(secret.status).toBe(201);
      return { secretId: secret.body.id, token: await grant({ grant_type: 'client_credentials', client_id: userId, client_secret: secret.body.client_secret }) };
    };

    it('accepts no verification of an access token started after its client secret was revoked', async () => {
      const { admin, userId } = await serviceAccount('client-secrets@zero-window');
      const credentials: Credential[] = [];
      for (let n = 0; n < CREDENTIALS; n++) {
        const { secretId, token } = await bySecret(admin, userId);
        credentials.push({ id: `secret-${n}`, key: token, revoke: async () => (await admin.post(`/users/${userId}/client-secrets/${secretId}/revoke`)).status });
      }
      await hammerWhileRevoking('access tokens, their client secrets revoked', credentials, 200);
    });

    it('accepts no verification of an access token started after its key was deleted', async () => {
      const { admin, userId } = await serviceAccount('keys@zero-window');
      const credentials: Credential[] = [];
      for (let n = 0; n < CREDENTIALS; n++) {
        const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
        const kid = `hammered-${n}`;
        expect((await admin.post(`/users/${userId}/keys`, { jwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid } })).status).toBe(201);
        const assertion = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid })
          .setIssuer(userId)
          .setSubject(userId)
          .setAudience(tokenEndpoint())
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(privateKey);
        const token = await grant({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
        credentials.push({ id: `key-${n}`, key: token, revoke: async () => (await admin.delete(`/users/${userId}/keys/${kid}`)).status });
      }
      await hammerWhileRevoking('access tokens, their keys deleted', credentials, 204);
    });

    it('accepts no verification of an access token started after its account was deactivated', async () => {
      // One account per credential: room for them in the organization.
      const platform = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
      const me = await platform.get<{ organization: { id: string } }>('/users/me');
      expect((await platform.patch(`/organizations/${me.body.organization.id}`, { settings: { service_external_limit: 50 } })).status).toBe(200);
      const credentials: Credential[] = [];
      for (let n = 0; n < CREDENTIALS; n++) {
        const { admin, userId } = await serviceAccount(`deactivated-${n}@zero-window`);
        const { token } = await bySecret(admin, userId);
        credentials.push({ id: `account-${n}`, key: token, revoke: async () => (await admin.post(`/users/${userId}/deactivate`)).status });
      }
      await hammerWhileRevoking('access tokens, their accounts deactivated', credentials, 200);
    });
  });
});
