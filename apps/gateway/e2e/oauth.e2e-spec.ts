// OAuth 2.0 for service accounts (client credentials, introspection, revocation), driven
// by a client no one here wrote:
// openid-client finds the endpoints from the RFC 8414 metadata, gets access tokens with
// each client authentication method, introspects and revokes them. The refusals are sent
// as a client would send them by mistake or on purpose, and the access tokens are used
// where any Warden credential is.
import { randomUUID } from 'node:crypto';
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'openid-client';

let system: RunningSystem;
let admin: ApiClient;
let origin: string;
let accountId: string;
let clientSecret: string;
let secretId: string;
const ROLE = 'OAUTH_RECORDS';

const form = (body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${origin}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) }).then(
    async (response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }),
  );
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** openid-client set up for the account, against a plain-HTTP test server. */
function discover(clientAuthentication: oauth.ClientAuth, clientId = accountId): Promise<oauth.Configuration> {
  return oauth.discovery(new URL(origin), clientId, undefined, clientAuthentication, { execute: [oauth.allowInsecureRequests], algorithm: 'oauth2' });
}

async function createServiceAccount(username: string): Promise<string> {
  const created = await admin.post<{ id: string }>('/users', { username, account_type: 'service_external', first_name: 'Billing', last_name: 'Sync', roles: [ROLE] });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function registerKey(userId: string, alg: 'ES256' | 'RS256' | 'EdDSA', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const registered = await admin.post<{ id: string }>(`/users/${userId}/keys`, { jwk: { ...(await exportJWK(publicKey)), alg, kid } });
  expect(registered.status).toBe(201);
  return { privateKey, kid: registered.body.id };
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A client assertion as RFC 7523 §3 has it, with whatever a test changes. */
function assertion(privateKey: PrivateKey, kid: string, alg: string, change: { aud?: string; iat?: number; exp?: number; jti?: string; sub?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: change.jti ?? randomUUID() })
    .setProtectedHeader({ alg, kid })
    .setIssuer(change.sub ?? accountId)
    .setSubject(change.sub ?? accountId)
    .setAudience(change.aud ?? `${origin}/oauth2/token`)
    .setIssuedAt(change.iat ?? now)
    .setExpirationTime(change.exp ?? now + 60)
    .sign(privateKey);
}

const asBearer = (token: string) => new ApiClient(system.gatewayUrl, { header: 'authorization', key: token });

beforeAll(async () => {
  system = await startSystem();
  origin = new URL(system.gatewayUrl).origin;
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const role = await admin.post('/roles', { name: ROLE, display_name: 'Records', permissions: ['records:read', 'records:write'] });
  expect(role.status).toBe(201);
  accountId = await createServiceAccount('billing-sync@oauth');
  const secret = await admin.post<{ id: string; client_id: string; client_secret: string }>(`/users/${accountId}/client-secrets`);
  expect(secret.status).toBe(201);
  expect(secret.headers.get('cache-control')).toBe('no-store');
  expect(secret.body.client_id).toBe(accountId);
  expect(secret.body.client_secret).toMatch(/^wdn_c_[0-9A-Za-z]{38}$/);
  ({ client_secret: clientSecret, id: secretId } = secret.body);
});

afterAll(async () => {
  await system?.stop();
});

describe('discovery (RFC 8414)', () => {
  it('names the endpoints and methods a client needs', async () => {
    const config = await discover(oauth.ClientSecretBasic(clientSecret));
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer: origin,
      token_endpoint: `${origin}/oauth2/token`,
      introspection_endpoint: `${origin}/oauth2/introspect`,
      revocation_endpoint: `${origin}/oauth2/revoke`,
      grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    });
  });
});

