// Security checks against the four services running as processes: response
// headers, body limits, secrets kept out of logs and stores, and login throttling shared by
// two gateway instances.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { ApiClient, ApiResponse, RunningSystem, SERVICE_APPS, freePort, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let platformAdmin: ApiClient;
let tenantId: string;

const ADMIN_PASSWORD = 'vellum-harbor-quartz-83';
const SERVICE_PASSWORD = 'envelope-status-updater-9';
const MAX_FAILURES_PER_USERNAME = 4;

/** Every secret the run has seen: none may appear in a log line or a stored row. */
const secrets = new Set<string>();
const remember = (secret: string | undefined | null) => {
  expect(typeof secret).toBe('string');
  secrets.add(secret!);
  return secret!;
};

interface Problem {
  code: string;
  status: number;
}
interface Issued {
  id: string;
  token: string;
  key?: string;
}

const expectNoBanner = (response: ApiResponse) => {
  expect(response.headers.get('x-powered-by')).toBeNull();
  expect(response.headers.get('server')).toBeNull();
};

const expectProblem = (response: ApiResponse<Problem>, status: number, code: string) => {
  expect([response.status, response.headers.get('content-type')]).toEqual([status, 'application/problem+json; charset=utf-8']);
  expect(response.body).toMatchObject({ status, code });
};

/** Every row of every table of the run's database, as text (event stores, audit log, checkpoints). */
async function storedRowsAsText(): Promise<string[]> {
  const client = new Client({ connectionString: system.env['DATABASE_URL'] });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const rows: string[] = [];
    for (const table of tables) {
      const quoted = `"${table.schema.replace(/"/g, '""')}"."${table.name.replace(/"/g, '""')}"`;
      const { rows: texts } = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${quoted} t`);
      rows.push(...texts.map((text) => text.row));
    }
    return rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  system = await startSystem({ LOGIN_MAX_FAILURES_PER_USERNAME: String(MAX_FAILURES_PER_USERNAME) });
  remember(system.admin.password);
  const login = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', system.admin);
  platformAdmin = new ApiClient(system.gatewayUrl, { header: 'authorization', key: remember(login.body.key) });
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Vault Security Corp' });
  expect(tenant.status).toBe(201);
  tenantId = tenant.body.id;
});

afterAll(async () => {
  await system?.stop();
});

describe('responses carrying a secret', () => {
  it('are never cached, and no response names the framework', async () => {
    const created = await platformAdmin.post('/users', {
      username: 'security.lead@vault',
      account_type: 'user',
      password: remember(ADMIN_PASSWORD),
      organization: tenantId,
      roles: ['WARDEN_SUPER_ADMIN'],
    });
    expect(created.status).toBe(201);
    const login = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', {
      username: 'security.lead@vault',
      password: ADMIN_PASSWORD,
    });
    const admin = new ApiClient(system.gatewayUrl, { header: 'authorization', key: remember(login.body.key) });

    const withToken = await admin.post<{ id: string; api_token: Issued }>('/users', {
      username: 'signer@vault',
      account_type: 'service_external',
      password: remember(SERVICE_PASSWORD),
      issue_token: true,
    });
    expect(withToken.status).toBe(201);
    remember(withToken.body.api_token.token);
    const account = withToken.body.id;
    const issued = await admin.post<Issued>('/tokens', {
      user_id: account,
      name: 'webhooks',
      visibility: 'public',
      allowed_origins: ['https://sign.vault.example'],
    });
    remember(issued.body.token);
    const rotated = await admin.post<Issued>(`/tokens/${issued.body.id}/rotate`, { grace_period_seconds: 0 });
    remember(rotated.body.token);
    const serviceLogin = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', {
      username: 'signer@vault',
      password: SERVICE_PASSWORD,
    });
    const serviceSession = new ApiClient(system.gatewayUrl, { header: 'authorization', key: remember(serviceLogin.body.key) });
    const exchanged = await serviceSession.post<Issued>('/auth/token');
    remember(exchanged.body.key);

    const carryingSecrets = { login, withToken, issued, rotated, serviceLogin, exchanged };
    for (const [name, response] of Object.entries(carryingSecrets)) {
      expect([name, response.status < 300, response.headers.get('cache-control')]).toEqual([name, true, 'no-store']);
      expectNoBanner(response);
    }

    // the secrets at work, so that every service has had a chance to log them
    const tokenClient = new ApiClient(system.gatewayUrl).withApiKey(rotated.body.token);
    expect((await tokenClient.get('/users/me', { origin: 'https://sign.vault.example' })).status).toBe(200);
    expect((await admin.post<{ active: boolean }>('/tokens/verify', { token: exchanged.body.key })).body.active).toBe(true);
    expect((await admin.post<{ active: boolean }>('/tokens/verify', { token: issued.body.token })).body.active).toBe(false);
    expect((await admin.post(`/tokens/${issued.body.id}/revoke`)).status).toBe(200);
    expect((await tokenClient.get('/users/me', { origin: 'https://sign.vault.example' })).status).toBe(401);
    expect((await serviceSession.post('/auth/logout')).status).toBe(204);
    const wrongPassword = await new ApiClient(system.gatewayUrl).post('/auth/login', { username: 'signer@vault', password: `${SERVICE_PASSWORD}x` });
    expect(wrongPassword.status).toBe(401);
    remember(`${SERVICE_PASSWORD}x`);
    for (const app of ['gateway', 'users-service', 'tokens-service', 'audit-service'] as const) {
      const health = await fetch(system.healthUrl(app));
      expect([app, health.headers.get('server'), health.headers.get('x-powered-by')]).toEqual([app, null, null]);
    }
  });
});

describe('request limits', () => {
  it('answers a body over the limit with a 413 problem, before any credential check', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
    expectProblem(await platformAdmin.post<Problem>('/teams', huge), 413, 'payload_too_large');
    expectProblem(await new ApiClient(system.gatewayUrl).post<Problem>('/auth/login', huge), 413, 'payload_too_large');
  });

  it('refuses a body nested deeper than any request needs with a 400 problem', async () => {
    const deep = `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expectProblem(await platformAdmin.post<Problem>('/teams', deep), 400, 'validation_failed');
    const deepObject = `{"name":"Deep","settings":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`;
    expectProblem(await platformAdmin.post<Problem>('/organizations', deepObject), 400, 'validation_failed');
  });

  it('refuses what no store can hold, and a body that is not an object, with a 400 problem', async () => {
    for (const name of ['nul\u0000byte', 'half \ud800 pair']) {
      expectProblem(await platformAdmin.post<Problem>('/teams', { name }), 400, 'validation_failed');
    }
    expectProblem(await new ApiClient(system.gatewayUrl).post<Problem>('/auth/login', { username: '\u0000', password: 'x' }), 400, 'validation_failed');
    expectProblem(await platformAdmin.get<Problem>('/users?role=%00'), 400, 'validation_failed');
    expectProblem(await platformAdmin.patch<Problem>(`/organizations/${tenantId}`, 'null'), 400, 'validation_failed');
  });

  it('answers an undecodable path or an overlong parameter with a 400 problem', async () => {
    expectProblem(await platformAdmin.post<Problem>('/roles/%C0%AF/archive'), 400, 'validation_failed');
    expectProblem(await platformAdmin.get<Problem>(`/users/${'a'.repeat(300)}`), 400, 'validation_failed');
  });
});

