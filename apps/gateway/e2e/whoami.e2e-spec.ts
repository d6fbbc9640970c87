// `GET /api/v1/auth/whoami` as a caller sees it, against the services running as processes:
// the whole answer (status, body, every header) for a valid API token and for each refusal
// (no credential, a malformed one, a revoked token, a public token from an origin it does
// not allow, a token past its rate limit), the correlation id echoed, and the metrics the
// gateway keeps of each. Whatever serves the route, these stay as they are.
import { ApiClient, RunningSystem, metricSample, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;
let tenantId: string;
let accountId: string;

const STRONG = 'plinth-orbit-cascade-47';
const ORIGIN = 'https://shop.whoami.example';

interface Token {
  id: string;
  token: string;
  expires_at: string | null;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Set by the HTTP stack itself whatever answers, and varying from one answer to the next.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

async function whoami(headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> {
  const response = await fetch(`${system.gatewayUrl}/auth/whoami`, { method, headers });
  const answered: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!TRANSPORT_HEADERS.has(name)) answered[name] = value;
  });
  return { status: response.status, headers: answered, body: await response.text() };
}

const issue = async (body: Record<string, unknown>): Promise<Token> => {
  const issued = await admin.post<Token>('/tokens', { user_id: accountId, ...body });
  expect(issued.status).toBe(201);
  return issued.body;
};

const scrape = async (): Promise<string> => (await fetch(system.healthUrl('gateway').replace(/\/health$/, '/metrics'))).text();
/** How much one series of the gateway's /metrics grew between two scrapes (a series not yet exported counts 0). */
const grown = (before: string, after: string, series: string): number => (metricSample(after, series) ?? 0) - (metricSample(before, series) ?? 0);

const UNAUTHENTICATED = (correlationId: string) => ({
  type: 'urn:warden:problem:unauthenticated',
  title: expect.any(String),
  status: 401,
  code: 'unauthenticated',
  detail: 'A valid session key or API token is required',
  instance: '/api/v1/auth/whoami',
  correlationId,
});