describe('client credentials (RFC 6749 §4.4)', () => {
  it.each([
    ['client_secret_basic', () => oauth.ClientSecretBasic(clientSecret)],
    ['client_secret_post', () => oauth.ClientSecretPost(clientSecret)],
  ])('grants an opaque, short-lived access token to a client authenticating with %s', async (_method, auth) => {
    const config = await discover(auth());
    const granted = await oauth.clientCredentialsGrant(config, { scope: 'records:write' });
    expect(granted.token_type).toBe('bearer'); // openid-client lowercases it
    expect(granted.access_token).toMatch(/^wdn_at_/);
    expect(granted.expires_in).toBeGreaterThan(850);
    expect(granted.expires_in).toBeLessThanOrEqual(900);
    expect(granted.scope).toBe('records:write');
    // usable where any Warden credential is, with exactly the scope granted
    const whoami = await asBearer(granted.access_token).get<{ user_id: string; permissions: Record<string, string>; credential: { kind: string } }>('/auth/whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.body).toMatchObject({ user_id: accountId, permissions: { 'records:write': 'organization' }, credential: { kind: 'access_token' } });
    expect(whoami.body.permissions).not.toHaveProperty('records:read');
  });

  it.each(['ES256', 'RS256', 'EdDSA'] as const)('grants one to a client signing its assertion with a registered %s key (private_key_jwt)', async (alg) => {
    const { privateKey, kid } = await registerKey(accountId, alg, `key-${alg.toLowerCase()}`);
    const config = await discover(oauth.PrivateKeyJwt({ key: privateKey, kid }));
    const granted = await oauth.clientCredentialsGrant(config);
    // no scope asked: the account's own permissions
    expect(granted.scope!.split(' ').sort()).toEqual(['records:read', 'records:write']);
    expect((await asBearer(granted.access_token).get('/auth/whoami')).status).toBe(200);
  });

  it('answers RFC 6749 §5.2 errors for what a client gets wrong', async () => {
    const wrong = await form({ grant_type: 'client_credentials' }, { authorization: basic(accountId, `wdn_c_${'A'.repeat(38)}`) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    const unknownClient = await form({ grant_type: 'client_credentials', client_id: randomUUID(), client_secret: clientSecret });
    expect(unknownClient).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    expect(await form({ grant_type: 'password' }, { authorization: basic(accountId, clientSecret) })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await form({}, { authorization: basic(accountId, clientSecret) })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    // a scope beyond the account: nothing of it is held
    expect(await form({ grant_type: 'client_credentials', scope: 'users:write' }, { authorization: basic(accountId, clientSecret) })).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    // partly beyond it: only what it holds
    const partly = await form({ grant_type: 'client_credentials', scope: 'records:read users:write' }, { authorization: basic(accountId, clientSecret) });
    expect(partly).toMatchObject({ status: 200, body: { scope: 'records:read' } });
    // two ways of authenticating at once
    expect(await form({ grant_type: 'client_credentials', client_id: accountId, client_secret: clientSecret }, { authorization: basic(accountId, clientSecret) })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    // a client secret is no bearer credential
    expect((await asBearer(clientSecret).get('/auth/whoami')).status).toBe(401);
  });

  it('refuses assertions that are expired, too long-lived, for another audience, replayed, or signed by an unknown key', async () => {
    const { privateKey, kid } = await registerKey(accountId, 'ES256', 'refusals');
    const send = async (jwt: string) => form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
    const now = Math.floor(Date.now() / 1000);
    expect((await send(await assertion(privateKey, kid, 'ES256'))).status).toBe(200);
    for (const refused of [
      await assertion(privateKey, kid, 'ES256', { iat: now - 400, exp: now - 100 }),
      await assertion(privateKey, kid, 'ES256', { exp: now + 3600 }),
      await assertion(privateKey, kid, 'ES256', { aud: 'https://elsewhere.example.com/oauth2/token' }),
      await assertion(privateKey, 'no-such-key', 'ES256'),
      await assertion((await generateKeyPair('ES256')).privateKey, kid, 'ES256'),
    ]) {
      expect(await send(refused)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    }
    const once = await assertion(privateKey, kid, 'ES256');
    expect((await send(once)).status).toBe(200);
    expect(await send(once)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  it('introspects access tokens and API tokens alike for an authenticated client', async () => {
    const config = await discover(oauth.ClientSecretBasic(clientSecret));
    const granted = await oauth.clientCredentialsGrant(config, { scope: 'records:read' });
    const answer = await oauth.tokenIntrospection(config, granted.access_token);
    expect(answer).toMatchObject({ active: true, scope: 'records:read', client_id: accountId, sub: accountId, token_type: 'Bearer', token_kind: 'access_token' });
    expect(answer.exp! - answer.iat!).toBe(granted.expires_in);
    const apiToken = await admin.post<{ token: string }>('/tokens', { user_id: accountId, name: 'introspected' });
    expect(await oauth.tokenIntrospection(config, apiToken.body.token)).toMatchObject({ active: true, token_kind: 'api_token', sub: accountId });
    expect(await oauth.tokenIntrospection(config, 'wdn_at_not.a.token')).toEqual({ active: false });
  });

  it('revokes one access token: refused from the answer on, the others of the account still work', async () => {
    const config = await discover(oauth.ClientSecretPost(clientSecret));
    const [revoked, kept] = await Promise.all([oauth.clientCredentialsGrant(config), oauth.clientCredentialsGrant(config)]);
    await oauth.tokenRevocation(config, revoked.access_token);
    expect((await asBearer(revoked.access_token).get('/auth/whoami')).status).toBe(401);
    expect((await asBearer(kept.access_token).get('/auth/whoami')).status).toBe(200);
    expect(await oauth.tokenIntrospection(config, revoked.access_token)).toEqual({ active: false });
  });
});

describe('the credentials behind access tokens', () => {
  it('are listed on the account, never with a secret', async () => {
    const listed = await admin.get<{ client_id: string; client_secrets: { id: string; last_four: string; status: string }[]; keys: { id: string; algorithm: string; jwk: Record<string, string> }[] }>(
      `/users/${accountId}/oauth-client`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.client_id).toBe(accountId);
    expect(listed.body.client_secrets).toContainEqual(expect.objectContaining({ id: secretId, last_four: clientSecret.slice(-4), status: 'active' }));
    expect(listed.body.keys.map((key) => key.algorithm).sort()).toEqual(['ES256', 'ES256', 'EdDSA', 'RS256']);
    expect(JSON.stringify(listed.body)).not.toContain(clientSecret);
    for (const key of listed.body.keys) expect(key.jwk).not.toHaveProperty('d');
  });

  it('take their access tokens with them: a revoked secret, a deleted key, a deactivated account, lowered permissions', async () => {
    const userId = await createServiceAccount('revoked-behind@oauth');
    const secret = await admin.post<{ id: string; client_secret: string }>(`/users/${userId}/client-secrets`);
    const { privateKey, kid } = await registerKey(userId, 'EdDSA', 'revoked-key');
    const bySecret = await oauth.clientCredentialsGrant(await discover(oauth.ClientSecretBasic(secret.body.client_secret), userId), { scope: 'records:write' });
    const byKey = await oauth.clientCredentialsGrant(await discover(oauth.PrivateKeyJwt({ key: privateKey, kid }), userId));
    expect((await asBearer(bySecret.access_token).get('/auth/whoami')).status).toBe(200);

    expect((await admin.post(`/users/${userId}/client-secrets/${secret.body.id}/revoke`)).status).toBe(200);
    expect((await asBearer(bySecret.access_token).get('/auth/whoami')).status).toBe(401);
    expect((await asBearer(byKey.access_token).get('/auth/whoami')).status).toBe(200);

    // the account's permissions lowered: its access tokens hold the rest at once
    expect((await admin.patch(`/users/${userId}`, { roles: [] })).status).toBe(200);
    const lowered = await asBearer(byKey.access_token).get<{ permissions: Record<string, string> }>('/auth/whoami');
    expect(lowered.body.permissions).toEqual({});
    expect((await admin.patch(`/users/${userId}`, { roles: [ROLE] })).status).toBe(200);

    expect((await admin.post(`/users/${userId}/deactivate`)).status).toBe(200);
    expect((await asBearer(byKey.access_token).get('/auth/whoami')).status).toBe(401);
    expect((await admin.post(`/users/${userId}/reactivate`)).status).toBe(200);
    expect((await asBearer(byKey.access_token).get('/auth/whoami')).status).toBe(200);

    expect((await admin.delete(`/users/${userId}/keys/${kid}`)).status).toBe(204);
    expect((await asBearer(byKey.access_token).get('/auth/whoami')).status).toBe(401);
  });

  it('are made only by a caller whose permissions cover the account', async () => {
    const password = `Admin-${randomUUID()}`;
    expect((await admin.post('/users', { username: 'plain-admin@oauth', account_type: 'user', first_name: 'Plain', roles: ['WARDEN_ADMIN'], password })).status).toBe(201);
    const plainAdmin = await ApiClient.login(system.gatewayUrl, 'plain-admin@oauth', password);
    // the account holds records:write, which an admin does not
    expect((await plainAdmin.post(`/users/${accountId}/client-secrets`)).status).toBe(403);
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    expect((await plainAdmin.post(`/users/${accountId}/keys`, { jwk: { ...(await exportJWK(publicKey)), alg: 'ES256' } })).status).toBe(403);
    // and no private key is ever taken
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const refused = await admin.post<{ code: string; errors: { field: string }[] }>(`/users/${accountId}/keys`, { jwk: { ...(await exportJWK(privateKey)), alg: 'ES256' } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'invalid_service_account_key', errors: [{ field: 'jwk' }] } });
  });
});

describe('the audit log', () => {
  it('holds every grant and refusal, with the reason for a refusal', async () => {
    const recorded = async (type: string) => {
      const page = await admin.get<{ results: { event_type: string; data: Record<string, unknown> }[] }>(`/audit/events?limit=500&order=newest&event_type=${type}`);
      expect(page.status).toBe(200);
      return page.body.results;
    };
    // The audit service copies events from JetStream: give it a moment.
    for (let attempt = 0; attempt < 50 && (await recorded('AccessTokenRevoked')).length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 200));
    const granted = (await recorded('AccessTokensGranted')).flatMap((record) => record.data['grants'] as { clientAuthentication: string }[]);
    expect(new Set(granted.map((grant) => grant.clientAuthentication))).toEqual(new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt']));
    const refused = (await recorded('AccessTokenRequestsRefused')).flatMap((record) => record.data['refusals'] as { error: string; reason: string }[]);
    expect(refused).toContainEqual(expect.objectContaining({ error: 'invalid_client', reason: expect.stringContaining('replayed jti') }));
    expect(refused).toContainEqual(expect.objectContaining({ error: 'invalid_scope' }));
    for (const type of ['ClientSecretAdded', 'ClientSecretRevoked', 'ServiceAccountKeyRegistered', 'ServiceAccountKeyDeleted']) expect(await recorded(type)).not.toHaveLength(0);
  });
});

describe("the access tokens' lifetime, set per organization", () => {
  const TENANT_PASSWORD = 'lantern-quorum-basalt-58';
  let tenant: string;
  let tenantAdmin: ApiClient;
  let tenantAccount: string;
  let tenantSecret: string;

  /** An organization with a super admin, signed in. */
  async function organizationWithAdmin(name: string, username: string): Promise<{ id: string; admin: ApiClient }> {
    const created = await admin.post<{ id: string; settings: { access_token_lifetime_seconds: number } }>('/organizations', { name });
    expect(created.status).toBe(201);
    const user = await admin.post('/users', { username, account_type: 'user', password: TENANT_PASSWORD, organization: created.body.id, roles: ['WARDEN_SUPER_ADMIN'] });
    expect(user.status).toBe(201);
    return { id: created.body.id, admin: await ApiClient.login(system.gatewayUrl, username, TENANT_PASSWORD) };
  }
  const settingsOf = async (client: ApiClient) => {
    const shown = await client.get<{ settings: { access_token_lifetime_seconds: number; max_token_lifetime_seconds: number | null } }>(`/organizations/${tenant}`);
    expect(shown.status).toBe(200);
    return shown.body.settings;
  };
  const change = (client: ApiClient, settings: Record<string, unknown>) =>
    client.patch<{ code: string; errors: { field: string }[]; settings: { access_token_lifetime_seconds: number } }>(`/organizations/${tenant}`, { settings });
  const granted = async () => oauth.clientCredentialsGrant(await discover(oauth.ClientSecretBasic(tenantSecret), tenantAccount));

  beforeAll(async () => {
    ({ id: tenant, admin: tenantAdmin } = await organizationWithAdmin('Lifetimes Inc', 'admin@lifetimes'));
    const account = await tenantAdmin.post<{ id: string }>('/users', { username: 'reports@lifetimes', account_type: 'service_external', first_name: 'Reports', last_name: 'Job', roles: ['WARDEN_MEMBER'] });
    expect(account.status).toBe(201);
    tenantAccount = account.body.id;
    const secret = await tenantAdmin.post<{ client_secret: string }>(`/users/${tenantAccount}/client-secrets`);
    expect(secret.status).toBe(201);
    tenantSecret = secret.body.client_secret;
  });

  it('is 900 seconds by default', async () => {
    expect((await settingsOf(tenantAdmin)).access_token_lifetime_seconds).toBe(900);
    expect((await granted()).expires_in).toBe(900);
  });

  it("is what the organization's admin sets, for the grants from then on; tokens already out keep their expiry", async () => {
    const config = await discover(oauth.ClientSecretBasic(tenantSecret), tenantAccount);
    const before = await oauth.clientCredentialsGrant(config);
    const set = await change(tenantAdmin, { access_token_lifetime_seconds: 120 });
    expect(set.status).toBe(200);
    expect(set.body.settings.access_token_lifetime_seconds).toBe(120);
    expect((await settingsOf(tenantAdmin)).access_token_lifetime_seconds).toBe(120);

    const after = await oauth.clientCredentialsGrant(config);
    expect(after.expires_in).toBe(120);
    const introspected = await oauth.tokenIntrospection(config, after.access_token);
    expect(introspected.active).toBe(true);
    expect(introspected.exp! - introspected.iat!).toBe(120);
    const earlier = await oauth.tokenIntrospection(config, before.access_token);
    expect(earlier.exp! - earlier.iat!).toBe(900);
  });

  it('is still capped by max_token_lifetime_seconds', async () => {
    expect((await change(tenantAdmin, { access_token_lifetime_seconds: 120, max_token_lifetime_seconds: 60 })).status).toBe(200);
    const capped = await granted();
    expect(capped.expires_in).toBe(60);
    const introspected = await oauth.tokenIntrospection(await discover(oauth.ClientSecretBasic(tenantSecret), tenantAccount), capped.access_token);
    expect(introspected.exp! - introspected.iat!).toBe(60);
    expect((await change(tenantAdmin, { max_token_lifetime_seconds: 86_400 })).status).toBe(200);
    expect((await granted()).expires_in).toBe(120);
  });

  it.each([30, 1_000_000, 'abc', 120.5])('refuses %p with a problem naming the field, and keeps the setting', async (value) => {
    const refused = await change(tenantAdmin, { access_token_lifetime_seconds: value });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('validation_failed');
    expect(refused.body.errors.map((error) => error.field)).toContain('settings.access_token_lifetime_seconds');
    expect((await settingsOf(tenantAdmin)).access_token_lifetime_seconds).toBe(120);
  });

  it('refuses null, which is no lifetime, naming the field', async () => {
    const refused = await change(tenantAdmin, { access_token_lifetime_seconds: null });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('invalid_organization_settings');
    expect(refused.body.errors.map((error) => error.field)).toEqual(['settings.access_token_lifetime_seconds']);
    expect((await settingsOf(tenantAdmin)).access_token_lifetime_seconds).toBe(120);
  });

  it("cannot be changed by another organization's admin", async () => {
    const { admin: otherAdmin } = await organizationWithAdmin('Elsewhere Ltd', 'admin@elsewhere');
    const refused = await change(otherAdmin, { access_token_lifetime_seconds: 86_400 });
    expect(refused.status).toBe(404);
    expect((await settingsOf(tenantAdmin)).access_token_lifetime_seconds).toBe(120);
    expect((await granted()).expires_in).toBe(120);
  });
});