describe('login throttling', () => {
  let second: ChildProcess | undefined;

  afterAll(() => {
    second?.kill('SIGTERM');
  });

  it('holds across two gateway instances sharing the Redis prefix', async () => {
    const port = await freePort();
    const dist = path.resolve(__dirname, '../../..', process.env['WARDEN_DIST'] ?? 'dist');
    second = spawn(process.execPath, [path.join(dist, 'apps/gateway/src/main.js')], {
      env: { PATH: process.env['PATH'] ?? '', ...system.env, HTTP_PORT: String(port) },
      stdio: 'ignore',
    });
    await pollUntil(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200, 'a second gateway', 30_000, 100);
    const gateways = [new ApiClient(system.gatewayUrl), new ApiClient(`http://127.0.0.1:${port}/api/v1`)];

    const guess = (attempt: number) => ({ username: 'security.lead@vault', password: remember(`not-the-password-${attempt}`) });
    for (let attempt = 0; attempt < MAX_FAILURES_PER_USERNAME; attempt++) {
      expect((await gateways[attempt % 2]!.post('/auth/login', guess(attempt))).status).toBe(401);
    }
    for (const gateway of gateways) {
      const throttled = await gateway.post<Problem>('/auth/login', guess(99));
      expectProblem(throttled, 429, 'rate_limited');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      // the right password does not get through either while the username is throttled
      expect((await gateway.post('/auth/login', { username: 'security.lead@vault', password: ADMIN_PASSWORD })).status).toBe(429);
    }
  });
});

describe('secrets at rest and in logs', () => {
  it('appear in no log line of any service', () => {
    expect(secrets.size).toBeGreaterThanOrEqual(12);
    for (const app of SERVICE_APPS) {
      const lines = system.logs(app);
      expect(lines.length).toBeGreaterThan(0);
      const leaks = lines.filter((line) => [...secrets].some((secret) => line.includes(secret)));
      expect([app, leaks]).toEqual([app, []]);
    }
  });

  it('appear in no stored row: event stores, audit records, read models', async () => {
    const rows = await storedRowsAsText();
    expect(rows.length).toBeGreaterThan(20);
    const leaks = rows.filter((row) => [...secrets].some((secret) => row.includes(secret)));
    expect(leaks).toEqual([]);
    const exported = await platformAdmin.get<string>(`/audit/export?organization_id=${tenantId}`);
    expect(exported.status).toBe(200);
    expect(exported.body.length).toBeGreaterThan(0);
    expect([...secrets].filter((secret) => exported.body.includes(secret))).toEqual([]);
  });
});
