// Outbound webhooks end to end: the five services as processes, driven over HTTP, delivering
// to a receiver that verifies every request with the standardwebhooks package. Exactly the
// events subscribed to, each signed; internal targets refused with a problem document; the
// secret shown once; the delivering service killed (SIGKILL) while a delivery is in flight
// and the delivery resumed after its restart under the same webhook-id, with what happened
// meanwhile delivered too; a subscription disabled when its deliveries fail for the retry window.
import { randomUUID } from 'node:crypto';
import { ProblemDetails, WebhookDeliveriesPage, WebhookSubscriptionView, WebhookSubscriptionWithSecretView } from '@warden/contracts';
import { ApiClient, RunningSystem, WebhookReceiver, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
/** The super admin of tenant A, whose subscriptions these are; B's super admin must not see them. */
let admin: ApiClient;
let otherTenant: ApiClient;
let receiver: WebhookReceiver;

const PASSWORD = 'hooks-tenant-admin-9';

let platformAdmin: ApiClient;

async function tenantAdmin(name: string, serviceExternalLimit = 50): Promise<ApiClient> {
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name, settings: { service_external_limit: serviceExternalLimit } });
  expect(tenant.status).toBe(201);
  const username = `${name.toLowerCase().replaceAll(' ', '.')}@hooks`;
  const created = await platformAdmin.post('/users', { username, account_type: 'user', password: PASSWORD, organization: tenant.body.id, roles: ['WARDEN_SUPER_ADMIN'] });
  expect(created.status).toBe(201);
  return ApiClient.login(system.gatewayUrl, username, PASSWORD);
}

beforeAll(async () => {
  system = await startSystem({
    // Short, so that a test sees the retry window close.
    WEBHOOKS_RETRY_INITIAL_MS: '200',
    WEBHOOKS_RETRY_MAX_MS: '500',
    WEBHOOKS_RETRY_WINDOW_SECONDS: '4',
    WEBHOOKS_TIMEOUT_MS: '1000',
    WEBHOOKS_POLL_INTERVAL_MS: '100',
  });
  platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  admin = await tenantAdmin('Hooks A');
  otherTenant = await tenantAdmin('Hooks B');
  receiver = await new WebhookReceiver().listen();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await system?.stop();
});

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function subscribe(path: string, eventTypes: string[], as = admin): Promise<WebhookSubscriptionWithSecretView> {
  const created = await as.post<WebhookSubscriptionWithSecretView>('/webhooks', { url: receiver.url(path), event_types: eventTypes });
  expect(created.status).toBe(201);
  receiver.verifyWith(path, created.body.secret);
  return created.body;
}

