// The members' listing sorted by each column the console sorts by, against the real listing
// tables: teams by the names the column shows (none last), status, and a refused key.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;

const STRONG = 'plinth-orbit-cascade-47';

interface Listed {
  username: string;
  status: string;
  teams: string[];
}
interface Page {
  results: Listed[];
}

beforeAll(async () => {
  system = await startSystem();
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Sorted Members' });
  expect(tenant.status).toBe(201);
  const chief = await platformAdmin.post('/users', {
    username: 'chief@sorted',
    account_type: 'user',
    first_name: 'Chief',
    password: STRONG,
    organization: tenant.body.id,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(chief.status).toBe(201);
  admin = await ApiClient.login(system.gatewayUrl, 'chief@sorted', STRONG);
});

afterAll(async () => {
  await system?.stop();
});

it('sorts the members by their teams\' names and by status, both ways, and refuses an unknown key naming the field', async () => {
  const team = async (name: string) => {
    const created = await admin.post<{ id: string }>('/teams', { name });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  // Created in an order that is not the names' order, so an order by id or creation would differ.
  const zulu = await team('zulu');
  const alpha = await team('Alpha');
  const account = async (username: string, teams: string[]) => {
    const created = await admin.post<{ id: string }>('/users', { username, account_type: 'service_external', teams });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  await account('in-zulu@sorted', [zulu]);
  const both = await account('in-both@sorted', [zulu, alpha]);
  await account('in-alpha@sorted', [alpha]);
  expect((await admin.post(`/users/${both}/deactivate`)).status).toBe(200);

  const usernames = async (query: string) => {
    const page = await admin.get<Page>(`/users?${query}&page_size=100`);
    expect(page.status).toBe(200);
    return page.body.results.map((member) => member.username);
  };
  // "alpha" < "alpha,zulu" < "zulu"; the chief, in no team, last either way.
  expect(await usernames('sort=teams')).toEqual(['in-alpha@sorted', 'in-both@sorted', 'in-zulu@sorted', 'chief@sorted']);
  expect(await usernames('sort=-teams')).toEqual(['in-zulu@sorted', 'in-both@sorted', 'in-alpha@sorted', 'chief@sorted']);

  const statuses = async (query: string) => (await admin.get<Page>(`/users?${query}&page_size=100`)).body.results.map((member) => member.status);
  expect(await statuses('sort=status')).toEqual(['active', 'active', 'active', 'deactivated']);
  expect(await statuses('sort=-status')).toEqual(['deactivated', 'active', 'active', 'active']);

  const refused = await admin.get<{ code: string; errors: { field: string }[] }>('/users?sort=password');
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'sort' })] });
});
