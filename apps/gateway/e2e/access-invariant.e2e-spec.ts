// The escalations an attacker with a foothold inside one organization tried, each as a
// regression test, and the rule that stops them all: no principal creates, obtains or
// enlarges a credential or an account beyond its own effective permissions.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { BASE62_ALPHABET, SECRET_BODY_LENGTH, formatSecret } from '@warden/contracts';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let platform: ApiClient;
let chief: ApiClient;
let admin: ApiClient;
let manager: ApiClient;
let ids: Record<'chief' | 'admin' | 'manager' | 'member' | 'internal' | 'external' | 'teamA' | 'teamB' | 'teamBMember' | 'otherExternal', string>;
let otherChief: ApiClient;

const PASSWORD = 'granite-harbour-lantern-81';
const SERVICE_PASSWORD = 'envelope-status-updater-9';

interface Token {
  id: string;
  token: string;
  permissions: string[] | null;
  secrets: { last_four: string; valid_until: string | null }[];
}
interface Problem {
  status: number;
  code: string;
  detail: string;
}

async function create(as: ApiClient, body: Record<string, unknown>): Promise<string> {
  const created = await as.post<{ id: string }>('/users', { password: PASSWORD, ...body });
  if (created.status !== 201) throw new Error(`creating ${String(body.username)}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

async function tenant(name: string): Promise<{ id: string; chief: ApiClient; chiefId: string }> {
  const organization = await platform.post<{ id: string }>('/organizations', { name });
  const username = `chief@${name.toLowerCase().replace(/\W/g, '')}`;
  const chiefId = await create(platform, { username, account_type: 'user', organization: organization.body.id, roles: ['WARDEN_SUPER_ADMIN'] });
  return { id: organization.body.id, chief: await ApiClient.login(system.gatewayUrl, username, PASSWORD), chiefId };
}

async function issue(as: ApiClient, body: Record<string, unknown>): Promise<Token> {
  const issued = await as.post<Token>('/tokens', { name: `t-${randomBytes(3).toString('hex')}`, ...body });
  if (issued.status !== 201) throw new Error(`issuing: ${issued.status} ${JSON.stringify(issued.body)}`);
  return issued.body;
}

const withKey = (token: string) => new ApiClient(system.gatewayUrl).withApiKey(token);

beforeAll(async () => {
  system = await startSystem();
  platform = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const acme = await tenant('Invariant Co');
  chief = acme.chief;
  const teamA = (await chief.post<{ id: string }>('/teams', { name: 'Pipelines' })).body.id;
  const teamB = (await chief.post<{ id: string }>('/teams', { name: 'Finance' })).body.id;
  ids = {
    chief: acme.chiefId,
    teamA,
    teamB,
    admin: await create(chief, { username: 'admin@invariant', account_type: 'user', roles: ['WARDEN_ADMIN'] }),
    manager: await create(chief, { username: 'manager@invariant', account_type: 'user', roles: ['WARDEN_MANAGER'], teams: [teamA] }),
    member: await create(chief, { username: 'member@invariant', account_type: 'user', roles: ['WARDEN_MEMBER'], teams: [teamA] }),
    teamBMember: await create(chief, { username: 'finance@invariant', account_type: 'user', teams: [teamB] }),
    internal: await create(chief, { username: 'sequencer@invariant', account_type: 'service_internal', password: SERVICE_PASSWORD }),
    external: await create(chief, { username: 'hooks@invariant', account_type: 'service_external', password: SERVICE_PASSWORD }),
    otherExternal: '',
  };
  admin = await ApiClient.login(system.gatewayUrl, 'admin@invariant', PASSWORD);
  manager = await ApiClient.login(system.gatewayUrl, 'manager@invariant', PASSWORD);
  const other = await tenant('Elsewhere Inc');
  otherChief = other.chief;
  ids.otherExternal = await create(otherChief, { username: 'hooks@elsewhere', account_type: 'service_external' });
});

afterAll(async () => {
  await system?.stop();
});

describe('finding 1: tokens:write is not a way to become the internal service account', () => {
  it('refuses an admin a token of the internal account, its rotation and a reassignment to it', async () => {
    const minted = await admin.post<Problem>('/tokens', { user_id: ids.internal, name: 'x' });
    expect(minted.status).toBe(403);
    expect(minted.body.code).toBe('forbidden');

    const internalToken = await issue(chief, { user_id: ids.internal });
    const rotated = await admin.post<Token & Problem>(`/tokens/${internalToken.id}/rotate`, { grace_period_seconds: 0 });
    expect(rotated.status).toBe(403);
    expect(rotated.body).not.toHaveProperty('token');
    // The refused rotation changed nothing: the secret the chief holds still works.
    expect((await withKey(internalToken.token).get('/users/me')).status).toBe(200);

    const own = await issue(admin, { user_id: ids.external });
    expect((await admin.post(`/tokens/${own.id}/reassign`, { user_id: ids.internal })).status).toBe(403);
    const stillExternal = await withKey(own.token).get<{ user_id: string }>('/auth/whoami');
    expect(stillExternal.body.user_id).toBe(ids.external);
  });

  it("leaves an admin's token of a covered account unable to set anyone's password", async () => {
    const token = await issue(admin, { user_id: ids.external });
    expect((await withKey(token.token).patch(`/users/${ids.member}`, { password: 'a-new-strong-password-5' })).status).toBe(403);
    expect((await admin.patch(`/users/${ids.external}`, { password: 'a-new-strong-password-5' })).status).toBe(403);
  });

  it('credits what a token did to the token, and the token to whoever issued it', async () => {
    const token = await issue(chief, { user_id: ids.internal });
    const made = await withKey(token.token).post<{ id: string }>('/users', { username: 'made-by-token@invariant', account_type: 'user', password: PASSWORD });
    expect(made.status).toBe(201);
    type Records = { results: { event_type: string; actor_id: string; actor_credential: unknown; data: Record<string, unknown> }[] };
    // The audit log records what the services published, a moment after they answered.
    let records: Records['results'] = [];
    await pollUntil(async () => {
      records = (await chief.get<Records>('/audit/events?limit=500&order=newest')).body.results;
      return records.some((r) => r.event_type === 'UserCreated' && r.data.userId === made.body.id);
    }, 'the audit log to record the user made with the token');
    expect(records.find((r) => r.event_type === 'UserCreated' && r.data.userId === made.body.id)).toMatchObject({
      actor_id: ids.internal,
      actor_credential: { kind: 'api_token', id: token.id },
    });
    expect(records.find((r) => r.event_type === 'TokenIssued' && r.data.tokenId === token.id)).toMatchObject({
      actor_id: ids.chief,
      actor_credential: { kind: 'session', id: expect.any(String) },
    });
  });
});

describe('finding 2: a narrowed token mints nothing wider than itself', () => {
  it("refuses a tokens:write token a token of its own account that is not narrowed, and the rotation of the account's other token", async () => {
    const narrowed = await issue(chief, { user_id: ids.internal, permissions: ['tokens:write'] });
    const asNarrowed = withKey(narrowed.token);
    expect((await asNarrowed.post('/tokens', { user_id: ids.internal, name: 'wide', permissions: null })).status).toBe(403);
    expect((await asNarrowed.post('/tokens', { user_id: ids.internal, name: 'wide' })).status).toBe(403);
    const wide = await issue(chief, { user_id: ids.internal });
    const rotated = await asNarrowed.post<Token>(`/tokens/${wide.id}/rotate`, { grace_period_seconds: 0 });
    expect(rotated.status).toBe(403);
    expect(rotated.body).not.toHaveProperty('token');
    expect((await asNarrowed.get('/users')).status).toBe(403);
  });

  it('narrows what it mints for an account it covers to its own permissions', async () => {
    const narrowed = await issue(chief, { user_id: ids.internal, permissions: ['tokens:write', 'users:read'] });
    const minted = await withKey(narrowed.token).post<Token>('/tokens', { user_id: ids.external, name: 'bounded' });
    expect(minted.status).toBe(201);
    // The external account holds neither, so the token holds nothing; it never holds more than its minter.
    expect(minted.body.permissions).toEqual([]);
    expect((await withKey(narrowed.token).post('/tokens', { user_id: ids.external, name: 'more', permissions: ['teams:read'] })).status).toBe(403);
  });
});

describe("finding 3: a manager's team scope grows through no route", () => {
  it('refuses a manager adding another team to itself, and then reaching into it', async () => {
    const self = await manager.patch<Problem>(`/users/${ids.manager}`, { teams: [ids.teamA, ids.teamB] });
    expect(self.status).toBe(403);
    expect((await chief.get<{ teams: string[] }>(`/users/${ids.manager}`)).body.teams).toEqual([ids.teamA]);
    expect((await manager.get(`/teams/${ids.teamB}`)).status).toBe(403);
    expect((await manager.patch(`/teams/${ids.teamB}`, { name: 'Mine now' })).status).toBe(403);
  });

  it("refuses a manager moving a member of its team into another team, or adding itself to one", async () => {
    expect((await manager.patch(`/users/${ids.member}`, { teams: [ids.teamA, ids.teamB] })).status).toBe(403);
    // Leaving its own team is changing its own teams too.
    expect((await manager.delete(`/teams/${ids.teamA}/members/${ids.manager}`)).status).toBe(403);
    expect((await manager.post(`/teams/${ids.teamB}/members`, { user_id: ids.member })).status).toBe(403);
    expect((await chief.get<{ teams: string[] }>(`/users/${ids.member}`)).body.teams).toEqual([ids.teamA]);
  });

  it('leaves service accounts and their tokens to administrators', async () => {
    expect((await manager.post('/users', { username: 'svc@manager', account_type: 'service_external', teams: [ids.teamA] })).status).toBe(403);
    expect((await manager.post('/tokens', { user_id: ids.external, name: 'x' })).status).toBe(403);
  });
});

describe('nobody promotes themselves', () => {
  it.each([
    ['roles', { roles: ['WARDEN_SUPER_ADMIN'] }],
    ['teams', { teams: ['<team A>'] }],
    ['account type', { account_type: 'service_external' }],
  ])('refuses an admin a change of its own %s', async (_what, body) => {
    const teams = 'teams' in body ? { teams: [ids.teamA] } : {};
    expect((await admin.patch(`/users/${ids.admin}`, { ...body, ...teams })).status).toBe(403);
  });

  it('refuses even a super admin a change of its own roles', async () => {
    expect((await chief.patch(`/users/${ids.chief}`, { roles: ['WARDEN_SUPER_ADMIN', 'WARDEN_AUDITOR'] })).status).toBe(403);
  });
});

describe('passwords', () => {
  it("are set by a super admin or the internal account on another service account only, never on a person or oneself", async () => {
    expect((await chief.patch(`/users/${ids.external}`, { password: 'rotated-by-the-chief-3' })).status).toBe(200);
    expect((await chief.patch(`/users/${ids.member}`, { password: 'rotated-by-the-chief-3' })).status).toBe(403);
    const internal = await ApiClient.login(system.gatewayUrl, 'sequencer@invariant', SERVICE_PASSWORD);
    expect((await internal.patch(`/users/${ids.external}`, { password: 'rotated-by-the-sequencer-4' })).status).toBe(200);
    expect((await internal.patch(`/users/${ids.internal}`, { password: 'rotated-by-itself-5' })).status).toBe(403);
    const narrowed = await issue(chief, { user_id: ids.internal, permissions: ['passwords:reset', 'users:write'] });
    expect((await withKey(narrowed.token).patch(`/users/${ids.external}`, { password: 'rotated-by-a-token-6' })).status).toBe(403);
  });
});

describe('what the internal service account can really do', () => {
  it('says so in whoami and /users/me, and a narrowed token says what it holds', async () => {
    const internal = await ApiClient.login(system.gatewayUrl, 'sequencer@invariant', SERVICE_PASSWORD);
    const whoami = await internal.get<{ acts_as_super_admin: boolean; permissions: Record<string, string> }>('/auth/whoami');
    expect(whoami.body.acts_as_super_admin).toBe(true);
    expect(whoami.body.permissions).toMatchObject({ 'users:write': 'organization', 'tokens:write': 'organization', 'passwords:reset': 'organization' });
    expect(whoami.body.permissions).not.toHaveProperty('organizations:create');
    const me = await internal.get<{ acts_as_super_admin: boolean; permissions: Record<string, string> }>('/users/me');
    expect(me.body).toMatchObject({ acts_as_super_admin: true, permissions: whoami.body.permissions });

    const narrowed = await issue(chief, { user_id: ids.internal, permissions: ['users:read'] });
    const asNarrowed = await withKey(narrowed.token).get<{ acts_as_super_admin: boolean; permissions: Record<string, string>; credential: { permissions: string[] } }>(
      '/auth/whoami',
    );
    expect(asNarrowed.body).toMatchObject({ acts_as_super_admin: false, permissions: { 'users:read': 'organization' }, credential: { permissions: ['users:read'] } });
  });
});

describe('organization settings that can lock super admins out', () => {
  it('are for super admins', async () => {
    const organizationId = (await chief.get<{ organization_id: string }>('/users/me')).body.organization_id;
    expect((await admin.patch(`/organizations/${organizationId}`, { settings: { human_password_login: false } })).status).toBe(403);
    expect((await admin.patch(`/organizations/${organizationId}`, { settings: { max_token_lifetime_seconds: null } })).status).toBe(200);
    const set = await chief.patch<{ settings: { human_password_login: boolean } }>(`/organizations/${organizationId}`, { settings: { human_password_login: true } });
    expect(set.status).toBe(200);
    expect(set.body.settings.human_password_login).toBe(true);
  });
});

describe('rotation', () => {
  it('ends every earlier secret at once with grace 0, and lists the live secrets', async () => {
    const first = await issue(chief, { user_id: ids.external });
    const second = await chief.post<Token>(`/tokens/${first.id}/rotate`, { grace_period_seconds: 600 });
    expect(second.status).toBe(200);
    const during = await chief.get<Token>(`/tokens/${first.id}`);
    expect(during.body.secrets.map((secret) => secret.last_four)).toEqual([first.token.slice(-4), second.body.token.slice(-4)]);
    expect(during.body.secrets[0]!.valid_until).not.toBeNull();
    expect((await withKey(first.token).get('/auth/whoami')).status).toBe(200);

    const third = await chief.post<Token>(`/tokens/${first.id}/rotate`, { grace_period_seconds: 0 });
    expect(third.status).toBe(200);
    expect((await withKey(first.token).get('/auth/whoami')).status).toBe(401);
    expect((await withKey(second.body.token).get('/auth/whoami')).status).toBe(401);
    expect((await withKey(third.body.token).get('/auth/whoami')).status).toBe(200);
    const after = await chief.get<Token>(`/tokens/${first.id}`);
    expect(after.body.secrets).toEqual([expect.objectContaining({ last_four: third.body.token.slice(-4), valid_until: null })]);
  });
});

describe('uniform refusals', () => {
  const comparable = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).replaceAll(id, '<id>')) as Record<string, unknown>;

  it("words an issue for another organization's account exactly as one for an unknown id", async () => {
    const unknownId = '01900000-0000-7000-8000-0000000000ff';
    const foreign = await chief.post<Problem>('/tokens', { user_id: ids.otherExternal, name: 'x' });
    const unknown = await chief.post<Problem>('/tokens', { user_id: unknownId, name: 'x' });
    expect(foreign.status).toBe(unknown.status);
    const { instance: _a, correlationId: _c, ...foreignBody } = comparable(foreign.body, ids.otherExternal);
    const { instance: _b, correlationId: _d, ...unknownBody } = comparable(unknown.body, unknownId);
    expect(foreignBody).toEqual(unknownBody);
  });

  it("words another organization's team in a user's teams exactly as an unknown team", async () => {
    const otherTeam = (await otherChief.post<{ id: string }>('/teams', { name: 'Theirs' })).body.id;
    const unknownTeam = '01900000-0000-7000-8000-0000000000fe';
    const foreign = await chief.patch<Problem>(`/users/${ids.teamBMember}`, { teams: [ids.teamB, otherTeam] });
    const unknown = await chief.patch<Problem>(`/users/${ids.teamBMember}`, { teams: [ids.teamB, unknownTeam] });
    expect(foreign.status).toBe(422);
    const { instance: _a, correlationId: _c, ...foreignBody } = comparable(foreign.body, otherTeam);
    const { instance: _b, correlationId: _d, ...unknownBody } = comparable(unknown.body, unknownTeam);
    expect(foreignBody).toEqual(unknownBody);
  });

  it("answers the introspection of another organization's token, whatever its state, as an unknown token", async () => {
    // A well-formed token (its checksum holds) that was never issued.
    const neverIssued = formatSecret('api_token', [...randomBytes(SECRET_BODY_LENGTH)].map((byte) => BASE62_ALPHABET[byte % 62]).join(''));
    const unknown = await otherChief.post('/tokens/verify', { token: neverIssued });
    expect(unknown.body).toEqual({ active: false, reason: 'unknown' });
    const active = await issue(chief, { user_id: ids.external });
    const revoked = await issue(chief, { user_id: ids.external });
    await chief.post(`/tokens/${revoked.id}/revoke`);
    const publicToken = await issue(chief, { user_id: ids.external, visibility: 'public', allowed_origins: ['https://shop.example.com'] });
    for (const token of [active.token, revoked.token, publicToken.token]) {
      const answer = await otherChief.post('/tokens/verify', { token, origin: 'https://evil.example.com' });
      expect({ status: answer.status, body: answer.body }).toEqual({ status: unknown.status, body: unknown.body });
    }
    // In its own organization the reason is given to a tokens:read holder.
    expect((await chief.post('/tokens/verify', { token: revoked.token })).body).toEqual({ active: false, reason: 'revoked' });
  });

  it('builds the URLs in answers from the configured base URL, never from the Host header', async () => {
    const key = chief.credential!.key;
    const url = new URL('/api/v1/users?page_size=1', system.gatewayUrl);
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(url, { headers: { host: 'evil.example.com', authorization: `Bearer ${key}` } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
      request.end();
    });
    const page = JSON.parse(body) as { pagination: { next: string | null } };
    expect(page.pagination.next).not.toBeNull();
    expect(page.pagination.next).not.toContain('evil.example.com');
    expect(new URL(page.pagination.next!).origin).toBe(url.origin);
  });
});

describe('deactivation', () => {
  it('ends login sessions for good; reactivation brings back tokens, not sessions', async () => {
    const username = 'sessions@invariant';
    const id = await create(chief, { username, account_type: 'service_external', password: SERVICE_PASSWORD });
    const session = await ApiClient.login(system.gatewayUrl, username, SERVICE_PASSWORD);
    const token = await issue(chief, { user_id: id });
    expect((await session.get('/users/me')).status).toBe(200);
    expect((await chief.post(`/users/${id}/deactivate`)).status).toBe(200);
    expect((await session.get('/users/me')).status).toBe(401);
    expect((await withKey(token.token).get('/users/me')).status).toBe(401);
    expect((await chief.post(`/users/${id}/reactivate`)).status).toBe(200);
    expect((await session.get('/users/me')).status).toBe(401);
    expect((await withKey(token.token).get('/users/me')).status).toBe(200);
    const again = await ApiClient.login(system.gatewayUrl, username, SERVICE_PASSWORD);
    expect((await again.get('/users/me')).status).toBe(200);
  });
});
