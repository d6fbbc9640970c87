// What users try first, driven over HTTP with the request bodies of the service-account guides
// they come from, against the four services running as processes: log in and create a
// technical user, internal and external service accounts, a service user made with its API
// token, deactivation.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';

let system: RunningSystem;
let platformAdmin: ApiClient;
let tenantId: string;
let tenantAdmin: ApiClient;

const STRONG = 'plinth-orbit-cascade-47';

interface Problem {
  code: string;
  errors?: { field: string }[];
}
interface User {
  id: string;
  status: string;
  account_type: string;
  username: string;
  organization_id: string;
  roles: string[];
  teams: string[];
}

beforeAll(async () => {
  system = await startSystem();
  platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Acme Records' });
  expect(tenant.status).toBe(201);
  tenantId = tenant.body.id;
  const admin = await platformAdmin.post<User>('/users', {
    username: 'ops.lead@acme',
    account_type: 'user',
    first_name: 'Olga',
    last_name: 'Lead',
    password: STRONG,
    organization: tenantId,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(admin.status).toBe(201);
  tenantAdmin = await ApiClient.login(system.gatewayUrl, 'ops.lead@acme', STRONG);
});

afterAll(async () => {
  await system?.stop();
});

describe('log in, find the organization, create a technical user, log in as it', () => {
  it('logs in for a key, reads the organization, creates the user with its password, logs in as it', async () => {
    // 1. login with username/password: the bearer token is in `key`
    const login = await new ApiClient(system.gatewayUrl).post<{ key: string; domain: null }>('/auth/login', {
      username: 'ops.lead@acme',
      password: STRONG,
    });
    expect(login.status).toBe(200);
    expect(login.body.key).toMatch(/^wdn_/);
    expect(login.body.domain).toBeNull();
    expect(login.headers.get('cache-control')).toContain('no-store');

    // 2. get your organization id, in the `{ pagination, results }` shape
    const organizations = await tenantAdmin.get<{ pagination: Record<string, unknown>; results: { id: string; url: string }[] }>(
      '/organizations',
    );
    expect(organizations.status).toBe(200);
    expect(organizations.body.pagination).toEqual({ total: 1, total_pages: 1, next: null, previous: null });
    const organization = organizations.body.results[0];
    expect(organization.id).toBe(tenantId);

    // 3. create the service account with the organization and groups given as URLs
    const team = await tenantAdmin.post<{ id: string }>('/teams', { name: 'Integrations' });
    expect(team.status).toBe(201);
    const created = await tenantAdmin.post<User>('/users', {
      first_name: 'SYSTEM USER',
      last_name: '(DO NOT DELETE)',
      username: 'api_user@mycompany',
      password: 'myserviceaccoutpassword',
      organization: organization.url,
      groups: [`${system.gatewayUrl}/teams/${team.body.id}`],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'api_user@mycompany', organization_id: tenantId, teams: [team.body.id] });

    // 3.1 the integration logs in as the new account
    const integration = await ApiClient.login(system.gatewayUrl, 'api_user@mycompany', 'myserviceaccoutpassword');
    const me = await integration.get<{ id: string; organization: { id: string }; teams: unknown[] }>('/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(created.body.id);
  });

  it('refuses a bad password at login without saying whether the username exists', async () => {
    const anonymous = new ApiClient(system.gatewayUrl);
    const wrongPassword = await anonymous.post<Problem>('/auth/login', { username: 'ops.lead@acme', password: 'not-the-password-1' });
    const unknownUser = await anonymous.post<Problem>('/auth/login', { username: 'nobody@acme', password: 'not-the-password-1' });

    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    const { correlationId: _a, ...wrong } = wrongPassword.body as Problem & { correlationId: string };
    const { correlationId: _b, ...unknown } = unknownUser.body as Problem & { correlationId: string };
    expect(unknown).toEqual(wrong);
  });
});

describe('internal and external service accounts', () => {
  const body = (username: string, accountType: string) => ({
    username,
    account_type: accountType,
    first_name: 'DocuSign',
    last_name: 'Webhooks',
    password: 'envelope-status-updater-9',
  });

  it('creates service accounts active at once, within the limits, and lets them log in', async () => {
    // an organization of its own, so that filling its limits leaves the tenant's free
    const limited = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Limits Inc' });
    // The platform admin sets up the tenant's super admin, who makes its service accounts.
    const chief = await platformAdmin.post<User>('/users', {
      username: 'chief@limits',
      account_type: 'user',
      password: STRONG,
      organization: limited.body.id,
      roles: ['WARDEN_SUPER_ADMIN'],
    });
    expect(chief.status).toBe(201);
    const limitedAdmin = await ApiClient.login(system.gatewayUrl, 'chief@limits', STRONG);
    const inLimited = (username: string, accountType: string) => body(username, accountType);

    // The platform admin itself reaches no further into the tenant: its service accounts are not the platform's to make.
    expect((await platformAdmin.post<Problem>('/users', { ...inLimited('stray@limits', 'service_external'), organization: limited.body.id })).status).toBe(404);

    const external = await limitedAdmin.post<User>('/users', inLimited('docusign@limits', 'service_external'));
    expect(external.status).toBe(201);
    expect(external.body).toMatchObject({ account_type: 'service_external', status: 'active' });

    const internal = await limitedAdmin.post<User>('/users', inLimited('sequencer@limits', 'service_internal'));
    expect(internal.status).toBe(201);
    const secondInternal = await limitedAdmin.post<Problem>('/users', inLimited('sequencer2@limits', 'service_internal'));
    expect(secondInternal.status).toBe(409);
    expect(secondInternal.body.code).toBe('service_account_limit_reached');

    // four more external accounts reach the default limit of five; the sixth is refused
    for (const n of [2, 3, 4, 5]) {
      expect((await limitedAdmin.post('/users', inLimited(`hook${n}@limits`, 'service_external'))).status).toBe(201);
    }
    const sixth = await limitedAdmin.post<Problem>('/users', inLimited('hook6@limits', 'service_external'));
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('service_account_limit_reached');

    // the platform admin raises the tenant's limit; then the sixth fits
    const raised = await platformAdmin.patch<{ settings: { service_external_limit: number } }>(`/organizations/${limited.body.id}`, {
      settings: { service_external_limit: 6 },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.settings.service_external_limit).toBe(6);
    expect((await limitedAdmin.post('/users', inLimited('hook6@limits', 'service_external'))).status).toBe(201);

    // service accounts authenticate through the API with their password
    const sequencer = await ApiClient.login(system.gatewayUrl, 'sequencer@limits', 'envelope-status-updater-9');
    expect((await sequencer.get('/users/me')).status).toBe(200);
  });

  it('lets only a super admin change a service account password, never the account itself', async () => {
    const account = await tenantAdmin.post<User>('/users', {
      ...body('pwd-rotation@acme', 'user'),
    });
    expect(account.status).toBe(201);
    const convert = await tenantAdmin.patch<User>(`/users/${account.body.id}`, { account_type: 'service_external' });
    expect(convert.status).toBe(200);
    expect(convert.body.account_type).toBe('service_external');

    const self = await ApiClient.login(system.gatewayUrl, 'pwd-rotation@acme', 'envelope-status-updater-9');
    const byItself = await self.patch<Problem>(`/users/${account.body.id}`, { password: 'another-strong-secret-7' });
    expect(byItself.status).toBe(403);
    expect(byItself.body.code).toBe('password_change_forbidden');

    const bySuperAdmin = await tenantAdmin.patch(`/users/${account.body.id}`, { password: 'another-strong-secret-7' });
    expect(bySuperAdmin.status).toBe(200);
    await ApiClient.login(system.gatewayUrl, 'pwd-rotation@acme', 'another-strong-secret-7');
  });

  it('refuses a weak password listing each rule that failed', async () => {
    const weak = await tenantAdmin.post<Problem>('/users', { ...body('weakling@acme', 'service_external'), password: 'weakling' });
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe('password_policy_failed');
    expect(weak.body.errors!.length).toBeGreaterThanOrEqual(2);
    expect(weak.body.errors!.every((e) => e.field === 'password')).toBe(true);
  });

  it('refuses a username with spaces, saying what is allowed', async () => {
    const refused = await tenantAdmin.post<Problem & { detail: string }>('/users', body('docu sign', 'service_external'));
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('invalid_username');
    expect(refused.body.errors?.[0].field).toBe('username');
  });
});

describe('roles catalogue, a service user from four fields, the caller', () => {
  it('lists roles by application and creates a service user from friendly_name, email_address, account_id and roles', async () => {
    const roles = await tenantAdmin.get<Record<string, { name: string; display_name: string; type: string; status: string; access_scope: string }[]>>(
      `/roles?application_code=warden&account_id=${tenantId}`,
    );
    expect(roles.status).toBe(200);
    expect(Object.keys(roles.body)).toEqual(['warden']);
    expect(roles.body.warden.map((r) => r.name)).toEqual(expect.arrayContaining(['WARDEN_ADMIN', 'WARDEN_MANAGER', 'WARDEN_MEMBER']));
    expect(roles.body.warden[0]).toEqual(
      expect.objectContaining({ display_name: expect.any(String), type: 'default', status: 'ACTIVE' }),
    );

    // account_id names the organization; four fields make a service user
    const created = await tenantAdmin.post<User & { email: string }>('/users', {
      friendly_name: 'API Integration Service User',
      email_address: 'api-notifications@example.com',
      account_id: tenantId,
      roles: ['WARDEN_MEMBER'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      account_type: 'service_external',
      status: 'active',
      username: 'api-notifications@example.com',
      roles: ['WARDEN_MEMBER'],
    });
  });

  it('answers /users/me with the caller, its organization, roles, teams and permissions', async () => {
    const me = await tenantAdmin.get<{ username: string; organization: { id: string }; roles: string[]; permissions: unknown }>(
      '/users/me',
    );
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'ops.lead@acme', organization: { id: tenantId }, roles: ['WARDEN_SUPER_ADMIN'] });
    expect(me.body.permissions).toBeDefined();
  });
});

describe('deactivation', () => {
  it('stops a live session at once and refuses login; reactivation restores login', async () => {
    const account = await tenantAdmin.post<User>('/users', {
      username: 'temp.worker@acme',
      account_type: 'user',
      password: 'temporary-worker-pass-3',
    });
    expect(account.status).toBe(201);
    const session = await ApiClient.login(system.gatewayUrl, 'temp.worker@acme', 'temporary-worker-pass-3');
    expect((await session.get('/users/me')).status).toBe(200);

    expect((await tenantAdmin.post(`/users/${account.body.id}/deactivate`)).status).toBe(200);
    expect((await session.get('/users/me')).status).toBe(401);
    const refused = await new ApiClient(system.gatewayUrl).post('/auth/login', {
      username: 'temp.worker@acme',
      password: 'temporary-worker-pass-3',
    });
    expect(refused.status).toBe(401);

    expect((await tenantAdmin.post(`/users/${account.body.id}/reactivate`)).status).toBe(200);
    await ApiClient.login(system.gatewayUrl, 'temp.worker@acme', 'temporary-worker-pass-3');
  });
});