/** What every refusal of a credential answers, beside its correlation id. */
function expectUnauthenticated(answer: Answer, correlationId: string): void {
  expect(answer.status).toBe(401);
  expect(answer.headers).toEqual({
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(answer.body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'www-authenticate': 'Bearer realm="warden"',
    'x-correlation-id': correlationId,
  });
  expect(JSON.parse(answer.body)).toEqual(UNAUTHENTICATED(correlationId));
}

beforeAll(async () => {
  system = await startSystem();
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Whoami Corp', settings: { service_external_limit: 10 } });
  expect(tenant.status).toBe(201);
  tenantId = tenant.body.id;
  const created = await platformAdmin.post('/users', { username: 'whoami.admin@corp', account_type: 'user', password: STRONG, organization: tenantId, roles: ['WARDEN_SUPER_ADMIN'] });
  expect(created.status).toBe(201);
  admin = await ApiClient.login(system.gatewayUrl, 'whoami.admin@corp', STRONG);
  const account = await admin.post<{ id: string }>('/users', { username: 'svc.whoami@corp', account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(account.status).toBe(201);
  accountId = account.body.id;
});

afterAll(async () => {
  await system?.stop();
});

describe('GET /api/v1/auth/whoami', () => {
  it('answers who a valid API token stands for, with the headers of every answer, and counts it', async () => {
    const token = await issue({ name: 'whoami' });
    const before = await scrape();
    const answer = await whoami({ authorization: `Bearer ${token.token}`, 'x-correlation-id': 'corr-whoami-ok' });
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(answer.body)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-correlation-id': 'corr-whoami-ok',
    });
    expect(JSON.parse(answer.body)).toEqual({
      user_id: accountId,
      organization_id: tenantId,
      account_type: 'service_external',
      roles: [],
      teams: [],
      permissions: {},
      is_super_admin: false,
      platform_admin: false,
      acts_as_super_admin: false,
      credential: { kind: 'api_token', id: token.id, expires_at: token.expires_at },
    });
    // The answer as the API description has it (the client checks every answer against it).
    const described = await admin.withApiKey(token.token).get<{ user_id: string }>('/auth/whoami');
    expect(described.body.user_id).toBe(accountId);

    const head = await whoami({ 'x-api-key': token.token, 'x-correlation-id': 'corr-whoami-head' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers).toEqual({ ...answer.headers, 'x-correlation-id': 'corr-whoami-head' });

    const after = await scrape();
    const served = 'warden_http_requests_total{method="GET",route="/api/v1/auth/whoami",status="200",app="gateway"}';
    expect(grown(before, after, served)).toBe(2);
    const headServed = 'warden_http_requests_total{method="HEAD",route="/api/v1/auth/whoami",status="200",app="gateway"}';
    expect(grown(before, after, headServed)).toBe(1);
    const verified = 'warden_credential_verifications_total{path="http",outcome="ok",app="gateway"}';
    expect(grown(before, after, verified)).toBe(3);
  });

  it('gives a new correlation id to a request without a sane one, and echoes it in the problem', async () => {
    const answer = await whoami({ 'x-correlation-id': 'not sane; <script>' });
    const correlationId = answer.headers['x-correlation-id']!;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expectUnauthenticated(answer, correlationId);
  });

  it('refuses a missing, a malformed and a revoked credential alike, and counts each by outcome', async () => {
    const token = await issue({ name: 'soon revoked' });
    expect((await whoami({ 'x-api-key': token.token })).status).toBe(200);
    expect((await admin.post(`/tokens/${token.id}/revoke`)).status).toBe(200);
    const before = await scrape();

    expectUnauthenticated(await whoami({ 'x-correlation-id': 'corr-missing' }), 'corr-missing');
    expectUnauthenticated(await whoami({ authorization: 'Bearer not-a-warden-token', 'x-correlation-id': 'corr-malformed' }), 'corr-malformed');
    expectUnauthenticated(await whoami({ 'x-api-key': token.token, 'x-correlation-id': 'corr-revoked' }), 'corr-revoked');

    const after = await scrape();
    const refused = 'warden_http_requests_total{method="GET",route="/api/v1/auth/whoami",status="401",app="gateway"}';
    expect(grown(before, after, refused)).toBe(3);
    const missing = 'warden_credential_verifications_total{path="http",outcome="missing",app="gateway"}';
    expect(grown(before, after, missing)).toBe(1);
    const revoked = 'warden_credential_verifications_total{path="http",outcome="revoked",app="gateway"}';
    expect(grown(before, after, revoked)).toBe(1);
  });

  it('answers a public token only from an origin it allows', async () => {
    const token = await issue({ name: 'storefront', visibility: 'public', allowed_origins: [ORIGIN] });
    const allowed = await whoami({ 'x-api-key': token.token, origin: ORIGIN });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ user_id: accountId, credential: { kind: 'api_token', id: token.id } });
    expectUnauthenticated(await whoami({ 'x-api-key': token.token, origin: 'https://evil.example', 'x-correlation-id': 'corr-origin' }), 'corr-origin');
    expectUnauthenticated(await whoami({ 'x-api-key': token.token, 'x-correlation-id': 'corr-no-origin' }), 'corr-no-origin');
  });

  it('says where a rate-limited token stands, and refuses it past its limit with a 429 to wait on', async () => {
    const token = await issue({ name: 'limited', rate_limit: { limit: 1, window_seconds: 86_400 } });
    const first = await whoami({ 'x-api-key': token.token });
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"token";q=1;w=86400');
    expect(first.headers['ratelimit']).toMatch(/^"token";r=0;t=\d+$/);

    const refused = await whoami({ 'x-api-key': token.token, 'x-correlation-id': 'corr-limited' });
    expect(refused.status).toBe(429);
    expect(refused.headers).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(refused.body)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-correlation-id': 'corr-limited',
      'ratelimit-policy': '"token";q=1;w=86400',
      ratelimit: expect.stringMatching(/^"token";r=0;t=\d+$/),
      'retry-after': expect.stringMatching(/^\d+$/),
    });
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, code: 'rate_limited', instance: '/api/v1/auth/whoami', correlationId: 'corr-limited' });
  });
});
