// The access invariant as a model-based property, over the four services running as
// processes: random principals of one organization (a super admin, an admin, a manager of
// one team, a member, the internal service account, external accounts, narrowed tokens of
// several of them) run random command sequences, and after every step:
//   1. every live credential's effective permissions are contained in those of the
//      principal that last gave its owner power (the credential's issuer, rotator or
//      reassigner, or whoever last changed the owner's roles, teams or account type), as
//      that principal's were at the time;
//   2. no principal's effective permissions grew through its own action;
//   3. every refusal left the event stores unchanged.
// Effective permissions are read from `GET /auth/whoami`; containment is decided here, on
// its own, not by the access library under test. ACCESS_MODEL_RUNS (default 500) sequences
// run, ten to an organization; FUZZ_SEED replays a run.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Client } from 'pg';
import { ApiClient, ApiResponse, RunningSystem, startSystem } from '@warden/testing';

const RUNS = Number(process.env['ACCESS_MODEL_RUNS'] ?? 500);
const SEQUENCES_PER_ORGANIZATION = 10;
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const PASSWORD = 'granite-harbour-lantern-81';
const CUSTOM_ROLE = 'TOKEN_CLERK';

/** What whoami says a credential can do. */
interface Effective {
  user_id: string;
  organization_id: string;
  account_type: string;
  teams: string[];
  permissions: Record<string, 'organization' | 'team'>;
  platform_admin: boolean;
  acts_as_super_admin: boolean;
}

/** Whether `outer` may do everything `inner` may, as widely: decided here, independently of the library under test. */
function contains(outer: Effective, inner: Effective): boolean {
  if (outer.organization_id !== inner.organization_id) return false;
  if (inner.platform_admin && !outer.platform_admin) return false;
  if (outer.acts_as_super_admin) return true;
  if (inner.acts_as_super_admin) return false;
  return Object.entries(inner.permissions).every(([permission, scope]) => {
    const held = outer.permissions[permission];
    if (held === undefined) return false;
    if (held === 'organization') return true;
    return scope === 'team' && inner.teams.every((team) => outer.teams.includes(team));
  });
}

const ACCOUNTS = ['super', 'admin', 'manager', 'member', 'internal', 'clerk', 'bare'] as const;
type AccountName = (typeof ACCOUNTS)[number];
const TEAMS = ['one', 'two'] as const;
type TeamName = (typeof TEAMS)[number];

interface Credential {
  key: string;
  /** The token's id; undefined for a login session. */
  tokenId?: string;
  owner: AccountName;
  /** Who last gave it (or its owner) power, as they were then; undefined: not checked (the platform admin set it up). */
  bound?: Effective;
}

interface World {
  organizationId: string;
  accounts: Record<AccountName, string>;
  teams: Record<TeamName, string>;
  /** The actors: sessions and tokens made when the organization was set up. */
  actors: Credential[];
  /** Every credential made since, too: each is checked after every step. */
  credentials: Credential[];
}

type Command =
  | { kind: 'issue'; owner: AccountName; permissions: string[] | null }
  | { kind: 'rotate'; token: number; grace: number }
  | { kind: 'reassign'; token: number; to: AccountName }
  | { kind: 'exchange' }
  | { kind: 'roles'; target: AccountName; roles: string[] }
  | { kind: 'teams'; target: AccountName; teams: TeamName[] }
  | { kind: 'password'; target: AccountName }
  | { kind: 'account-type'; target: AccountName; to: 'user' | 'service_external' | 'service_internal' }
  | { kind: 'add-member' | 'remove-member'; team: TeamName; target: AccountName }
  | { kind: 'login-policy'; enabled: boolean }
  | { kind: 'deactivate' | 'reactivate' | 'delete'; target: AccountName };

