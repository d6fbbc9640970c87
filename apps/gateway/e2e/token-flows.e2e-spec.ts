// The token flows over HTTP, against the four services running as processes: issue, public
// tokens and origins, reassign then delete, exchange of a login key, and the api_token of a
// new service user shown once.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';

let system: RunningSystem;
let tenantAdmin: ApiClient;
let tenantId: string;

const STRONG = 'plinth-orbit-cascade-47';

interface Problem {
  code: string;
  errors?: { field: string; message: string }[];
}
interface User {
  id: string;
  account_type: string;
  last_active_at: string | null;
}
interface Token {
  id: string;
  user_id: string;
  name: string;
  token?: string;
  enabled: boolean;
  status: string;
  visibility: string;
  allowed_origins: string[];
  prefix: string;
  last_four: string;
  last_used_at: string | null;
}

const serviceAccount = async (username: string, accountType = 'service_external') => {
  const created = await tenantAdmin.post<User>('/users', { username, account_type: accountType, password: 'envelope-status-updater-9' });
  expect(created.status).toBe(201);
  return created.body;
};

beforeAll(async () => {
  system = await startSystem({ TOKEN_USE_FLUSH_INTERVAL_MS: '200', TOKEN_LAST_USED_FLUSH_MS: '100' });
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Token Corp', settings: { service_external_limit: 50 } });
  expect(tenant.status).toBe(201);
  tenantId = tenant.body.id;
  const admin = await platformAdmin.post('/users', {
    username: 'tokens.admin@corp',
    account_type: 'user',
    password: STRONG,
    organization: tenantId,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(admin.status).toBe(201);
  tenantAdmin = await ApiClient.login(system.gatewayUrl, 'tokens.admin@corp', STRONG);
});

afterAll(async () => {
  await system?.stop();
});

describe('tokens of service accounts, public and private, reassign', () => {
  it('creates a token for a service account, shown once, and refuses one for a human', async () => {
    const account = await serviceAccount('webhooks@corp');
    const created = await tenantAdmin.post<Token>('/tokens', { user_id: account.id, name: 'DocuSign Connect' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toContain('no-store');
    expect(created.body).toMatchObject({ user_id: account.id, name: 'DocuSign Connect', enabled: true, visibility: 'private', prefix: 'wdn_p_' });
    const secret = created.body.token!;
    expect(secret).toMatch(/^wdn_p_/);

    const read = await tenantAdmin.get<Token>(`/tokens/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.last_four).toBe(secret.slice(-4));
    const listed = await tenantAdmin.get<{ results: Token[] }>(`/tokens?owner=${account.id}`);
    for (const body of [read.body, listed.body]) expect(JSON.stringify(body)).not.toContain(secret);
    expect(listed.body.results.map((t) => t.id)).toEqual([created.body.id]);

    const human = await tenantAdmin.post<User>('/users', { username: 'a.human@corp', account_type: 'user', password: 'a-human-password-42' });
    const refused = await tenantAdmin.post<Problem>('/tokens', { user_id: human.body.id, name: 'nope' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'invalid_token_owner', errors: [{ field: 'user_id' }] });
  });

  it('refuses a public token from a wrong origin and accepts it from the exact one', async () => {
    const account = await serviceAccount('public-site@corp');
    const wildcard = await tenantAdmin.post<Problem>('/tokens', {
      user_id: account.id,
      name: 'site',
      visibility: 'public',
      allowed_origins: ['https://*.corp.example'],
    });
    expect(wildcard.status).toBe(422);
    expect(wildcard.body).toMatchObject({ code: 'invalid_allowed_origins', errors: [{ field: 'allowed_origins[0]' }] });

    const created = await tenantAdmin.post<Token>('/tokens', {
      user_id: account.id,
      name: 'site',
      visibility: 'public',
      allowed_origins: ['HTTPS://Shop.Corp.Example:443'],
    });
    expect(created.status).toBe(201);
    expect(created.body.allowed_origins).toEqual(['https://shop.corp.example']);
    const client = new ApiClient(system.gatewayUrl).withApiKey(created.body.token!);
    expect((await client.get('/users/me', { origin: 'https://shop.corp.example' })).status).toBe(200);
    for (const origin of ['https://evil.example', 'https://shop.corp.example:8443', 'http://shop.corp.example', 'null']) {
      expect([origin, (await client.get('/users/me', { origin })).status]).toEqual([origin, 401]);
    }
    expect((await client.get('/users/me')).status).toBe(401);
  });

  it('reassigns a token to another service account, then deletes the former owner', async () => {
    const former = await serviceAccount('former-owner@corp');
    const next = await serviceAccount('next-owner@corp');
    const created = await tenantAdmin.post<Token>('/tokens', { user_id: former.id, name: 'pipeline' });
    const blocked = await tenantAdmin.delete<Problem>(`/users/${former.id}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('user_owns_tokens');

    const reassigned = await tenantAdmin.post<Token>(`/tokens/${created.body.id}/reassign`, { user_id: next.id });
    expect(reassigned.status).toBe(200);
    expect(reassigned.body.user_id).toBe(next.id);
    expect((await tenantAdmin.delete(`/users/${former.id}`)).status).toBe(204);
    const me = await new ApiClient(system.gatewayUrl).withApiKey(created.body.token!).get<{ id: string }>('/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(next.id);
  });

  it('revokes with no window, rotates with a grace period, and introspects', async () => {
    const account = await serviceAccount('rotating@corp');
    const created = await tenantAdmin.post<Token>('/tokens', { user_id: account.id, name: 'rotating' });
    const rotated = await tenantAdmin.post<Token>(`/tokens/${created.body.id}/rotate`, { grace_period_seconds: 300 });
    expect(rotated.status).toBe(200);
    const oldClient = new ApiClient(system.gatewayUrl).withApiKey(created.body.token!);
    const newClient = new ApiClient(system.gatewayUrl).withApiKey(rotated.body.token!);
    expect((await oldClient.get('/users/me')).status).toBe(200);
    expect((await newClient.get('/users/me')).status).toBe(200);

    const active = await tenantAdmin.post<{ active: boolean; token_id: string }>('/tokens/verify', { token: rotated.body.token });
    expect(active.body).toMatchObject({ active: true, token_id: created.body.id });

    expect((await tenantAdmin.post(`/tokens/${created.body.id}/revoke`)).status).toBe(200);
    expect((await oldClient.get('/users/me')).status).toBe(401);
    expect((await newClient.get('/users/me')).status).toBe(401);
    expect((await tenantAdmin.post('/tokens/verify', { token: rotated.body.token })).body).toEqual({ active: false, reason: 'revoked' });
    // a caller who may not read tokens learns only that it is inactive
    const other = await serviceAccount('nosy@corp');
    const nosyToken = await tenantAdmin.post<Token>('/tokens', { user_id: other.id, name: 'nosy' });
    const nosy = new ApiClient(system.gatewayUrl).withApiKey(nosyToken.body.token!);
    expect((await nosy.post('/tokens/verify', { token: rotated.body.token })).body).toEqual({ active: false });
    expect((await tenantAdmin.get<{ results: Token[] }>('/tokens?status=revoked')).body.results.map((t) => t.id)).toContain(created.body.id);
  });
});

describe('exchange the login key for a long-lived token', () => {
  it('logs in as the service account, exchanges the key, uses the token', async () => {
    await tenantAdmin.patch(`/organizations/${tenantId}`, { settings: { max_token_lifetime_seconds: 7 * 86400 } });
    await serviceAccount('api_user@corp');
    const login = await new ApiClient(system.gatewayUrl).post<{ key: string }>('/auth/login', {
      username: 'api_user@corp',
      password: 'envelope-status-updater-9',
    });
    const exchanged = await new ApiClient(system.gatewayUrl, { header: 'authorization', key: login.body.key }).post<{
      key: string;
      token: string;
      expires_at: string;
    }>('/auth/token');
    expect(exchanged.status).toBe(200);
    expect(exchanged.body.key).toMatch(/^wdn_p_/);
    expect(exchanged.body.token).toBe(exchanged.body.key);
    expect(Date.parse(exchanged.body.expires_at)).toBeLessThanOrEqual(Date.now() + 7 * 86400_000);
    const me = await new ApiClient(system.gatewayUrl, { header: 'authorization', key: exchanged.body.key }).get('/users/me');
    expect(me.status).toBe(200);

    // a human's login cannot be exchanged: tokens belong only to service accounts
    const refused = await tenantAdmin.post<Problem>('/auth/token');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('token_exchange_not_allowed');
  });
});

describe('a new service user\'s api_token shown once, then x-api-key', () => {
  it('creates a service user with its token, which works on /users/me and never shows again', async () => {
    const created = await tenantAdmin.post<User & { api_token: { id: string; user_id: string; name: string; token: string; enabled: boolean } }>(
      '/users',
      {
        friendly_name: 'API Integration Service User',
        email_address: 'api-notifications@corp.example',
        account_id: tenantId,
        roles: ['WARDEN_MEMBER'],
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.api_token).toEqual({
      id: expect.any(String),
      user_id: created.body.id,
      name: 'API Integration Service User',
      token: expect.stringMatching(/^wdn_p_/),
      enabled: true,
    });
    const secret = created.body.api_token.token;
    const integration = new ApiClient(system.gatewayUrl).withApiKey(secret);
    const me = await integration.get<{ id: string }>('/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(created.body.id);

    for (const path of ['/tokens', `/tokens/${created.body.api_token.id}`, `/users/${created.body.id}`, '/users']) {
      const response = await tenantAdmin.get(path);
      expect([path, response.status]).toEqual([path, 200]);
      expect(JSON.stringify(response.body)).not.toContain(secret);
    }

    // last used reaches the token and the owner's "last active" without an event per request
    let token: Token | undefined;
    let owner: User | undefined;
    for (let i = 0; i < 50 && !(token?.last_used_at && owner?.last_active_at); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      token = (await tenantAdmin.get<Token>(`/tokens/${created.body.api_token.id}`)).body;
      owner = (await tenantAdmin.get<User>(`/users/${created.body.id}`)).body;
    }
    expect(token?.last_used_at).toEqual(expect.any(String));
    expect(owner?.last_active_at).toEqual(expect.any(String));
  });

  it('creates the account even when its first token is refused, saying why, and the answer is not cached', async () => {
    // A caller who makes service accounts but holds no tokens:write: the tokens service refuses the token.
    const role = await tenantAdmin.post('/roles', {
      name: 'ACCOUNT_MAKERS',
      display_name: 'Account makers',
      permissions: ['users:read', 'users:write', 'service_accounts:write'],
    });
    expect(role.status).toBe(201);
    const maker = await tenantAdmin.post('/users', { username: 'account.maker@corp', account_type: 'user', password: STRONG, roles: ['ACCOUNT_MAKERS'] });
    expect(maker.status).toBe(201);
    const makerClient = await ApiClient.login(system.gatewayUrl, 'account.maker@corp', STRONG);
    const created = await makerClient.post<User & { api_token: null; api_token_error: { code: string; detail: string } }>('/users', {
      username: 'no-token-yet@corp',
      account_type: 'service_external',
      issue_token: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toContain('no-store');
    expect(created.body).toMatchObject({ account_type: 'service_external', api_token: null, api_token_error: { code: 'forbidden', detail: expect.any(String) } });
    expect((await tenantAdmin.get<User>(`/users/${created.body.id}`)).body).toMatchObject({ id: created.body.id, account_type: 'service_external' });
    expect((await tenantAdmin.get<{ results: Token[] }>(`/tokens?owner=${created.body.id}`)).body.results).toEqual([]);
  });
});
