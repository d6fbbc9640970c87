// Drives a running system through the API so that it stores at least one event of every
// type, and each key of every event type's data at least once: what the golden events are
// recorded from. A new event type, or a new key, gets its step here.
import { ApiClient, ApiResponse, RunningSystem } from '@warden/testing';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const STRONG = 'plinth-orbit-cascade-47';
const SERVICE_PASSWORD = 'envelope-status-updater-9';

function expectStatus<T>(response: ApiResponse<T>, status: number, what: string): T {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Every step answers as expected or throws; the TokenUsed events come later, from the tokens service's flush. */
export async function storeEveryEventType(system: RunningSystem): Promise<void> {
  const url = system.gatewayUrl;
  const anonymous = new ApiClient(url);
  // The bootstrap stored the platform's first events; a login starts a session.
  const platform = await ApiClient.login(url, system.admin.username, system.admin.password);
  expectStatus(await anonymous.post('/auth/login', { username: 'nobody@nowhere', password: STRONG }), 401, 'unknown username');
  expectStatus(await anonymous.post('/auth/login', { username: system.admin.username, password: 'not-the-password-1' }), 401, 'wrong password');

  const lifecycle = { expiry_warning_lead_seconds: [7 * 86_400, 86_400], leaked_token_action: 'revoke', disable_unused_after_days: 90 };
  const settings = { service_internal_limit: 1, service_external_limit: 10, max_token_lifetime_seconds: 90 * 86_400, access_token_lifetime_seconds: 900, human_password_login: true, ...lifecycle };
  const tenant = expectStatus(await platform.post<{ id: string }>('/organizations', { name: 'Golden Events', settings }), 201, 'organization');
  const changed = {
    service_internal_limit: 0,
    service_external_limit: 20,
    max_token_lifetime_seconds: null,
    access_token_lifetime_seconds: 120,
    human_password_login: false,
    expiry_warning_lead_seconds: [86_400],
    leaked_token_action: 'disable',
    disable_unused_after_days: null,
  };
  expectStatus(await platform.patch(`/organizations/${tenant.id}`, { settings: changed }), 200, 'every setting changed');
  const restored = { service_internal_limit: 1, max_token_lifetime_seconds: 30 * 86_400, human_password_login: true };
  expectStatus(await platform.patch(`/organizations/${tenant.id}`, { settings: restored }), 200, 'settings restored');

  const profile = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', friendly_name: 'Ada', description: 'Runs the tenant' };
  const adminBody = { username: 'golden.admin@events', account_type: 'user', password: STRONG, organization: tenant.id, roles: ['WARDEN_SUPER_ADMIN'], ...profile };
  expectStatus(await platform.post('/users', adminBody), 201, 'tenant super admin');
  const admin = await ApiClient.login(url, 'golden.admin@events', STRONG);

  const grace = expectStatus(await admin.post<{ id: string }>('/users', { username: 'grace@events', account_type: 'user', password: STRONG, roles: ['WARDEN_MEMBER'] }), 201, 'human');
  const newProfile = { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', friendly_name: 'Amazing Grace', description: 'Rear admiral' };
  expectStatus(await admin.patch(`/users/${grace.id}`, newProfile), 200, 'every profile field changed');
  expectStatus(await admin.patch(`/users/${grace.id}`, { email: null }), 200, 'a profile field cleared');
  expectStatus(await admin.patch(`/users/${grace.id}`, { roles: ['WARDEN_ADMIN'] }), 200, 'roles');

  const team = expectStatus(await admin.post<{ id: string }>('/teams', { name: 'Platform' }), 201, 'team');
  expectStatus(await admin.patch(`/teams/${team.id}`, { name: 'Platform team' }), 200, 'team renamed');
  expectStatus(await admin.post(`/teams/${team.id}/members`, { user_id: grace.id }), 200, 'member added');
  expectStatus(await admin.delete(`/teams/${team.id}/members/${grace.id}`), 200, 'member removed');
  expectStatus(await admin.delete(`/teams/${team.id}`), 204, 'team deleted');

  const role = { name: 'BILLING_READER', display_name: 'Billing reader', description: 'Reads the billing records', application_code: 'billing', permissions: ['users:read'], access_scope: 'organization' };
  expectStatus(await admin.post('/roles', role), 201, 'custom role');
  expectStatus(await admin.post('/roles/BILLING_READER/archive'), 200, 'role archived');

  const serviceAccount = async (username: string) =>
    expectStatus(
      await admin.post<{ id: string }>('/users', { username, account_type: 'service_external', password: SERVICE_PASSWORD, roles: ['WARDEN_MEMBER'] }),
      201,
      username,
    );
  const webhooks = await serviceAccount('webhooks@events');
  const pipeline = await serviceAccount('pipeline@events');
  expectStatus(await admin.patch(`/users/${webhooks.id}`, { password: 'another-strong-secret-7' }), 200, 'password changed');
  expectStatus(await admin.patch(`/users/${pipeline.id}`, { account_type: 'service_internal' }), 200, 'account type converted');
  expectStatus(await admin.post(`/users/${grace.id}/deactivate`), 200, 'deactivated');
  expectStatus(await admin.post(`/users/${grace.id}/reactivate`), 200, 'reactivated');
  expectStatus(await admin.delete(`/users/${grace.id}`), 204, 'deleted');

  await webhookSteps(admin);

  const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const publicToken = { user_id: webhooks.id, name: 'DocuSign Connect', visibility: 'public', allowed_origins: ['https://shop.example.com'], expires_at: expiresAt, permissions: ['users:read'] };
  const issued = expectStatus(await admin.post<{ id: string }>('/tokens', publicToken), 201, 'token');
  expectStatus(await admin.post(`/tokens/${issued.id}/rotate`, { grace_period_seconds: 300 }), 200, 'token rotated');
  expectStatus(await admin.post(`/tokens/${issued.id}/rotate`, { grace_period_seconds: 0 }), 200, 'token rotated at once: the earlier secret ends too');
  expectStatus(await admin.post(`/tokens/${issued.id}/reassign`, { user_id: pipeline.id }), 200, 'token reassigned');
  const policy = {
    description: 'DocuSign Connect webhooks',
    metadata: { team: 'billing' },
    allowed_ips: ['203.0.113.0/24', '2001:db8::/32'],
    rate_limit: { limit: 100, window_seconds: 60 },
    credits: { remaining: 1000, refill: { amount: 1000, interval_seconds: 86400 } },
  };
  expectStatus(await admin.patch(`/tokens/${issued.id}`, policy), 200, 'token policy changed');
  expectStatus(await admin.post(`/tokens/${issued.id}/revoke`), 200, 'token revoked');
  const used = expectStatus(await admin.post<{ token: string }>('/tokens', { user_id: webhooks.id, name: 'CI' }), 201, 'private token');
  expectStatus(await admin.withApiKey(used.token).get('/auth/whoami'), 200, 'token used');
  const paused = expectStatus(await admin.post<{ id: string }>('/tokens', { user_id: webhooks.id, name: 'Paused' }), 201, 'token to pause');
  expectStatus(await admin.post(`/tokens/${paused.id}/disable`), 200, 'token disabled');
  expectStatus(await admin.post(`/tokens/${paused.id}/enable`), 200, 'token enabled');
  // The organization disables leaked tokens (its settings above): TokenLeaked, then TokenDisabled.
  const leaked = expectStatus(await admin.post<{ token: string }>('/tokens', { user_id: webhooks.id, name: 'Leaked' }), 201, 'token to leak');
  expectStatus(await admin.post('/tokens/report-leaked', { token: leaked.token, url: 'https://paste.example.com/abc' }), 200, 'token reported leaked');
  // Due for every warning at once, and expired seconds later: the scheduler stores TokenExpiring, then TokenExpired.
  const soon = new Date(Date.now() + 3_000).toISOString();
  expectStatus(await admin.post('/tokens', { user_id: webhooks.id, name: 'Expiring', expires_at: soon }), 201, 'token about to expire');

  await oauthClientSteps(admin, url, webhooks.id);

  expectStatus(await admin.post('/auth/logout'), 204, 'session ended');
}

/**
 * Webhook subscriptions: one made, changed in every field, its secret rotated and deleted; and
 * one to a port where nothing listens, for the token events to come, which the webhooks
 * service disables when the (short, in the recording) retry window closes.
 */
async function webhookSteps(admin: ApiClient): Promise<void> {
  const events = ['token.issued', 'token.revoked'];
  expectStatus(await admin.post('/webhooks', { url: 'http://127.0.0.1:9/golden', event_types: events, description: 'Nothing listens here' }), 201, 'failing webhook');
  const changed = expectStatus(await admin.post<{ id: string }>('/webhooks', { url: 'http://127.0.0.1:9/first', event_types: events }), 201, 'webhook');
  const changes = { url: 'http://127.0.0.1:9/second', event_types: ['account.created'], enabled: false, description: 'Every field changed' };
  expectStatus(await admin.patch(`/webhooks/${changed.id}`, changes), 200, 'webhook changed');
  expectStatus(await admin.post(`/webhooks/${changed.id}/rotate-secret`), 200, 'webhook secret rotated');
  expectStatus(await admin.delete(`/webhooks/${changed.id}`), 204, 'webhook deleted');
}

/** A service account as an OAuth client: client secrets, a key, grants and a refusal, a revoked access token. */
async function oauthClientSteps(admin: ApiClient, url: string, accountId: string): Promise<void> {
  const origin = new URL(url).origin;
  const token = (body: Record<string, string>) =>
    fetch(`${origin}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) }).then(
      async (response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as { access_token: string } }),
    );
  const secret = expectStatus(await admin.post<{ id: string; client_secret: string }>(`/users/${accountId}/client-secrets`), 201, 'client secret');
  expectStatus(await admin.post(`/users/${accountId}/client-secrets/${secret.id}/rotate`, { grace_period_seconds: 300 }), 200, 'client secret rotated');
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  expectStatus(await admin.post(`/users/${accountId}/keys`, { jwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'golden-key' }, expires_at: expiresAt }), 201, 'key registered');
  const assertion = await new SignJWT({ jti: `golden-${Date.now()}` })
    .setProtectedHeader({ alg: 'ES256', kid: 'golden-key' })
    .setIssuer(accountId)
    .setSubject(accountId)
    .setAudience(`${origin}/oauth2/token`)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(privateKey);
  const granted = expectStatus(
    await token({ grant_type: 'client_credentials', scope: 'users:read', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
    200,
    'access token granted',
  );
  expectStatus(await token({ grant_type: 'client_credentials', client_id: accountId, client_secret: secret.client_secret.replace(/.$/, '0') }), 401, 'access token refused');
  const revoked = await fetch(`${origin}/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${admin.credential!.key}` },
    body: new URLSearchParams({ token: granted.access_token }),
  });
  if (revoked.status !== 200) throw new Error(`access token revoked: expected 200, got ${revoked.status}`);
  expectStatus(await admin.delete(`/users/${accountId}/keys/golden-key`), 204, 'key deleted');
  const rule = expectStatus(
    await admin.post<{ id: string }>(`/users/${accountId}/federation-rules`, {
      issuer: 'https://token.actions.githubusercontent.com',
      audiences: ['https://warden.example.com'],
      claims: { repository: 'acme/billing', ref: 'refs/heads/main' },
    }),
    201,
    'federation rule added',
  );
  expectStatus(await admin.delete(`/users/${accountId}/federation-rules/${rule.id}`), 204, 'federation rule removed');
}