const account = fc.constantFrom(...ACCOUNTS);
const team = fc.constantFrom(...TEAMS);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('issue' as const),
    owner: account,
    permissions: fc.option(fc.subarray(['tokens:write', 'tokens:read', 'users:read', 'users:write', 'teams:write', 'passwords:reset', 'records:write']), { nil: null }),
  }),
  fc.record({ kind: fc.constant('rotate' as const), token: fc.nat(), grace: fc.constantFrom(0, 60) }),
  fc.record({ kind: fc.constant('reassign' as const), token: fc.nat(), to: account }),
  fc.record({ kind: fc.constant('exchange' as const) }),
  fc.record({ kind: fc.constant('roles' as const), target: account, roles: fc.subarray(['WARDEN_SUPER_ADMIN', 'WARDEN_ADMIN', 'WARDEN_MANAGER', 'WARDEN_MEMBER', CUSTOM_ROLE]) }),
  fc.record({ kind: fc.constant('teams' as const), target: account, teams: fc.subarray([...TEAMS]) }),
  fc.record({ kind: fc.constant('password' as const), target: account }),
  fc.record({ kind: fc.constant('account-type' as const), target: account, to: fc.constantFrom('user' as const, 'service_external' as const, 'service_internal' as const) }),
  fc.record({ kind: fc.constantFrom('add-member' as const, 'remove-member' as const), team, target: account }),
  fc.record({ kind: fc.constant('login-policy' as const), enabled: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('deactivate' as const, 'reactivate' as const, 'delete' as const), target: account }),
);
// Actors by their index in World.actors: the strong ones (the super admin, the admin, the
// internal account's token) more often, so that allowed commands are common too.
const actor = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(0, 1, 5) }, { weight: 3, arbitrary: fc.nat() });
const step = fc.record({ actor, command });

let system: RunningSystem;
let platform: ApiClient;
let pg: Client;
let world: World;
let worlds = 0;
const tally = { sequences: 0, commands: 0, refused: 0, allowed: 0, checks: 0 };
const byKind = new Map<string, { allowed: number; refused: number }>();

const client = (credential: Credential) =>
  credential.tokenId === undefined ? new ApiClient(system.gatewayUrl, { header: 'authorization', key: credential.key }) : new ApiClient(system.gatewayUrl).withApiKey(credential.key);

