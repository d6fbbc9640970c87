// API tokens' usage policy and status through the gateway, against the four services running
// as processes: the client address from the socket or, only from a trusted proxy, from
// X-Forwarded-For (127.0.0.2 plays the proxy: TRUSTED_PROXIES names it, and the requests
// "through" it are sent from that local address); a token past its rate limit answered 429
// with Retry-After and the IETF RateLimit fields; and get and list saying what verification
// decides for each status.
import { request as httpRequest } from 'node:http';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;

const STRONG = 'plinth-orbit-cascade-47';

interface Token {
  id: string;
  token: string;
  status: string;
  allowed_ips: string[];
  rate_limit: { limit: number; window_seconds: number } | null;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET /auth/whoami with an API token, from `localAddress`, with an X-Forwarded-For when given. */
function whoami(token: string, { localAddress, forwardedFor }: { localAddress: string; forwardedFor?: string }): Promise<Answer> {
  const url = new URL(`${system.gatewayUrl}/auth/whoami`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'x-api-key': token };
    if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const serviceAccount = async (username: string) => {
  const created = await admin.post<{ id: string }>('/users', { username, account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(created.status).toBe(201);
  return created.body.id;
};
const issue = async (body: Record<string, unknown>) => {
  const issued = await admin.post<Token>('/tokens', body);
  expect(issued.status).toBe(201);
  return issued.body;
};
const introspect = async (token: string) => (await admin.post<{ active: boolean; reason?: string }>('/tokens/verify', { token })).body;
const statusOf = async (id: string) => (await admin.get<Token>(`/tokens/${id}`)).body.status;

beforeAll(async () => {
  system = await startSystem({ TRUSTED_PROXIES: '127.0.0.2' });
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Policy Corp', settings: { service_external_limit: 50 } });
  expect(tenant.status).toBe(201);
  const created = await platformAdmin.post('/users', { username: 'policy.admin@corp', account_type: 'user', password: STRONG, organization: tenant.body.id, roles: ['WARDEN_SUPER_ADMIN'] });
  expect(created.status).toBe(201);
  admin = await ApiClient.login(system.gatewayUrl, 'policy.admin@corp', STRONG);
});

afterAll(async () => {
  await system?.stop();
});

describe('usage policy through the gateway', () => {
  it('takes the client address from X-Forwarded-For only through a trusted proxy', async () => {
    const userId = await serviceAccount('svc.ips@corp');
    const token = await issue({ user_id: userId, name: 'office only', allowed_ips: ['198.51.100.0/24', '2001:db8::/32'] });
    expect(token.allowed_ips).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    // Straight from the client: its socket address, whatever it claims.
    expect((await whoami(token.token, { localAddress: '127.0.0.1', forwardedFor: '198.51.100.7' })).status).toBe(401);
    // Through the trusted proxy: the address it reports.
    expect((await whoami(token.token, { localAddress: '127.0.0.2', forwardedFor: '198.51.100.7' })).status).toBe(200);
    expect((await whoami(token.token, { localAddress: '127.0.0.2', forwardedFor: '2001:db8::42' })).status).toBe(200);
    expect((await whoami(token.token, { localAddress: '127.0.0.2', forwardedFor: '203.0.113.7' })).status).toBe(401);
    // A client's own forged entry before the proxy's is not the address the proxy saw.
    expect((await whoami(token.token, { localAddress: '127.0.0.2', forwardedFor: '198.51.100.7, 203.0.113.7' })).status).toBe(401);
    expect(await introspect(token.token)).toEqual({ active: false, reason: 'ip_not_allowed' });
    // Opened to every address: works straight from the client too.
    const opened = await admin.patch<Token>(`/tokens/${token.id}`, { allowed_ips: [] });
    expect(opened.status).toBe(200);
    expect((await whoami(token.token, { localAddress: '127.0.0.1' })).status).toBe(200);
  });

  it('answers a token past its rate limit 429 with Retry-After, RateLimit-Policy and RateLimit', async () => {
    const userId = await serviceAccount('svc.rate@corp');
    // A day's window: the four requests below fall in one window unless they straddle 00:00 UTC.
    const token = await issue({ user_id: userId, name: 'limited', rate_limit: { limit: 3, window_seconds: 86_400 } });
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await whoami(token.token, { localAddress: '127.0.0.1' }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((answer) => answer.headers['ratelimit-policy'])).toEqual(Array(4).fill('"token";q=3;w=86400'));
    expect(answers.map((answer) => /r=(\d+)/.exec(String(answer.headers['ratelimit']))?.[1])).toEqual(['2', '1', '0', '0']);
    const refused = answers[3]!;
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(String(refused.headers['ratelimit'])).toBe(`"token";r=0;t=${retryAfter}`);
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(String(refused.headers['content-type'])).toContain('application/problem+json');
    // Raised by the admin: the holder may go on at once.
    expect((await admin.patch(`/tokens/${token.id}`, { rate_limit: null })).status).toBe(200);
    const after = await whoami(token.token, { localAddress: '127.0.0.1' });
    expect(after.status).toBe(200);
    expect(after.headers['ratelimit']).toBeUndefined();
  });

  it('refuses a token whose credits are used up, and says how many remain while some do', async () => {
    const userId = await serviceAccount('svc.credits@corp');
    const token = await issue({ user_id: userId, name: 'metered', credits: { remaining: 2 } });
    expect((await whoami(token.token, { localAddress: '127.0.0.1' })).status).toBe(200);
    expect(await admin.post('/tokens/verify', { token: token.token })).toMatchObject({ status: 200, body: { active: true, credits_remaining: 0 } });
    expect((await whoami(token.token, { localAddress: '127.0.0.1' })).status).toBe(401);
    expect(await introspect(token.token)).toEqual({ active: false, reason: 'credits_exhausted' });
  });

  it('refuses a bad policy with 422 naming the field, and changes nothing', async () => {
    const userId = await serviceAccount('svc.bad@corp');
    const token = await issue({ user_id: userId, name: 'bad input' });
    const bad = await admin.patch<{ code: string; errors: { field: string }[] }>(`/tokens/${token.id}`, { allowed_ips: ['10.0.0.0/8', '10.0.0.1/8'] });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'invalid_token_policy', errors: [{ field: 'allowed_ips[1]' }] });
    const shape = await admin.patch<{ code: string }>(`/tokens/${token.id}`, { rate_limit: { limit: 'ten', window_seconds: 60 } });
    expect(shape.status).toBe(400);
    expect((await admin.get<Token>(`/tokens/${token.id}`)).body).toMatchObject({ allowed_ips: [], rate_limit: null });
  });
});

describe('status that agrees with verification', () => {
  it('shows in get and list what verification decides, and names the same cause to an admin', async () => {
    const userId = await serviceAccount('svc.status@corp');
    const goneId = await serviceAccount('svc.gone@corp');
    const active = await issue({ user_id: userId, name: 'active' });
    const revoked = await issue({ user_id: userId, name: 'revoked' });
    expect((await admin.post(`/tokens/${revoked.id}/revoke`)).status).toBe(200);
    const expiring = await issue({ user_id: userId, name: 'expiring', expires_at: new Date(Date.now() + 1500).toISOString() });
    const ownerGone = await issue({ user_id: goneId, name: 'owner gone' });
    expect((await admin.post(`/users/${goneId}/deactivate`)).status).toBe(200);
    const rotated = await issue({ user_id: userId, name: 'rotated' });
    expect((await admin.post(`/tokens/${rotated.id}/rotate`, { grace_period_seconds: 0 })).status).toBe(200);

    await pollUntil(async () => (await statusOf(expiring.id)) === 'expired', 'the token to expire');
    const expected: [Token, string][] = [
      [active, 'active'],
      [revoked, 'revoked'],
      [expiring, 'expired'],
      [ownerGone, 'owner_inactive'],
    ];
    const listed = (await admin.get<{ results: { id: string; status: string }[] }>('/tokens?page_size=100')).body.results;
    for (const [token, status] of expected) {
      expect([token.id, await statusOf(token.id)]).toEqual([token.id, status]);
      expect([token.id, listed.find((view) => view.id === token.id)?.status]).toEqual([token.id, status]);
      expect([token.id, await introspect(token.token)]).toEqual([token.id, status === 'active' ? expect.objectContaining({ active: true }) : { active: false, reason: status }]);
      expect([token.id, (await whoami(token.token, { localAddress: '127.0.0.1' })).status]).toEqual([token.id, status === 'active' ? 200 : 401]);
    }
    // The rotated token is active; its old secret is refused as rotated out.
    expect(await statusOf(rotated.id)).toBe('active');
    expect(await introspect(rotated.token)).toEqual({ active: false, reason: 'rotated_out' });
    const filtered = (await admin.get<{ results: { id: string }[] }>('/tokens?status=owner_inactive')).body.results.map((view) => view.id);
    expect(filtered).toEqual([ownerGone.id]);
  });
});
