// A token's lifecycle over HTTP, against the services running as processes: disable and
// enable with no window, a secret scanner's signed alert (a key pair made here plays the
// scanner, its public key configured as the deployment's), a leak report, and the expiry
// scheduler's warnings found through `expiring_within`.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { formatSecret } from '@warden/contracts';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

const STRONG = 'plinth-orbit-cascade-47';
const KEY_ID = 'e2e-scanner';
const scanner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let system: RunningSystem;
let admin: ApiClient;
let serviceAccountId: string;

interface Token {
  id: string;
  token: string;
  status: string;
  enabled: boolean;
  disabled_at: string | null;
}

const issue = async (body: Record<string, unknown> = {}) => {
  const issued = await admin.post<Token>('/tokens', { user_id: serviceAccountId, name: `lifecycle-${randomBytes(4).toString('hex')}`, ...body });
  expect(issued.status).toBe(201);
  return issued.body;
};
const whoami = (token: string) => admin.withApiKey(token).get('/auth/whoami');

/** Posts an alert with the given raw body, signed (or not) as the scanner would. */
const postAlert = async (raw: string, signWith: Parameters<typeof sign>[2] | null = scanner.privateKey, keyId = KEY_ID) => {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'github-public-key-identifier': keyId };
  if (signWith !== null) headers['github-public-key-signature'] = sign('sha256', Buffer.from(raw), { key: signWith as never, dsaEncoding: 'der' }).toString('base64');
  const response = await fetch(`${system.gatewayUrl}/secret-scanning/alerts`, { method: 'POST', headers, body: raw });
  return { status: response.status, body: (await response.json()) as unknown };
};

