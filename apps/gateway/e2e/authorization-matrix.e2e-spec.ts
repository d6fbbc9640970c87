// Walks the route access table (route-access.ts, the one README.md shows) against the
// running services: every route x every kind of principal x a target in the caller's own
// organization and in another one. Two tenant organizations hold one principal of each
// kind; the platform admin's own organization is the root. Each cell builds its request
// from the route's path in the table, on a fresh target wherever the request is not
// idempotent, and asserts the status (and, for lists, whose entries come back).
import { randomUUID } from 'node:crypto';
import { formatSecret } from '@warden/contracts';
import { ApiClient, ApiResponse, RunningSystem, startSystem } from '@warden/testing';
import { exportJWK, generateKeyPair } from 'jose';
import { Outcome, PRINCIPALS, PrincipalKind, ROUTE_ACCESS, RouteAccess, RouteKey, describeOutcome, routeKey } from './route-access';

type OrganizationKey = 'root' | 'A' | 'B';
type Side = 'own' | 'other';
type Account = { username: string; password: string };

interface Caller {
  kind: PrincipalKind;
  /** The organization the principal belongs to; anonymous belongs to none. */
  home: OrganizationKey | null;
  own: OrganizationKey;
  other: OrganizationKey;
}

// What each cell acts on, per organization: created once, before the walk.
interface OrganizationFixture {
  id: string;
  /** Creates the fresh targets: the tenant's super admin, or the platform admin for the root. */
  creator: ApiClient;
  /** An account of the organization to log in to. */
  loginAccount: Account;
  /** A human to read, rename and add to or remove from the team. */
  userId: string;
  /** A human to deactivate and reactivate. */
  statusUserId: string;
  teamId: string;
  /** A custom role to archive (archiving is idempotent). */
  roleName: string;
  /** Two service accounts: a token's owner, and whom it can be reassigned to. */
  serviceAccountId: string;
  otherServiceAccountId: string;
  /** A token to read; tokens to revoke, rotate or reassign are issued per cell. */
  tokenId: string;
  /** The organization's internal service account: the account stronger than an admin. */
  internalId: string;
  /** A webhook subscription to token.issued, made before the token above was issued (so it has a delivery). */
  webhookId: string;
}

interface CellRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Another client than the caller's (logout ends the session it is sent with). */
  client?: ApiClient;
  headers?: Record<string, string>;
}

interface Cell {
  name: string;
  route: RouteAccess;
  caller: Caller;
  side: Side;
  expected: Outcome;
}

const TENANT_KINDS: readonly PrincipalKind[] = ['super_admin', 'internal', 'admin', 'member', 'auditor', 'external', 'external_custom'];
const CUSTOM_ROLE = 'PIPELINE_TEAMS';

const CALLERS: readonly Caller[] = [
  { kind: 'anonymous', home: null, own: 'A', other: 'B' },
  { kind: 'platform_admin', home: 'root', own: 'root', other: 'A' },
  ...(['A', 'B'] as const).flatMap((home) =>
    TENANT_KINDS.map((kind): Caller => ({ kind, home, own: home, other: home === 'A' ? 'B' : 'A' })),
  ),
];

const callerName = (caller: Caller) => (caller.home === null ? PRINCIPALS[caller.kind].label : `${PRINCIPALS[caller.kind].label} of ${caller.home}`);
const callerKey = (caller: Caller) => `${caller.kind}@${caller.home ?? '-'}`;

const CELLS: Cell[] = ROUTE_ACCESS.flatMap((route) =>
  CALLERS.flatMap((caller) =>
    (['own', 'other'] as const).flatMap((side): Cell[] => {
      const expected = route.access[caller.kind][side === 'own' ? 0 : 1];
      if (expected === null) return [];
      const target = side === 'own' ? caller.own : caller.other;
      // A route that cannot name another organization has no target to speak of.
      const where = route.access[caller.kind][1] === null ? '' : caller.home === null ? ` | target in ${target}` : ` | ${side} organization (${target})`;
      const name = `${routeKey(route)} | ${callerName(caller)}${where} -> ${describeOutcome(expected)}`;
      return [{ name, route, caller, side, expected }];
    }),
  ),
);

let system: RunningSystem;
let origin: string;
const organizations = {} as Record<OrganizationKey, OrganizationFixture>;
const clients = new Map<string, ApiClient>();
const accounts = new Map<string, Account>();
const userIds = new Map<string, string>();
const walked: { expected: Outcome; passed: boolean }[] = [];

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const newPassword = () => `Matrix-${randomUUID()}`;

