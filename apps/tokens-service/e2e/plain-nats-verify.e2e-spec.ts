// `tokens.verify` asked as any NATS client would ask it (the nats CLI, Go, Python): a bare
// JSON body on `<NATS_SUBJECT_PREFIX>.tokens.verify`, through a connection of the nats
// client alone, against the four services running as processes.
import { ApiClient, RunningSystem, TEST_NATS_URL, pollUntil, startSystem } from '@warden/testing';
import { NatsConnection, ServiceError, connect } from 'nats';

let system: RunningSystem;
let admin: ApiClient;
let nats: NatsConnection;
let accountId: string;

const STRONG = 'plinth-orbit-cascade-47';

interface IssuedToken {
  id: string;
  token: string;
}

async function issue(body: Record<string, unknown> = {}): Promise<IssuedToken> {
  const issued = await admin.post<IssuedToken>('/tokens', { user_id: accountId, name: 'plain NATS', ...body });
  expect(issued.status).toBe(201);
  return issued.body;
}

async function ask(body: string): Promise<{ json: Record<string, unknown>; error: ServiceError | null }> {
  const reply = await nats.request(`${system.env.NATS_SUBJECT_PREFIX}.tokens.verify`, new TextEncoder().encode(body), { timeout: 10_000 });
  return { json: JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown>, error: ServiceError.toServiceError(reply) };
}

const fieldsAtFault = (problem: Record<string, unknown>) => [...new Set((problem['errors'] as { field: string }[]).map((error) => error.field))];

const lastUsedAt = async (id: string) => (await admin.get<{ last_used_at: string | null }>(`/tokens/${id}`)).body.last_used_at;

beforeAll(async () => {
  system = await startSystem({ TOKEN_USE_FLUSH_INTERVAL_MS: '200', TOKEN_LAST_USED_FLUSH_MS: '100' });
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Plain NATS Corp' });
  expect(tenant.status).toBe(201);
  const created = await platformAdmin.post('/users', {
    username: 'nats.admin@plain',
    account_type: 'user',
    password: STRONG,
    organization: tenant.body.id,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(created.status).toBe(201);
  admin = await ApiClient.login(system.gatewayUrl, 'nats.admin@plain', STRONG);
  // Internal: it holds every permission of its organization, so its tokens may be narrowed to any.
  const account = await admin.post<{ id: string }>('/users', { username: 'verifier@plain', account_type: 'service_internal', password: 'envelope-status-updater-9' });
  expect(account.status).toBe(201);
  accountId = account.body.id;
  nats = await connect({ servers: TEST_NATS_URL });
});

afterAll(async () => {
  await nats?.close();
  await system?.stop();
});

describe('tokens.verify for any NATS client', () => {
  it('answers a bare {token} with the same introspection as POST /tokens/verify, reason included', async () => {
    const { token } = await issue({ permissions: ['users:read'] });
    const overNats = await ask(JSON.stringify({ token }));
    expect(overNats.error).toBeNull();
    expect(overNats.json).toMatchObject({ active: true, token_type: 'api_token', user_id: accountId, scope: 'users:read' });
    const overHttp = await admin.post('/tokens/verify', { token });
    expect(overNats.json).toEqual(overHttp.body);
  });

  it('refuses a revoked token from the moment the revoke answered, saying why', async () => {
    const { id, token } = await issue();
    expect((await ask(JSON.stringify({ token }))).json).toMatchObject({ active: true, token_id: id });
    expect((await admin.post(`/tokens/${id}/revoke`)).status).toBe(200);
    expect((await ask(JSON.stringify({ token }))).json).toEqual({ active: false, reason: 'revoked' });
  });

  it('checks a public token against the origin in the body', async () => {
    const { token } = await issue({ visibility: 'public', allowed_origins: ['https://shop.example.com'] });
    expect((await ask(JSON.stringify({ token, origin: 'https://shop.example.com' }))).json).toMatchObject({ active: true });
    expect((await ask(JSON.stringify({ token, origin: 'https://evil.example.com' }))).json).toEqual({ active: false, reason: 'origin_not_allowed' });
    expect((await ask(JSON.stringify({ token }))).json).toEqual({ active: false, reason: 'origin_not_allowed' });
  });

  it('answers a malformed token as inactive, and a malformed body with a problem document and the service-error headers', async () => {
    expect((await ask('{"token": "wdn_p_nonsense"}')).json).toEqual({ active: false, reason: 'malformed' });
    const notJson = await ask('{"token": ');
    expect(notJson.error).toMatchObject({ code: 400 });
    expect(notJson.json).toMatchObject({ status: 400, code: 'malformed_body' });
    const noToken = await ask('{"origin": "https://shop.example.com"}');
    expect(noToken.error).toMatchObject({ code: 400 });
    expect(noToken.json).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(fieldsAtFault(noToken.json)).toEqual(['token']);
    const unknownField = await ask(JSON.stringify({ token: 'wdn_p_x', scope: 'all' }));
    expect(unknownField.json).toMatchObject({ code: 'validation_failed' });
    expect(fieldsAtFault(unknownField.json)).toEqual(['scope']);
  });

  it("counts a token verified over NATS, or introspected over HTTP, as used: its last_used_at is set", async () => {
    const viaNats = await issue();
    const viaHttp = await issue();
    expect([await lastUsedAt(viaNats.id), await lastUsedAt(viaHttp.id)]).toEqual([null, null]);
    expect((await ask(JSON.stringify({ token: viaNats.token }))).json).toMatchObject({ active: true });
    expect((await admin.post('/tokens/verify', { token: viaHttp.token })).body).toMatchObject({ active: true });
    await pollUntil(async () => (await lastUsedAt(viaNats.id)) !== null && (await lastUsedAt(viaHttp.id)) !== null, 'the last uses to be recorded', 20_000, 100);
  });
});
