// The audit log end to end: actions over HTTP reach it with actor and correlation id, its
// queries filter and page, its chain verifies, the export streams NDJSON, a user as of a
// moment comes from the users service's event store, a token as of a moment from the tokens
// service's, and no secret is ever in it.
import { AuditChainVerification, AuditEventsPage, AuditRecordView, ProblemDetails, TokenAsOfView, UserAsOfView } from '@warden/contracts';
import { ApiClient, ApiResponse, RunningSystem, pollUntil, startSystem } from '@warden/testing';
import { Client } from 'pg';

let system: RunningSystem;
let platformAdmin: ApiClient;
let adminId: string;
let rootOrganizationId: string;
let organizationId: string;
let chief: ApiClient;
let chiefId: string;
let serviceAccountId: string;
let auditor: ApiClient;
let member: ApiClient;
let serviceAccountKey: string;
let beforeDeactivation: string;
let afterDeactivation: string;

const PASSWORDS = {
  chief: 'plinth-orbit-cascade-47',
  service: 'envelope-status-updater-9',
  auditor: 'ledger-quartz-meadow-83',
  member: 'harbor-violet-summit-26',
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Created {
  id: string;
}

async function created(client: ApiClient, body: Record<string, unknown>, correlationId: string): Promise<string> {
  const response = await client.post<Created>('/users', { organization: organizationId, ...body }, { 'x-correlation-id': correlationId });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function allPages(client: ApiClient, query: string): Promise<AuditRecordView[]> {
  const records: AuditRecordView[] = [];
  let cursor: string | null = null;
  do {
    const response: ApiResponse<AuditEventsPage> = await client.get<AuditEventsPage>(`/audit/events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(response.status).toBe(200);
    records.push(...response.body.results);
    cursor = response.body.next_cursor;
  } while (cursor);
  return records;
}

beforeAll(async () => {
  system = await startSystem();
  platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const me = (await platformAdmin.get<{ id: string; organization_id: string }>('/users/me')).body;
  adminId = me.id;
  rootOrganizationId = me.organization_id;
  const organization = await platformAdmin.post<Created>('/organizations', { name: 'Audited Co' }, { 'x-correlation-id': 'audit-e2e-org' });
  expect(organization.status).toBe(201);
  organizationId = organization.body.id;

  const base = { first_name: 'A', last_name: 'B' };
  // The platform admin sets up the tenant's super admin; the tenant's people and accounts are theirs.
  chiefId = await created(platformAdmin, { ...base, username: 'chief@audited', account_type: 'user', password: PASSWORDS.chief, roles: ['WARDEN_SUPER_ADMIN'] }, 'audit-e2e-chief');
  chief = await ApiClient.login(system.gatewayUrl, 'chief@audited', PASSWORDS.chief);
  serviceAccountId = await created(chief, { ...base, username: 'hooks@audited', account_type: 'service_external', password: PASSWORDS.service }, 'audit-e2e-service');
  await created(chief, { ...base, username: 'auditor@audited', account_type: 'user', password: PASSWORDS.auditor, roles: ['WARDEN_AUDITOR'] }, 'audit-e2e-auditor');
  await created(chief, { ...base, username: 'member@audited', account_type: 'user', password: PASSWORDS.member, roles: ['WARDEN_MEMBER'] }, 'audit-e2e-member');
  auditor = await ApiClient.login(system.gatewayUrl, 'auditor@audited', PASSWORDS.auditor);
  member = await ApiClient.login(system.gatewayUrl, 'member@audited', PASSWORDS.member);
  serviceAccountKey = (await ApiClient.login(system.gatewayUrl, 'hooks@audited', PASSWORDS.service)).credential!.key;

  await pause(100);
  beforeDeactivation = new Date().toISOString();
  await pause(100);
  const deactivated = await chief.post(`/users/${serviceAccountId}/deactivate`, {}, { 'x-correlation-id': 'audit-e2e-deactivate', 'user-agent': 'audit-e2e' });
  expect(deactivated.status).toBe(200);
  await pause(100);
  afterDeactivation = new Date().toISOString();

  await pollUntil(async () => {
    const page = (await chief.get<AuditEventsPage>('/audit/events?event_type=UserDeactivated')).body;
    return page.results.length === 1;
  }, 'the deactivation to reach the audit log');
});

afterAll(async () => {
  await system?.stop();
});

describe('the audit log over HTTP', () => {
  it('records each action with its actor, correlation id and client', async () => {
    const records = await allPages(chief, 'limit=500');

    expect(records.find((record) => record.event_type === 'UserDeactivated')).toMatchObject({
      service: 'users',
      stream_id: `user-${serviceAccountId}`,
      actor_id: chiefId,
      actor_type: 'user',
      organization_id: organizationId,
      correlation_id: 'audit-e2e-deactivate',
      user_agent: 'audit-e2e',
      data: { userId: serviceAccountId },
    });
    const creation = records.find((record) => record.event_type === 'UserCreated' && record.data.userId === serviceAccountId);
    expect(creation).toMatchObject({
      actor_id: chiefId,
      // Which credential the actor acted through: here the chief's login session.
      actor_credential: { kind: 'session', id: expect.any(String) },
      correlation_id: 'audit-e2e-service',
      data: { passwordHash: '[redacted]' },
    });
    expect(records.every((record) => record.organization_id === organizationId)).toBe(true);
  });

  it('filters by type, actor, subject and time, newest or oldest first, page by page', async () => {
    const everything = await allPages(chief, 'limit=500');
    expect(await allPages(chief, 'limit=2')).toEqual(everything);
    expect(await allPages(chief, 'limit=3&order=newest')).toEqual([...everything].reverse());

    const byChief = await allPages(chief, `actor_id=${chiefId}`);
    expect(byChief.length).toBeGreaterThan(0);
    expect(byChief.every((record) => record.actor_id === chiefId)).toBe(true);

    const aboutService = await allPages(chief, `subject_id=${serviceAccountId}`);
    const types = aboutService.map((record) => record.event_type);
    // its username reservation and creation, its login session, its deactivation, in that order
    expect(types).toEqual(expect.arrayContaining(['UsernameReserved', 'UserCreated', 'SessionStarted', 'UserDeactivated']));
    expect(types.indexOf('UserCreated')).toBeLessThan(types.indexOf('SessionStarted'));
    expect(types.indexOf('SessionStarted')).toBeLessThan(types.indexOf('UserDeactivated'));
    expect(aboutService.every((record) => record.stream_id.endsWith(serviceAccountId) || record.data.userId === serviceAccountId)).toBe(true);

    const since = await allPages(chief, `from=${encodeURIComponent(beforeDeactivation)}&to=${encodeURIComponent(afterDeactivation)}`);
    expect(since.some((record) => record.event_type === 'UserDeactivated')).toBe(true);
    expect(since.some((record) => record.event_type === 'UserCreated')).toBe(false);

    const history = await chief.get<AuditEventsPage>(`/audit/users/${serviceAccountId}/history`);
    expect(history.status).toBe(200);
    expect(history.body.results).toEqual(aboutService);

    const badCursor = await chief.get<{ code: string }>('/audit/events?cursor=bm9wZQ');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe('invalid_cursor');
  });

  it('verifies the organization\'s hash chain as intact', async () => {
    const records = await allPages(chief, 'limit=500');
    const verification = await chief.get<AuditChainVerification>('/audit/verify');

    expect(verification.status).toBe(200);
    // records may still be arriving (logins, sessions): at least those listed are chained
    expect(verification.body).toMatchObject({ intact: true, chains: 1 });
    expect(verification.body.records).toBeGreaterThanOrEqual(records.length);
    expect((await platformAdmin.get<AuditChainVerification>('/audit/verify?organization_id=all')).body).toMatchObject({ intact: true });
  });

  it('exports the same records as streamed NDJSON', async () => {
    const listed = await allPages(chief, `subject_id=${serviceAccountId}`);
    const response = await fetch(`${system.gatewayUrl}/audit/export?subject_id=${serviceAccountId}`, {
      headers: { authorization: `Bearer ${chief.credential!.key}` },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).split('\n').filter(Boolean);
    expect(lines.map((line) => JSON.parse(line) as AuditRecordView)).toEqual(listed);
  });

  it('shows a user as of a moment: active before the deactivation, deactivated after', async () => {
    const then = await chief.get<UserAsOfView>(`/audit/users/${serviceAccountId}/as-of?at=${encodeURIComponent(beforeDeactivation)}`);
    const now = await chief.get<UserAsOfView>(`/audit/users/${serviceAccountId}/as-of?at=${encodeURIComponent(afterDeactivation)}`);

    expect(then.status).toBe(200);
    expect(then.body).toMatchObject({ status: 'active', account_type: 'service_external', username: 'hooks@audited', organization_id: organizationId, roles: [] });
    expect(now.body).toMatchObject({ status: 'deactivated', username: 'hooks@audited' });
    expect(now.body.version).toBeGreaterThan(then.body.version);
  });

  it('lets only audit readers in, each within their own organization', async () => {
    const own = await allPages(auditor, 'limit=500');
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((record) => record.organization_id === organizationId)).toBe(true);

    expect((await auditor.get(`/audit/events?organization_id=${rootOrganizationId}`)).status).toBe(403);
    expect((await auditor.get('/audit/verify?organization_id=all')).status).toBe(403);
    expect((await auditor.get(`/audit/users/${adminId}/history`)).body).toEqual({ results: [], next_cursor: null });
    expect((await auditor.get(`/audit/users/${adminId}/as-of?at=${encodeURIComponent(afterDeactivation)}`)).status).toBe(404);
    expect((await auditor.get(`/audit/export?organization_id=${rootOrganizationId}`)).status).toBe(403);
    expect((await member.get('/audit/events')).status).toBe(403);
    expect((await member.get('/audit/export')).status).toBe(403);
    expect((await new ApiClient(system.gatewayUrl).get('/audit/events')).status).toBe(401);

    // the platform admin reads any organization's
    const named = await platformAdmin.get<AuditEventsPage>(`/audit/events?organization_id=${organizationId}&limit=1`);
    expect(named.body.results[0]?.organization_id).toBe(organizationId);
  });

  it('shows a token as of a moment: valid before its revocation, revoked after, and nobody else\'s', async () => {
    const base = { first_name: 'Pipe', last_name: 'Line', account_type: 'service_external' };
    const ownerId = await created(chief, { ...base, username: 'pipeline@audited', password: 'conveyor-lattice-ember-52' }, 'audit-e2e-token-owner');
    const issued = await chief.post<{ id: string; token: string }>('/tokens', { user_id: ownerId, name: 'CI' });
    expect(issued.status).toBe(201);
    const tokenId = issued.body.id;
    await pause(100);
    const beforeRevocation = new Date().toISOString();
    await pause(100);
    expect((await chief.post(`/tokens/${tokenId}/revoke`, {})).status).toBe(200);
    await pause(100);
    const afterRevocation = new Date().toISOString();

    const then = await auditor.get<TokenAsOfView>(`/audit/tokens/${tokenId}/as-of?at=${encodeURIComponent(beforeRevocation)}`);
    const now = await auditor.get<TokenAsOfView>(`/audit/tokens/${tokenId}/as-of?at=${encodeURIComponent(afterRevocation)}`);
    expect(then.status).toBe(200);
    expect(then.body).toMatchObject({ token_id: tokenId, status: 'active', valid: true, owner_id: ownerId, owner_status: 'active', organization_id: organizationId, permissions: null, visibility: 'private' });
    expect(now.body).toMatchObject({ status: 'revoked', valid: false, refusal: 'revoked', owner_id: ownerId });
    expect(now.body.version).toBeGreaterThan(then.body.version);
    expect(JSON.stringify([then.body, now.body])).not.toContain(issued.body.token);

    // another organization's token (here the root's) answers exactly as an unknown one
    const otherOwner = await platformAdmin.post<Created>('/users', { ...base, username: 'pipeline@root', password: 'conveyor-lattice-ember-52', organization: rootOrganizationId });
    const otherToken = await platformAdmin.post<Created>('/tokens', { user_id: otherOwner.body.id, name: 'CI' });
    expect(otherToken.status).toBe(201);
    const hidden = await chief.get<ProblemDetails>(`/audit/tokens/${otherToken.body.id}/as-of?at=${encodeURIComponent(afterRevocation)}`);
    const unknown = await chief.get<ProblemDetails>(`/audit/tokens/00000000-0000-4000-8000-000000000000/as-of?at=${encodeURIComponent(afterRevocation)}`);
    expect([hidden.status, hidden.body.code]).toEqual([404, 'token_not_found']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'token_not_found']);
    expect((await member.get(`/audit/tokens/${tokenId}/as-of?at=${encodeURIComponent(afterRevocation)}`)).status).toBe(403);

    const badMoment = await chief.get<ProblemDetails>(`/audit/tokens/${tokenId}/as-of?at=last-tuesday`);
    expect(badMoment.status).toBe(400);
    expect(badMoment.headers.get('content-type')).toContain('application/problem+json');
    expect(badMoment.body.code).toBe('validation_failed');
    expect(badMoment.body.errors?.map((error) => error.field)).toEqual(['at']);
  });

  it('holds no password and no login key anywhere in the audit table', async () => {
    const secrets = [...Object.values(PASSWORDS), system.admin.password, serviceAccountKey, chief.credential!.key, auditor.credential!.key, member.credential!.key, platformAdmin.credential!.key];
    const client = new Client({ connectionString: system.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ row: string }>('SELECT r::text AS row FROM audit.audit_records r');
      expect(rows.length).toBeGreaterThan(10);
      const table = rows.map((row) => row.row).join('\n');
      for (const secret of secrets) expect(table.includes(secret)).toBe(false);
      expect(table).not.toMatch(/\$argon2/);
    } finally {
      await client.end();
    }
  });
});