async function expectStatus<T>(response: Promise<ApiResponse<T>>, status: number, what: string): Promise<T> {
  const answer = await response;
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// The client the tests use: its base is the gateway's origin, as the table's paths are absolute.
async function logIn(account: Account): Promise<ApiClient> {
  const client = await ApiClient.login(system.gatewayUrl, account.username, account.password);
  return new ApiClient(origin, client.credential);
}

async function createUser(creator: ApiClient, body: Record<string, unknown>): Promise<string> {
  return (await expectStatus(creator.post<{ id: string }>('/api/v1/users', body), 201, `creating user ${String(body.username)}`)).id;
}

async function createTeam(creator: ApiClient): Promise<string> {
  return (await expectStatus(creator.post<{ id: string }>('/api/v1/teams', { name: unique('team') }), 201, 'creating a team')).id;
}

async function createRole(creator: ApiClient, name: string, permissions: string[]): Promise<void> {
  await expectStatus(creator.post('/api/v1/roles', { name, display_name: name, permissions }), 201, `creating role ${name}`);
}

async function issueToken(creator: ApiClient, ownerId: string): Promise<string> {
  return (await expectStatus(creator.post<{ id: string }>('/api/v1/tokens', { user_id: ownerId, name: unique('token') }), 201, 'issuing a token')).id;
}

// Loopback, allowed to webhooks by the test system's configuration; nothing listens on the discard port.
const WEBHOOK_URL = 'http://127.0.0.1:9/matrix';

async function subscribeWebhook(creator: ApiClient): Promise<string> {
  return (await expectStatus(creator.post<{ id: string }>('/api/v1/webhooks', { url: WEBHOOK_URL, event_types: ['token.issued'] }), 201, 'subscribing to webhooks')).id;
}

/** The delivery of the fixture's token.issued to its subscription, once the webhooks service has written it. */
async function webhookDeliveryOf(target: OrganizationFixture): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const page = await expectStatus(target.creator.get<{ results: { id: string }[] }>(`/api/v1/webhooks/${target.webhookId}/deliveries`), 200, 'listing deliveries');
    if (page.results[0]) return page.results[0].id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no webhook delivery was written for the fixture token');
}

async function targetsOf(id: string, creator: ApiClient, loginAccount: Account, internalId: string): Promise<OrganizationFixture> {
  const roleName = `ARCHIVE_ME_${randomUUID().slice(0, 8).toUpperCase()}`;
  const [userId, statusUserId, teamId, , serviceAccountId, otherServiceAccountId] = await Promise.all([
    createUser(creator, { username: unique('target'), account_type: 'user', first_name: 'Target' }),
    createUser(creator, { username: unique('status'), account_type: 'user', first_name: 'Status' }),
    createTeam(creator),
    createRole(creator, roleName, ['records:read']),
    createUser(creator, { username: unique('owner'), account_type: 'service_external', organization: id }),
    createUser(creator, { username: unique('heir'), account_type: 'service_external', organization: id }),
  ]);
  const webhookId = await subscribeWebhook(creator);
  const tokenId = await issueToken(creator, serviceAccountId);
  return { id, creator, loginAccount, userId, statusUserId, teamId, roleName, serviceAccountId, otherServiceAccountId, tokenId, internalId, webhookId };
}