beforeAll(async () => {
  system = await startSystem({
    SECRET_SCANNING_PUBLIC_KEYS: JSON.stringify({ [KEY_ID]: scanner.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
    EXPIRY_SCHEDULER_INTERVAL_MS: '200',
  });
  const platform = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platform.post<{ id: string }>('/organizations', { name: 'Lifecycle Corp', settings: { service_external_limit: 10 } });
  expect(tenant.status).toBe(201);
  expect(
    (await platform.post('/users', { username: 'lifecycle.admin@corp', account_type: 'user', password: STRONG, organization: tenant.body.id, roles: ['WARDEN_SUPER_ADMIN'] }))
      .status,
  ).toBe(201);
  admin = await ApiClient.login(system.gatewayUrl, 'lifecycle.admin@corp', STRONG);
  const account = await admin.post<{ id: string }>('/users', { username: 'lifecycle-svc@corp', account_type: 'service_external', password: STRONG });
  expect(account.status).toBe(201);
  serviceAccountId = account.body.id;
});

afterAll(async () => {
  await system?.stop();
});

describe('disable and enable', () => {
  it('refuses the token on the very next request after the disable answers, and accepts it again once enabled', async () => {
    const token = await issue();
    expect((await whoami(token.token)).status).toBe(200);
    const disabled = await admin.post<Token>(`/tokens/${token.id}/disable`);
    expect(disabled.status).toBe(200);
    expect((await whoami(token.token)).status).toBe(401);
    expect(disabled.body).toMatchObject({ status: 'disabled', enabled: false, disabled_at: expect.any(String) });
    const introspected = await admin.post<{ active: boolean; reason?: string }>('/tokens/verify', { token: token.token });
    expect(introspected.body).toEqual({ active: false, reason: 'disabled' });
    expect((await admin.get<{ results: Token[] }>('/tokens?status=disabled')).body.results.map((listed) => listed.id)).toContain(token.id);

    expect((await admin.post(`/tokens/${token.id}/enable`)).status).toBe(200);
    expect((await whoami(token.token)).status).toBe(200);
    await admin.post(`/tokens/${token.id}/revoke`);
    expect(await admin.post<{ code: string }>(`/tokens/${token.id}/enable`)).toMatchObject({ status: 409, body: { code: 'token_not_active' } });
  });
});

describe('secret scanner alerts', () => {
  it('verifies the signature over the body as sent, revokes a leaked token and labels every entry', async () => {
    const leaked = await issue();
    const neverIssued = formatSecret('api_token', randomBytes(16).toString('hex'));
    // Spacing a parser would drop: the signature covers these exact bytes.
    const raw = `[ {"token": "${leaked.token}", "type": "warden_api_token", "url": "https://github.com/acme/site/blob/main/.env", "source": "content"},\n` +
      `  {"token": "${neverIssued}", "type": "warden_api_token", "url": "https://github.com/acme/site/blob/main/x", "source": "content"},\n` +
      `  {"token": "wdn_p_notawardentoken", "type": "warden_api_token", "url": "https://github.com/acme/site", "source": "commit"} ]`;
    const answer = await postAlert(raw);
    expect(answer).toEqual({
      status: 200,
      body: [
        { token_raw: leaked.token, token_type: 'warden_api_token', label: 'true_positive' },
        { token_raw: neverIssued, token_type: 'warden_api_token', label: 'false_positive' },
        { token_raw: 'wdn_p_notawardentoken', token_type: 'warden_api_token', label: 'false_positive' },
      ],
    });
    expect((await whoami(leaked.token)).status).toBe(401);
    expect((await admin.get<Token>(`/tokens/${leaked.id}`)).body.status).toBe('revoked');
  });

  it('answers a bad, foreign or missing signature with 401 and changes nothing', async () => {
    const token = await issue();
    const raw = JSON.stringify([{ token: token.token, type: 'warden_api_token', url: 'https://example.com', source: 'content' }]);
    const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect((await postAlert(raw, impostor.privateKey)).status).toBe(401);
    expect((await postAlert(raw, scanner.privateKey, 'unknown-key')).status).toBe(401);
    expect((await postAlert(raw, null)).status).toBe(401);
    expect((await whoami(token.token)).status).toBe(200);
    expect((await admin.get<Token>(`/tokens/${token.id}`)).body.status).toBe('active');
  });
});

describe('report leaked token', () => {
  it('revokes a reported token and answers a token no one issued the same way', async () => {
    const token = await issue();
    const reported = await admin.post('/tokens/report-leaked', { token: token.token, url: 'https://paste.example.com/1' });
    const unknown = await admin.post('/tokens/report-leaked', { token: formatSecret('api_token', randomBytes(16).toString('hex')) });
    expect(reported).toMatchObject({ status: 200, body: { status: 'received' } });
    expect(unknown.body).toEqual(reported.body);
    expect(unknown.status).toBe(reported.status);
    expect((await whoami(token.token)).status).toBe(401);
    const malformed = await admin.post<{ code: string; errors: { field: string }[] }>('/tokens/report-leaked', { token: `${token.token.slice(0, -1)}!` });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'validation_failed', errors: [{ field: 'token' }] } });
  });
});

describe('expiry warnings', () => {
  it('lists the tokens expiring within a duration, and the scheduler warns of each once', async () => {
    const soon = await issue({ expires_at: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const later = await issue({ expires_at: new Date(Date.now() + 20 * 86_400_000).toISOString() });
    const listed = await admin.get<{ results: Token[] }>('/tokens?expiring_within=7d');
    expect(listed.status).toBe(200);
    expect(listed.body.results.map((token) => token.id)).toContain(soon.id);
    expect(listed.body.results.map((token) => token.id)).not.toContain(later.id);
    expect((await admin.get<{ code: string }>('/tokens?expiring_within=soon')).status).toBe(400);

    // Due for the week's warning (not yet the day's): one TokenExpiring, however many turns the scheduler takes.
    const warningsOf = async (tokenId: string) => {
      const events = await admin.get<{ results: { event_type: string; data: { tokenId?: string; leadSeconds?: number } }[] }>(
        `/audit/events?event_type=TokenExpiring&subject_id=${tokenId}&limit=100`,
      );
      return events.body.results.filter((event) => event.data.tokenId === tokenId);
    };
    await pollUntil(async () => (await warningsOf(soon.id)).length > 0, 'the expiry warning of the token', 30_000, 200);
    // A token issued now is warned about on a later turn: by then the first one was looked at again.
    const next = await issue({ expires_at: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    await pollUntil(async () => (await warningsOf(next.id)).length > 0, 'the expiry warning of a later token', 30_000, 200);
    expect((await warningsOf(soon.id)).map((event) => event.data.leadSeconds)).toEqual([604_800]);
  });
});
