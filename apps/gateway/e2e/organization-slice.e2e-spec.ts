// The thin vertical slice of the backbone, driven over HTTP against the four services
// running as processes: gateway -> users-service (event appended) -> relay -> JetStream
// -> audit-service (record stored) -> gateway.
import { AuditEventsPage, OrganizationView, ProblemDetails } from '@warden/contracts';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;
let adminId: string;

beforeAll(async () => {
  system = await startSystem();
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  adminId = ((await admin.get('/users/me')).body as { id: string }).id;
});

afterAll(async () => {
  await system?.stop();
});

const post = (path: string, body: unknown, headers?: Record<string, string>) => admin.post(path, body, headers);
const get = (path: string) => admin.get(path);

describe('organization slice', () => {
  it('creates an organization whose event reaches the audit log with actor and correlation id', async () => {
    const created = await post(
      '/organizations',
      { name: 'Acme Webhooks', settings: { service_external_limit: 3 } },
      { 'x-correlation-id': 'slice-test-1', 'user-agent': 'warden-e2e' },
    );

    expect(created.status).toBe(201);
    expect(created.headers.get('x-correlation-id')).toBe('slice-test-1');
    const organization = created.body as OrganizationView;
    expect(organization).toMatchObject({
      name: 'Acme Webhooks',
      settings: { service_internal_limit: 1, service_external_limit: 3 },
    });
    // the answer needs a credential: anonymous callers are refused
    expect((await new ApiClient(system.gatewayUrl).get(`/organizations/${organization.id}`)).status).toBe(401);

    const read = await get(`/organizations/${organization.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(organization);

    let page: AuditEventsPage = { results: [], next_cursor: null };
    await pollUntil(async () => {
      page = (await get(`/audit/events?organization_id=${organization.id}`)).body as AuditEventsPage;
      return page.results.length > 0;
    }, 'the audit record');

    expect(page.results).toHaveLength(1);
    expect(page.results[0]).toMatchObject({
      event_type: 'OrganizationCreated',
      service: 'users',
      stream_id: `organization-${organization.id}`,
      stream_version: 1,
      actor_type: 'user',
      actor_id: adminId,
      organization_id: organization.id,
      correlation_id: 'slice-test-1',
      user_agent: 'warden-e2e',
      data: { organizationId: organization.id, name: 'Acme Webhooks', serviceExternalLimit: 3 },
    });
    // the users service logged the command under the same correlation id
    expect(system.logs('users-service').some((line) => line.includes('"correlationId":"slice-test-1"'))).toBe(true);
  });

  it('answers bad input with a problem document naming each field, and writes nothing', async () => {
    const refused = await post('/organizations', { name: '', settings: { service_internal_limit: 2 }, extra: true });

    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = refused.body as ProblemDetails;
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['extra', 'name', 'settings.service_internal_limit']);

    const malformed = await post('/organizations', '{"name":');
    expect(malformed.status).toBe(400);
    expect((malformed.body as ProblemDetails).code).toBe('malformed_body');

    const unknown = await get('/organizations/00000000-0000-4000-8000-000000000000');
    // nothing was written by the refused requests
    const listed = (await get('/organizations?page_size=200')).body as { results: { name: string }[] };
    expect(listed.results.map((o) => o.name)).not.toContain('');
    expect(unknown.status).toBe(404);
    expect((unknown.body as ProblemDetails).code).toBe('organization_not_found');
  });

  it('gives a 503 with a code, not a hang, while the users service is down, and recovers', async () => {
    await system.kill('users-service');
    const stillAuthenticated = await get('/users/me');
    expect(stillAuthenticated.status).toBe(503);

    const unavailable = await post('/organizations', { name: 'While down' });
    expect(unavailable.status).toBe(503);
    expect((unavailable.body as ProblemDetails).code).toBe('service_unavailable');

    await system.start('users-service');
    const created = await post('/organizations', { name: 'After restart' });
    expect(created.status).toBe(201);
  });
});