async function serviceAccount(): Promise<string> {
  const created = await admin.post<{ id: string }>('/users', { username: unique('hooked'), account_type: 'service_external' });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function issueToken(ownerId: string): Promise<string> {
  const issued = await admin.post<{ id: string }>('/tokens', { user_id: ownerId, name: unique('token') });
  expect(issued.status).toBe(201);
  return issued.body.id;
}

const deliveriesOf = async (subscriptionId: string) => (await admin.get<WebhookDeliveriesPage>(`/webhooks/${subscriptionId}/deliveries`)).body.results;

it('refuses internal targets and unknown event types with a problem document naming the field, and makes nothing', async () => {
  for (const url of ['http://10.0.0.8/hooks', 'http://169.254.169.254/latest', 'http://[::1]:8080/', 'http://192.168.1.20/', 'http://[fd00::5]/', 'http://127.0.0.2/']) {
    const refused = await admin.post<ProblemDetails>('/webhooks', { url, event_types: ['token.issued'] });
    expect({ url, status: refused.status, code: refused.body.code, fields: refused.body.errors?.map((e) => e.field) }).toEqual({
      url,
      status: 422,
      code: 'webhook_target_not_allowed',
      fields: ['url'],
    });
  }
  const unknown = await admin.post<ProblemDetails>('/webhooks', { url: receiver.url('/x'), event_types: ['token.stolen'] });
  expect([unknown.status, unknown.body.code, unknown.body.errors?.[0]?.field]).toEqual([422, 'invalid_webhook_event_types', 'event_types']);
  const malformed = await admin.post<ProblemDetails>('/webhooks', { url: receiver.url('/x'), event_types: 'token.issued' });
  expect(malformed.status).toBe(400);
  expect((await admin.get<{ results: unknown[] }>('/webhooks')).body.results).toEqual([]);
});

it('shows the secret once, and delivers exactly the subscribed events, each signed', async () => {
  const subscription = await subscribe('/lifecycle', ['token.issued', 'token.rotated', 'token.revoked', 'account.created', 'account.deactivated']);
  expect(subscription.secret).toMatch(/^whsec_/);
  const read = await admin.get<WebhookSubscriptionView>(`/webhooks/${subscription.id}`);
  expect(read.status).toBe(200);
  expect(read.body).not.toHaveProperty('secret');
  // Another tenant sees neither the subscription nor its deliveries.
  expect((await otherTenant.get(`/webhooks/${subscription.id}`)).status).toBe(404);
  expect((await otherTenant.get(`/webhooks/${subscription.id}/deliveries`)).status).toBe(404);
  expect((await otherTenant.get<{ results: unknown[] }>('/webhooks')).body.results).toEqual([]);

  const ownerId = await serviceAccount();
  const tokenId = await issueToken(ownerId);
  expect((await admin.post(`/tokens/${tokenId}/rotate`, { grace_period_seconds: 0 })).status).toBe(200);
  expect((await admin.post(`/tokens/${tokenId}/revoke`)).status).toBe(200);
  expect((await admin.post(`/users/${ownerId}/deactivate`)).status).toBe(200);

  await pollUntil(async () => (await deliveriesOf(subscription.id)).filter((d) => d.status === 'succeeded').length >= 5, 'five deliveries', 30_000, 100);
  expect(receiver.refused).toEqual([]);
  const mine = receiver.verified.filter((m) => m.path === '/lifecycle');
  expect(mine.map((m) => m.type).sort()).toEqual(['account.created', 'account.deactivated', 'token.issued', 'token.revoked', 'token.rotated']);
  expect(new Set(mine.map((m) => m.id)).size).toBe(5);
  const log = await deliveriesOf(subscription.id);
  expect(log.every((d) => d.status === 'succeeded' && d.attempts === 1 && d.response_code === 204 && d.latency_ms !== null)).toBe(true);
});

it('delivers a token disabled, enabled and reported leaked, with the revocation the report caused, each signed', async () => {
  const subscription = await subscribe('/token-lifecycle', ['token.disabled', 'token.enabled', 'token.leaked', 'token.revoked']);
  const ownerId = await serviceAccount();
  const issued = await admin.post<{ id: string; token: string }>('/tokens', { user_id: ownerId, name: unique('token') });
  expect(issued.status).toBe(201);
  expect((await admin.post(`/tokens/${issued.body.id}/disable`)).status).toBe(200);
  expect((await admin.post(`/tokens/${issued.body.id}/enable`)).status).toBe(200);
  expect((await admin.post('/tokens/report-leaked', { token: issued.body.token, url: 'https://paste.example.com/hooks' })).status).toBe(200);

  const mine = () => receiver.verified.filter((m) => m.path === '/token-lifecycle');
  await pollUntil(() => mine().length >= 4, 'four token lifecycle deliveries', 30_000, 100);
  expect(receiver.refused).toEqual([]);
  expect(mine().map((m) => m.type).sort()).toEqual(['token.disabled', 'token.enabled', 'token.leaked', 'token.revoked']);
  expect(mine().every((m) => m.data['token_id'] === issued.body.id && m.data['organization_id'] === subscription.organization_id)).toBe(true);
  expect(mine().find((m) => m.type === 'token.disabled')?.data).toMatchObject({ owner_id: ownerId, reason: 'manual' });
  expect(mine().find((m) => m.type === 'token.leaked')?.data).toMatchObject({ owner_id: ownerId, url: 'https://paste.example.com/hooks', action: 'revoked' });
});

it('resumes a delivery in flight when the delivering service is killed, under the same id, and delivers what happened while it was down', async () => {
  const subscription = await subscribe('/resume', ['token.issued']);
  const ownerId = await serviceAccount();
  // The first attempt to /resume is never answered: the service dies holding it.
  receiver.answer = (_id, attempt, path) => (path === '/resume' && attempt === 1 && receiver.attempts('/resume').length === 1 ? 'hang' : 204);
  const first = await issueToken(ownerId);
  await pollUntil(() => receiver.attempts('/resume').length === 1, 'the delivery to be in flight', 30_000, 50);
  const [inFlight] = receiver.attempts('/resume');

  await system.kill('webhooks-service', 'SIGKILL');
  const whileDown = await issueToken(ownerId);
  await system.start('webhooks-service');

  const resumed = () => receiver.verified.filter((m) => m.path === '/resume');
  await pollUntil(() => resumed().length >= 2, 'both tokens delivered after the restart', 60_000, 100);
  expect(receiver.refused).toEqual([]);
  expect(resumed().map((m) => m.data['token_id']).sort()).toEqual([first, whileDown].sort());
  expect(resumed().find((m) => m.data['token_id'] === first)?.id).toBe(inFlight);
  // The only duplicate is the attempt that was in flight, under the same id.
  const attempts = receiver.attempts('/resume');
  expect(attempts.filter((id) => id === inFlight)).toHaveLength(2);
  expect(attempts).toHaveLength(3);
  await pollUntil(async () => (await deliveriesOf(subscription.id)).every((d) => d.status === 'succeeded'), 'the log settled', 30_000, 100);
  const log = await deliveriesOf(subscription.id);
  expect(log).toHaveLength(2);
  expect(log.find((d) => d.id === inFlight)?.attempts).toBe(2);
});

it('disables a subscription whose deliveries fail for the whole retry window, and says why', async () => {
  const subscription = await subscribe('/broken', ['token.issued']);
  receiver.answer = (_id, _attempt, path) => (path === '/broken' ? 500 : 204);
  await issueToken(await serviceAccount());
  await pollUntil(async () => !(await admin.get<WebhookSubscriptionView>(`/webhooks/${subscription.id}`)).body.enabled, 'the subscription disabled', 60_000, 200);
  const read = (await admin.get<WebhookSubscriptionView>(`/webhooks/${subscription.id}`)).body;
  expect(read).toMatchObject({ enabled: false, disabled_reason: 'failing' });
  const [delivery] = await deliveriesOf(subscription.id);
  expect(delivery).toMatchObject({ status: 'failed', response_code: 500 });
  expect(delivery!.attempts).toBeGreaterThan(2);
  expect(receiver.attempts('/broken')).toHaveLength(delivery!.attempts);

  // Redelivered by id once it is enabled again: the same webhook-id, verified this time.
  receiver.answer = () => 204;
  expect((await admin.patch(`/webhooks/${subscription.id}`, { enabled: true })).status).toBe(200);
  expect((await admin.post(`/webhooks/${subscription.id}/deliveries/${delivery!.id}/redeliver`)).status).toBe(200);
  await pollUntil(() => receiver.verified.some((m) => m.path === '/broken'), 'the redelivery', 30_000, 100);
  expect(receiver.verified.filter((m) => m.path === '/broken').map((m) => m.id)).toEqual([delivery!.id]);
});

it('tells an organization once when a creation takes its last service-account slot', async () => {
  const small = await tenantAdmin('Hooks C', 2);
  await subscribe('/limit', ['service_account.limit_reached'], small);
  const create = (username: string) => small.post<{ id: string }>('/users', { username, account_type: 'service_external' });
  expect((await create(unique('first'))).status).toBe(201);
  const last = await create(unique('last'));
  expect(last.status).toBe(201);
  expect((await create(unique('over'))).status).toBe(409);
  await pollUntil(() => receiver.verified.some((m) => m.path === '/limit'), 'the limit webhook', 30_000, 100);
  const sent = receiver.verified.filter((m) => m.path === '/limit');
  expect(sent.map((m) => [m.type, m.data['account_type'], m.data['limit'], m.data['account_id']])).toEqual([
    ['service_account.limit_reached', 'service_external', 2, last.body.id],
  ]);
});