// A tenant: created by the platform admin, who also creates its super admin; the super
// admin creates everyone else, each with a password, and each logs in once.
async function setUpTenant(key: 'A' | 'B', platformAdmin: ApiClient): Promise<void> {
  const { id } = await expectStatus(
    platformAdmin.post<{ id: string }>('/api/v1/organizations', { name: `Matrix tenant ${key}` }),
    201,
    `creating tenant ${key}`,
  );
  const account = (kind: PrincipalKind): Account => ({ username: `tenant-${key.toLowerCase()}-${kind.replaceAll('_', '-')}`, password: newPassword() });
  const superAdmin = account('super_admin');
  userIds.set(`super_admin@${key}`, await createUser(platformAdmin, { ...superAdmin, account_type: 'user', organization: id, roles: ['WARDEN_SUPER_ADMIN'] }));
  accounts.set(`super_admin@${key}`, superAdmin);
  const creator = await logIn(superAdmin);
  clients.set(`super_admin@${key}`, creator);
  await createRole(creator, CUSTOM_ROLE, ['teams:read', 'teams:write', 'records:write']);

  const bodies: Partial<Record<PrincipalKind, Record<string, unknown>>> = {
    internal: { account_type: 'service_internal' },
    admin: { account_type: 'user', roles: ['WARDEN_ADMIN'] },
    member: { account_type: 'user', roles: ['WARDEN_MEMBER'] },
    auditor: { account_type: 'user', roles: ['WARDEN_AUDITOR'] },
    external: { account_type: 'service_external' },
    external_custom: { account_type: 'service_external', roles: [CUSTOM_ROLE] },
  };
  await Promise.all(
    Object.entries(bodies).map(async ([kind, body]) => {
      const credentials = account(kind as PrincipalKind);
      userIds.set(`${kind}@${key}`, await createUser(creator, { ...credentials, ...body }));
      accounts.set(`${kind}@${key}`, credentials);
      clients.set(`${kind}@${key}`, await logIn(credentials));
    }),
  );
  organizations[key] = await targetsOf(id, creator, accounts.get(`member@${key}`)!, userIds.get(`internal@${key}`)!);
}

const noRequest: CellRequest = {};

// The /oauth2 endpoints take forms: the same client, its body form-encoded.
class FormClient extends ApiClient {
  override request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const form = new URLSearchParams(body as Record<string, string>).toString();
    return super.request<T>(method, path, form, { ...headers, 'content-type': 'application/x-www-form-urlencoded' });
  }
}
const formClientOf = (caller: Caller) => new FormClient(origin, clients.get(callerKey(caller))!.credential);

async function clientSecretOf(target: OrganizationFixture, accountId: string): Promise<{ id: string; client_secret: string }> {
  return expectStatus(target.creator.post<{ id: string; client_secret: string }>(`/api/v1/users/${accountId}/client-secrets`), 201, 'adding a client secret');
}

const federationRule = () => ({ issuer: 'https://issuer.example.com', audiences: ['https://warden.example.com'], claims: { sub: unique('workload') } });

async function publicJwk(): Promise<Record<string, unknown>> {
  return { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)), alg: 'ES256', kid: unique('key') };
}

