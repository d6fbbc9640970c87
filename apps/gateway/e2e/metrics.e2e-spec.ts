// Prometheus scrapes each service's /metrics: the built services, started as processes,
// after a login, a token issued and a verification have gone through them.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;

const scrape = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};
const metricsUrl = (app: Parameters<RunningSystem['healthUrl']>[0]) => system.healthUrl(app).replace(/\/health$/, '/metrics');

beforeAll(async () => {
  system = await startSystem();
  admin = await ApiClient.login(`${system.gatewayUrl}`, system.admin.username, system.admin.password);
  await admin.get('/users/me');
  await new ApiClient(system.gatewayUrl).get('/users/me'); // 401
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

it('the gateway counts requests by route and status, verifications by outcome, and times NATS requests', async () => {
  const text = await scrape(metricsUrl('gateway'));
  expect(text).toMatch(/warden_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status="200",app="gateway"\} [1-9]/);
  expect(text).toMatch(/warden_http_request_duration_seconds_count\{app="gateway",method="GET",route="\/api\/v1\/users\/me",status="401"\} [1-9]/);
  expect(text).toMatch(/warden_credential_verifications_total\{path="http",outcome="ok",app="gateway"\} [1-9]/);
  expect(text).toMatch(/warden_credential_verifications_total\{path="http",outcome="missing",app="gateway"\} [1-9]/);
  expect(text).toMatch(/warden_credential_verification_duration_seconds_count\{path="http",app="gateway"\} [1-9]/);
  expect(text).toMatch(/warden_nats_request_duration_seconds_count\{app="gateway",subject="[^"]+",outcome="ok"\} [1-9]/);
  expect(text).toContain('# TYPE warden_login_throttles_total counter');
});

it('each back-end service reports its relay lag, projection lag and rebuilds', async () => {
  expect((await fetch(system.healthUrl('users-service'))).status).toBe(200);
  const users = await scrape(metricsUrl('users-service'));
  expect(users).toMatch(/warden_relay_lag_events\{service="users",app="users-service"\} \d+/);
  expect(users).toMatch(/warden_http_requests_total\{method="GET",route="\/health",status="200",app="users-service"\} [1-9]/);
  const tokens = await scrape(metricsUrl('tokens-service'));
  expect(tokens).toMatch(/warden_relay_lag_events\{service="tokens",app="tokens-service"\} \d+/);
  expect(tokens).toMatch(/warden_projection_lag_events\{durable="[^"]+",app="tokens-service"\} \d+/);
  expect(tokens).toMatch(/warden_rebuilds_in_progress\{projection="[^"]+",app="tokens-service"\} 0/);
  const audit = await scrape(metricsUrl('audit-service'));
  expect(audit).toMatch(/warden_projection_lag_events\{durable="[^"]+",app="audit-service"\} \d+/);
  expect(audit).toContain('process_resident_memory_bytes');
  // Its own only: no login throttles nor verifications on the audit service.
  expect(audit).not.toContain('warden_login_throttles_total');
  expect(audit).not.toContain('warden_credential_verifications_total');
});

it('each service reports its readiness checks, the replays of its read models, and the audit service its chain walk', async () => {
  const tokens = await scrape(metricsUrl('tokens-service'));
  expect(tokens).toContain('warden_health_check_status{check="credential-read-model",status="up",app="tokens-service"} 1');
  expect(tokens).toContain('warden_health_check_status{check="credential-read-model",status="degraded",app="tokens-service"} 0');
  expect(tokens).toMatch(/warden_replay_running\{read_model="tokens",app="tokens-service"\} 0/);
  expect(await scrape(metricsUrl('users-service'))).toMatch(/warden_replay_events_total\{read_model="users-listing",app="users-service"\} \d+/);
  expect(await scrape(metricsUrl('audit-service'))).toMatch(/warden_audit_chain_broken\{app="audit-service"\} 0/);
  expect(await scrape(metricsUrl('users-service'))).toMatch(/warden_events_published_total\{service="users",type="[A-Za-z]+",app="users-service"\} [1-9]/);
});
