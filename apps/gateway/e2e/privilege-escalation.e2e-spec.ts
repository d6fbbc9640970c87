// Nobody manages a user more privileged than they could have made: an admin cannot demote,
// deactivate or delete a super admin, and a team manager cannot pull one into its team to
// manage them there.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';

let system: RunningSystem;
let superAdmin: ApiClient;
let superAdminId: string;
let admin: ApiClient;
let adminId: string;
let manager: ApiClient;
let teamId: string;

const PASSWORD = 'granite-harbour-lantern-81';

async function createUser(as: ApiClient, body: Record<string, unknown>): Promise<string> {
  const created = await as.post<{ id: string }>('/users', { account_type: 'user', password: PASSWORD, ...body });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  system = await startSystem();
  const platform = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platform.post<{ id: string }>('/organizations', { name: 'Escalation Co' });
  superAdminId = await createUser(platform, { username: 'chief@escalation', roles: ['WARDEN_SUPER_ADMIN'], organization: tenant.body.id });
  superAdmin = await ApiClient.login(system.gatewayUrl, 'chief@escalation', PASSWORD);
  teamId = (await superAdmin.post<{ id: string }>('/teams', { name: 'Pipelines' })).body.id;
  adminId = await createUser(superAdmin, { username: 'admin@escalation', roles: ['WARDEN_ADMIN'] });
  admin = await ApiClient.login(system.gatewayUrl, 'admin@escalation', PASSWORD);
  await createUser(superAdmin, { username: 'manager@escalation', roles: ['WARDEN_MANAGER'], teams: [teamId] });
  manager = await ApiClient.login(system.gatewayUrl, 'manager@escalation', PASSWORD);
});

afterAll(async () => {
  await system?.stop();
});

it('refuses an admin every change to a super admin', async () => {
  expect((await admin.patch(`/users/${superAdminId}`, { roles: [] })).status).toBe(403);
  expect((await admin.post(`/users/${superAdminId}/deactivate`)).status).toBe(403);
  expect((await admin.delete(`/users/${superAdminId}`)).status).toBe(403);

  const me = await superAdmin.get<{ roles: string[] }>('/users/me');
  expect(me.status).toBe(200);
  expect(me.body.roles).toEqual(['WARDEN_SUPER_ADMIN']);
});

it('refuses a team manager adding a super admin to its team', async () => {
  const added = await manager.post(`/teams/${teamId}/members`, { user_id: superAdminId });
  expect(added.status).toBe(403);
  const team = await superAdmin.get<{ members: string[] }>(`/teams/${teamId}`);
  expect(team.body.members).not.toContain(superAdminId);
});

it('still lets a super admin manage an admin', async () => {
  const demoted = await superAdmin.patch<{ roles: string[] }>(`/users/${adminId}`, { roles: ['WARDEN_MEMBER'] });
  expect(demoted.status).toBe(200);
  expect(demoted.body.roles).toEqual(['WARDEN_MEMBER']);
});