// How each route of the table is called on a target organization. Typed by the table's
// keys, so a route added to the table without a request here does not compile.
const REQUESTS: Record<RouteKey, (target: OrganizationFixture, cell: Cell) => Promise<CellRequest> | CellRequest> = {
  'POST /api/v1/auth/login': (target) => ({ body: target.loginAccount }),
  'POST /api/v1/auth/console/login': (target) => ({ body: target.loginAccount, headers: { origin } }),
  'POST /api/v1/auth/logout': async (_target, { caller }) =>
    caller.kind === 'anonymous' ? noRequest : { client: await logIn(accounts.get(callerKey(caller))!) },
  'GET /api/v1/users/me': () => noRequest,
  'GET /api/v1/auth/whoami': () => noRequest,
  'POST /api/v1/auth/token': () => noRequest,
  'POST /api/v1/organizations': () => ({ body: { name: unique('Matrix organization') } }),
  'GET /api/v1/organizations': () => ({ query: { page_size: '200' } }),
  'GET /api/v1/organizations/:id': (target) => ({ params: { id: target.id } }),
  'PATCH /api/v1/organizations/:id': (target) => ({ params: { id: target.id }, body: { settings: { max_token_lifetime_seconds: null } } }),
  'PATCH /api/v1/organizations/:id (the login policy)': (target) => ({ params: { id: target.id }, body: { settings: { human_password_login: true } } }),
  'POST /api/v1/users': (target, { side }) => ({
    body: { username: unique('created'), account_type: 'user', first_name: 'Created', ...(side === 'other' && { organization: target.id }) },
  }),
  'GET /api/v1/users': () => ({ query: { page_size: '200' } }),
  'GET /api/v1/users/:id': (target) => ({ params: { id: target.userId } }),
  'PATCH /api/v1/users/:id': (target) => ({ params: { id: target.userId }, body: { first_name: unique('Renamed') } }),
  "PATCH /api/v1/users/:id (the caller's own roles)": (target, { caller }) => ({
    params: { id: userIds.get(callerKey(caller)) ?? target.userId },
    body: { roles: ['WARDEN_SUPER_ADMIN', 'WARDEN_ADMIN'] },
  }),
  "PATCH /api/v1/users/:id (the caller's own teams)": (target, { caller }) => ({
    params: { id: userIds.get(callerKey(caller)) ?? target.userId },
    body: { teams: [target.teamId] },
  }),
  "PATCH /api/v1/users/:id (a service account's password)": (target) => ({
    params: { id: target.serviceAccountId },
    body: { password: `Reset-${randomUUID()}` },
  }),
  "PATCH /api/v1/users/:id (a person's password)": (target) => ({ params: { id: target.userId }, body: { password: `Reset-${randomUUID()}` } }),
  'POST /api/v1/users/:id/deactivate': (target) => ({ params: { id: target.statusUserId } }),
  'POST /api/v1/users/:id/reactivate': (target) => ({ params: { id: target.statusUserId } }),
  'DELETE /api/v1/users/:id': async (target) => ({
    params: { id: await createUser(target.creator, { username: unique('doomed'), account_type: 'user' }) },
  }),
  'POST /api/v1/teams': () => ({ body: { name: unique('team') } }),
  'GET /api/v1/teams': () => ({ query: { page_size: '200' } }),
  'GET /api/v1/teams/:id': (target) => ({ params: { id: target.teamId } }),
  'PATCH /api/v1/teams/:id': (target) => ({ params: { id: target.teamId }, body: { name: unique('renamed') } }),
  'POST /api/v1/teams/:id/members': (target) => ({ params: { id: target.teamId }, body: { user_id: target.userId } }),
  'DELETE /api/v1/teams/:id/members/:userId': (target) => ({ params: { id: target.teamId, userId: target.userId } }),
  'DELETE /api/v1/teams/:id': async (target) => ({ params: { id: await createTeam(target.creator) } }),
  'GET /api/v1/roles': (target, { side }) => (side === 'other' ? { query: { account_id: target.id } } : noRequest),
  'POST /api/v1/roles': (target, { side }) => ({
    body: {
      name: `MATRIX_${randomUUID().slice(0, 8).toUpperCase()}`,
      display_name: 'Matrix role',
      permissions: ['records:read'],
      ...(side === 'other' && { account_id: target.id }),
    },
  }),
  'POST /api/v1/roles/:name/archive': (target) => ({ params: { name: target.roleName } }),
  'GET /api/v1/audit/events': (target, { side }) => (side === 'other' ? { query: { organization_id: target.id } } : noRequest),
  'GET /api/v1/audit/export': (target, { side }) => (side === 'other' ? { query: { organization_id: target.id } } : noRequest),
  'GET /api/v1/audit/verify': (target, { side }) => (side === 'other' ? { query: { organization_id: target.id } } : noRequest),
  'GET /api/v1/audit/users/:id/history': (target) => ({ params: { id: target.userId } }),
  'GET /api/v1/audit/tokens/:id/history': () => ({ params: { id: randomUUID() } }),
  'GET /api/v1/audit/users/:id/as-of': (target) => ({ params: { id: target.userId }, query: { at: new Date().toISOString() } }),
  'GET /api/v1/audit/tokens/:id/as-of': (target) => ({ params: { id: target.tokenId }, query: { at: new Date().toISOString() } }),
  'POST /api/v1/audit/backfill': () => noRequest,
  'POST /api/v1/admin/read-models/:name/replay': () => ({ params: { name: 'tokens' }, body: { mode: 'compare' } }),
  'GET /api/v1/admin/read-models/:name/replay': () => ({ params: { name: 'tokens' } }),
  'POST /api/v1/tokens': (target) => ({ body: { user_id: target.serviceAccountId, name: unique('token') } }),
  'POST /api/v1/tokens (for the internal service account)': (target) => ({ body: { user_id: target.internalId, name: unique('token') } }),
  'GET /api/v1/tokens': () => ({ query: { page_size: '200' } }),
  'GET /api/v1/tokens/:id': (target) => ({ params: { id: target.tokenId } }),
  'POST /api/v1/tokens/:id/revoke': async (target) => ({ params: { id: await issueToken(target.creator, target.serviceAccountId) } }),
  'POST /api/v1/tokens/:id/disable': async (target) => ({ params: { id: await issueToken(target.creator, target.serviceAccountId) } }),
  'POST /api/v1/tokens/:id/enable': async (target) => ({ params: { id: await issueToken(target.creator, target.serviceAccountId) } }),
  'POST /api/v1/tokens/:id/enable (a token of the internal service account)': async (target) => ({ params: { id: await issueToken(target.creator, target.internalId) } }),
  // A well-formed secret no one was issued: the answer is the same as for a token that exists.
  'POST /api/v1/tokens/report-leaked': () => ({ body: { token: formatSecret('api_token', randomUUID().replace(/-/g, '')) } }),
  'POST /api/v1/secret-scanning/alerts': () => ({ body: [] }),
  'POST /api/v1/tokens/:id/rotate': async (target) => ({
    params: { id: await issueToken(target.creator, target.serviceAccountId) },
    body: { grace_period_seconds: 0 },
  }),
  'PATCH /api/v1/tokens/:id': async (target) => ({
    params: { id: await issueToken(target.creator, target.serviceAccountId) },
    body: { description: 'changed', rate_limit: { limit: 10, window_seconds: 60 } },
  }),
  'PATCH /api/v1/tokens/:id (a token of the internal service account)': async (target) => ({
    params: { id: await issueToken(target.creator, target.internalId) },
    body: { description: 'changed' },
  }),
  'POST /api/v1/tokens/:id/reassign': async (target) => ({
    params: { id: await issueToken(target.creator, target.serviceAccountId) },
    body: { user_id: target.otherServiceAccountId },
  }),
  'POST /api/v1/tokens/:id/rotate (a token of the internal service account)': async (target) => ({
    params: { id: await issueToken(target.creator, target.internalId) },
    body: { grace_period_seconds: 0 },
  }),
  'POST /api/v1/tokens/:id/reassign (to the internal service account)': async (target) => ({
    params: { id: await issueToken(target.creator, target.serviceAccountId) },
    body: { user_id: target.internalId },
  }),
  'POST /api/v1/tokens/verify': (target) => ({ body: { token: `wdn_p_${target.id.replace(/-/g, '').slice(0, 8)}` } }),
  'POST /api/v1/webhooks': () => ({ body: { url: WEBHOOK_URL, event_types: ['token.revoked'] } }),
  'GET /api/v1/webhooks': () => noRequest,
  'GET /api/v1/webhooks/:id': (target) => ({ params: { id: target.webhookId } }),
  'PATCH /api/v1/webhooks/:id': (target) => ({ params: { id: target.webhookId }, body: { description: unique('matrix') } }),
  'DELETE /api/v1/webhooks/:id': async (target) => ({ params: { id: await subscribeWebhook(target.creator) } }),
  'POST /api/v1/webhooks/:id/rotate-secret': (target) => ({ params: { id: target.webhookId } }),
  'GET /api/v1/webhooks/:id/deliveries': (target) => ({ params: { id: target.webhookId } }),
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver': async (target) => ({
    params: { id: target.webhookId, deliveryId: await webhookDeliveryOf(target) },
  }),
  'GET /api/v1/users/:id/oauth-client': (target) => ({ params: { id: target.serviceAccountId } }),
  'POST /api/v1/users/:id/client-secrets': (target) => ({ params: { id: target.serviceAccountId } }),
  'POST /api/v1/users/:id/client-secrets (for the internal service account)': (target) => ({ params: { id: target.internalId } }),
  'POST /api/v1/users/:id/client-secrets/:secretId/rotate': async (target) => ({
    params: { id: target.serviceAccountId, secretId: (await clientSecretOf(target, target.serviceAccountId)).id },
    body: { grace_period_seconds: 0 },
  }),
  'POST /api/v1/users/:id/client-secrets/:secretId/revoke': async (target) => ({
    params: { id: target.serviceAccountId, secretId: (await clientSecretOf(target, target.serviceAccountId)).id },
  }),
  'POST /api/v1/users/:id/keys': async (target) => ({ params: { id: target.serviceAccountId }, body: { jwk: await publicJwk() } }),
  'DELETE /api/v1/users/:id/keys/:keyId': async (target) => {
    const key = await expectStatus(target.creator.post<{ id: string }>(`/api/v1/users/${target.serviceAccountId}/keys`, { jwk: await publicJwk() }), 201, 'registering a key');
    return { params: { id: target.serviceAccountId, keyId: key.id } };
  },
  'POST /api/v1/users/:id/federation-rules': (target) => ({ params: { id: target.serviceAccountId }, body: federationRule() }),
  'DELETE /api/v1/users/:id/federation-rules/:ruleId': async (target) => {
    const rule = await expectStatus(target.creator.post<{ id: string }>(`/api/v1/users/${target.serviceAccountId}/federation-rules`, federationRule()), 201, 'adding a rule');
    return { params: { id: target.serviceAccountId, ruleId: rule.id } };
  },
  // The client authenticates in the form; whatever credential the caller has is not sent.
  'POST /oauth2/token': async (target) => ({
    client: new FormClient(origin),
    body: { grant_type: 'client_credentials', client_id: target.serviceAccountId, client_secret: (await clientSecretOf(target, target.serviceAccountId)).client_secret },
  }),
  'POST /oauth2/introspect': (_target, { caller }) => ({ client: formClientOf(caller), body: { token: `wdn_at_${randomUUID().slice(0, 8)}` } }),
  'POST /oauth2/revoke': (_target, { caller }) => ({ client: formClientOf(caller), body: { token: `wdn_at_${randomUUID().slice(0, 8)}` } }),
  'GET /.well-known/oauth-authorization-server': () => noRequest,
  'GET /health': () => noRequest,
  'GET /health/live': () => noRequest,
  'GET /health/ready': () => noRequest,
  'GET /metrics': () => noRequest,
  'GET /api/v1/openapi.json': () => noRequest,
  'GET /docs': () => noRequest,
  'GET /console': () => noRequest,
};