async function expectOk<T>(response: Promise<ApiResponse<T>>, status: number, what: string): Promise<T> {
  const answer = await response;
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function whoami(credential: Credential): Promise<Effective | undefined> {
  const answer = await client(credential).get<Effective>('/auth/whoami');
  if (answer.status === 401) return undefined;
  if (answer.status !== 200) throw new Error(`whoami: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Events the stores hold, but for the ones written on purpose whatever the outcome (failed logins, token uses). */
async function eventCount(): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM users.events WHERE type <> 'LoginFailed') + (SELECT count(*) FROM tokens.events WHERE type <> 'TokenUsed') AS n`,
  );
  return Number(rows[0]!.n);
}

async function newWorld(): Promise<World> {
  const suffix = `${++worlds}-${randomUUID().slice(0, 6)}`;
  const organization = await expectOk(platform.post<{ id: string }>('/organizations', { name: `Model ${suffix}` }), 201, 'organization');
  const username = (name: string) => `${name}-${suffix}@model`;
  const superId = (
    await expectOk(
      platform.post<{ id: string }>('/users', { username: username('super'), account_type: 'user', password: PASSWORD, organization: organization.id, roles: ['WARDEN_SUPER_ADMIN'] }),
      201,
      'super admin',
    )
  ).id;
  const chief = await ApiClient.login(system.gatewayUrl, username('super'), PASSWORD);
  const [one, two] = await Promise.all([
    expectOk(chief.post<{ id: string }>('/teams', { name: `one ${suffix}` }), 201, 'team one'),
    expectOk(chief.post<{ id: string }>('/teams', { name: `two ${suffix}` }), 201, 'team two'),
    expectOk(chief.post('/roles', { name: CUSTOM_ROLE, display_name: 'Token clerk', permissions: ['tokens:write', 'tokens:read', 'users:read'] }), 201, 'role'),
  ]);
  const create = async (name: AccountName, body: Record<string, unknown>) =>
    (await expectOk(chief.post<{ id: string }>('/users', { username: username(name), ...body }), 201, name)).id;
  const [adminId, managerId, memberId, internalId, clerkId, bareId] = await Promise.all([
    create('admin', { account_type: 'user', password: PASSWORD, roles: ['WARDEN_ADMIN'] }),
    create('manager', { account_type: 'user', password: PASSWORD, roles: ['WARDEN_MANAGER'], teams: [one!.id] }),
    create('member', { account_type: 'user', password: PASSWORD, roles: ['WARDEN_MEMBER'], teams: [one!.id] }),
    create('internal', { account_type: 'service_internal' }),
    create('clerk', { account_type: 'service_external', password: PASSWORD, roles: [CUSTOM_ROLE], teams: [one!.id] }),
    create('bare', { account_type: 'service_external' }),
  ]);
  const accounts: Record<AccountName, string> = { super: superId, admin: adminId, manager: managerId, member: memberId, internal: internalId, clerk: clerkId, bare: bareId };
  const chiefCredential: Credential = { key: chief.credential!.key, owner: 'super' };
  const chiefNow = (await whoami(chiefCredential))!;
  const session = async (name: AccountName): Promise<Credential> => ({
    key: (await ApiClient.login(system.gatewayUrl, username(name), PASSWORD)).credential!.key,
    owner: name,
    bound: chiefNow,
  });
  const token = async (owner: AccountName, permissions: string[] | null = null): Promise<Credential> => {
    const issued = await expectOk(chief.post<{ id: string; token: string }>('/tokens', { user_id: accounts[owner], name: 'setup', permissions }), 201, `token of ${owner}`);
    return { key: issued.token, tokenId: issued.id, owner, bound: chiefNow };
  };
  const actors = [
    chiefCredential,
    ...(await Promise.all([session('admin'), session('manager'), session('member'), session('clerk')])),
    ...(await Promise.all([
      token('internal'),
      token('internal', ['tokens:write']),
      token('internal', ['users:read', 'users:write']),
      token('clerk'),
      token('clerk', ['tokens:write']),
      token('bare'),
    ])),
  ];
  return { organizationId: organization.id, accounts, teams: { one: one!.id, two: two!.id }, actors, credentials: [...actors] };
}

/** Sends the command as `actor`; answers the response and the credential it made, if any. */
async function send(actor: Credential, command: Command): Promise<{ status: number; made?: Credential; changed?: AccountName; reassigned?: string }> {
  const as = client(actor);
  const id = (name: AccountName) => world.accounts[name];
  const tokens = world.credentials.filter((credential) => credential.tokenId !== undefined);
  switch (command.kind) {
    case 'issue': {
      const answer = await as.post<{ id: string; token: string }>('/tokens', { user_id: id(command.owner), name: 'model', permissions: command.permissions });
      return { status: answer.status, ...(answer.status === 201 && { made: { key: answer.body.token, tokenId: answer.body.id, owner: command.owner } }) };
    }
    case 'rotate': {
      const token = tokens[command.token % tokens.length]!;
      const answer = await as.post<{ id: string; token: string }>(`/tokens/${token.tokenId}/rotate`, { grace_period_seconds: command.grace });
      return { status: answer.status, ...(answer.status === 200 && { made: { key: answer.body.token, tokenId: token.tokenId, owner: token.owner } }) };
    }
    case 'reassign': {
      const token = tokens[command.token % tokens.length]!;
      const answer = await as.post(`/tokens/${token.tokenId}/reassign`, { user_id: id(command.to) });
      // Every secret of the token now acts as the new owner, with its power given by the reassigner.
      if (answer.status === 200) for (const held of tokens.filter((t) => t.tokenId === token.tokenId)) held.owner = command.to;
      return { status: answer.status, ...(answer.status === 200 && { reassigned: token.tokenId }) };
    }
    case 'exchange': {
      const answer = await as.post<{ id: string; token: string }>('/auth/token');
      return { status: answer.status, ...(answer.status === 200 && { made: { key: answer.body.token, tokenId: answer.body.id, owner: actor.owner } }) };
    }
    case 'roles':
      return { status: (await as.patch(`/users/${id(command.target)}`, { roles: command.roles })).status, changed: command.target };
    case 'teams':
      return { status: (await as.patch(`/users/${id(command.target)}`, { teams: command.teams.map((name) => world.teams[name]) })).status, changed: command.target };
    case 'password':
      return { status: (await as.patch(`/users/${id(command.target)}`, { password: `Model-${randomUUID()}` })).status };
    case 'account-type':
      return { status: (await as.patch(`/users/${id(command.target)}`, { account_type: command.to })).status, changed: command.target };
    case 'add-member':
      return { status: (await as.post(`/teams/${world.teams[command.team]}/members`, { user_id: id(command.target) })).status, changed: command.target };
    case 'remove-member':
      return { status: (await as.delete(`/teams/${world.teams[command.team]}/members/${id(command.target)}`)).status, changed: command.target };
    case 'login-policy':
      return { status: (await as.patch(`/organizations/${world.organizationId}`, { settings: { human_password_login: command.enabled } })).status };
    case 'deactivate':
    case 'reactivate':
      return { status: (await as.post(`/users/${id(command.target)}/${command.kind}`)).status };
    case 'delete':
      return { status: (await as.delete(`/users/${id(command.target)}`)).status };
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

async function runStep(actorIndex: number, command: Command): Promise<void> {
  const actor = world.actors[actorIndex % world.actors.length]!;
  const [before, eventsBefore] = await Promise.all([whoami(actor), eventCount()]);
  const outcome = await send(actor, command);
  tally.commands++;
  const counts = byKind.get(command.kind) ?? { allowed: 0, refused: 0 };
  byKind.set(command.kind, counts);
  if (outcome.status >= 500) throw new Error(`${command.kind} by ${actor.owner} answered ${outcome.status}`);
  if (outcome.status >= 400) {
    tally.refused++;
    counts.refused++;
    // 3. a refusal leaves the stores as they were
    const eventsAfter = await eventCount();
    if (eventsAfter !== eventsBefore) throw new Error(`${command.kind} by ${actor.owner} was refused (${outcome.status}) but the stores gained ${eventsAfter - eventsBefore} events`);
  } else {
    tally.allowed++;
    counts.allowed++;
    // Whoever made a credential, or changed an account's power, bounds it from now on.
    if (before !== undefined) {
      if (outcome.made) world.credentials.push({ ...outcome.made, bound: before });
      if (outcome.reassigned) for (const held of world.credentials.filter((c) => c.tokenId === outcome.reassigned)) held.bound = before;
      if (outcome.changed) for (const held of world.credentials.filter((c) => c.owner === outcome.changed)) held.bound = before;
    }
  }
  // 2. no principal's power grew through its own action
  const after = await whoami(actor);
  if (before !== undefined && after !== undefined && !contains(before, after)) {
    throw new Error(`${actor.owner}'s own ${command.kind} made it stronger: ${JSON.stringify(before.permissions)} -> ${JSON.stringify(after.permissions)}`);
  }
  // 1. every live credential within whoever last gave it power
  await Promise.all(
    world.credentials.map(async (credential) => {
      if (credential.bound === undefined) return;
      const now = await whoami(credential);
      tally.checks++;
      if (now !== undefined && !contains(credential.bound, now)) {
        throw new Error(
          `a credential of ${credential.owner} holds ${JSON.stringify(now.permissions)} (super admin: ${now.acts_as_super_admin}), beyond what gave it: ${JSON.stringify(credential.bound.permissions)}`,
        );
      }
    }),
  );
}

beforeAll(async () => {
  system = await startSystem({ LOGIN_MAX_FAILURES_PER_USERNAME: '1000000', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000' });
  platform = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  pg = new Client({ connectionString: system.env['DATABASE_URL'] });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  const kinds = [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, { allowed, refused }]) => `  ${kind.padEnd(16)} ${String(allowed).padStart(5)} allowed ${String(refused).padStart(5)} refused`);
  process.stdout.write(
    `\naccess model: ${tally.sequences} sequences in ${worlds} organizations, ${tally.commands} commands (${tally.allowed} allowed, ${tally.refused} refused), ${tally.checks} credential checks\n${kinds.join('\n')}\n`,
  );
  await pg?.end();
  await system?.stop();
});

it(`holds the access invariant over ${RUNS} random command sequences`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
      // A fresh organization every few sequences: its principals wear out (deactivated, demoted, deleted).
      if (tally.sequences % SEQUENCES_PER_ORGANIZATION === 0) world = await newWorld();
      tally.sequences++;
      for (const { actor, command } of steps) await runStep(actor, command);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  expect(tally.sequences).toBeGreaterThanOrEqual(RUNS);
  // Both sides of the rule were exercised: a property that refused everything would prove nothing.
  expect(tally.allowed).toBeGreaterThan(tally.commands / 10);
  expect(tally.refused).toBeGreaterThan(tally.commands / 10);
});