function urlOf(route: RouteAccess, request: CellRequest): string {
  const path = route.path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${route.path}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(request.query ?? {}).toString();
  return query ? `${path}?${query}` : path;
}

// A list's entries belong to an organization: an organization to itself.
function organizationsListed(route: RouteAccess, body: unknown): string[] {
  const results = (body as { results: { id: string; organization_id?: string }[] }).results;
  return results.map((entry) => (route.path === '/api/v1/organizations' ? entry.id : entry.organization_id!));
}

beforeAll(async () => {
  system = await startSystem();
  origin = new URL(system.gatewayUrl).origin;
  const platformAdmin = await logIn(system.admin);
  clients.set('platform_admin@root', platformAdmin);
  accounts.set('platform_admin@root', system.admin);
  clients.set('anonymous@-', new ApiClient(origin));
  const me = await expectStatus(platformAdmin.get<{ id: string; organization: { id: string } }>('/api/v1/users/me'), 200, 'the platform admin');
  userIds.set('platform_admin@root', me.id);
  await Promise.all([setUpTenant('A', platformAdmin), setUpTenant('B', platformAdmin)]);
  const rootInternalId = await createUser(platformAdmin, { username: unique('root-internal'), account_type: 'service_internal' });
  organizations.root = await targetsOf(me.organization.id, platformAdmin, system.admin, rootInternalId);
}, 120_000);

afterAll(async () => {
  const tally = new Map<string, number>();
  for (const { expected, passed } of walked) {
    const key = `${describeOutcome(expected)}${passed ? '' : ' (FAILED)'}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const lines = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([outcome, count]) => `  ${outcome}: ${count}`);
  console.info(`authorization matrix: ${walked.length} of ${CELLS.length} cells walked, ${walked.filter((c) => !c.passed).length} failed\n${lines.join('\n')}`);
  await system?.stop();
});

describe.each(ROUTE_ACCESS.map((route) => [routeKey(route), route] as const))('%s', (_key, route) => {
  const cells = CELLS.filter((cell) => cell.route === route);

  it.each(cells.map((cell) => [cell.name, cell] as const))('%s', async (_name, cell) => {
    const { caller, side, expected } = cell;
    const target = organizations[side === 'own' ? caller.own : caller.other];
    const request = await REQUESTS[routeKey(route) as RouteKey](target, cell);
    const client = request.client ?? clients.get(callerKey(caller))!;
    const response = await client.request(route.method, urlOf(route, request), request.body, request.headers);
    let passed = false;
    try {
      expect({ status: response.status, body: response.body }).toMatchObject({ status: typeof expected === 'number' ? expected : 200 });
      if (expected === 'own-only' || expected === 'all') {
        const listed = organizationsListed(route, response.body);
        const own = organizations[caller.own].id;
        expect(listed).toContain(own);
        if (expected === 'own-only') expect(new Set(listed)).toEqual(new Set([own]));
        else expect(listed).toContain(target.id);
      }
      passed = true;
    } finally {
      walked.push({ expected, passed });
    }
  });
});
