// Bad input: property-based requests over every route the gateway serves against the
// four services running as processes. Every answer must be a 4xx RFC 7807 problem document
// (never a 5xx, never another shape), and the refused requests together must leave the
// event stores, the audit log and the Redis read models exactly as they were.
// FUZZ_RUNS (default 40) is the number of inputs per route and family; FUZZ_SEED replays a run.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import fc from 'fast-check';
import { ApiClient, RedisValueDump, RunningSystem, TEST_REDIS_URL, dumpRedisPrefix, startSystem } from '@warden/testing';
import { verificationCacheKeys } from '@warden/contracts';
import { RouteAccess, SERVED_ROUTES, routeKey } from '../e2e/route-access';
import {
  damagedSecret,
  deeplyNested,
  forgedSecret,
  headerSafe,
  hostileJson,
  hostileString,
  malformedJson,
  originVariants,
  unknownKey,
} from './hostile-input';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 40);
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const BODY_LIMIT = 64 * 1024;
const ALLOWED_ORIGIN = 'https://shop.fuzz.example';
const STRONG = 'plinth-orbit-cascade-47';

/** Routes whose body is a DTO (validated, unknown fields refused), with a valid sample to break. */
const BODY_SAMPLES: Partial<Record<string, Record<string, unknown>>> = {
  'POST /api/v1/auth/login': { username: 'nobody@fuzz', password: 'not-a-password-1' },
  'POST /api/v1/organizations': { name: 'Fuzzed Org' },
  'PATCH /api/v1/organizations/:id': { name: 'Fuzzed Org' },
  'POST /api/v1/users': { username: 'fuzzed@corp', account_type: 'service_external', password: STRONG },
  'PATCH /api/v1/users/:id': { first_name: 'Fuzz' },
  'POST /api/v1/teams': { name: 'fuzzed team' },
  'PATCH /api/v1/teams/:id': { name: 'fuzzed team' },
  'POST /api/v1/teams/:id/members': { user_id: randomUUID() },
  'POST /api/v1/roles': { name: 'FUZZ_ROLE', display_name: 'Fuzz', permissions: ['teams:read'] },
  'POST /api/v1/tokens': { user_id: randomUUID(), name: 'fuzzed' },
  'POST /api/v1/tokens/:id/rotate': { grace_period_seconds: 0 },
  'POST /api/v1/tokens/:id/reassign': { user_id: randomUUID() },
  'PATCH /api/v1/tokens/:id': { description: 'fuzzed', rate_limit: { limit: 10, window_seconds: 60 } },
  'POST /api/v1/tokens/verify': { token: 'wdn_p_x' },
  'POST /api/v1/tokens/report-leaked': { token: 'wdn_p_x' },
};
/** Numeric fields turned from strings (class-transformer): a boolean or ['5'] would still be a number. */
const NUMERIC_FIELDS = new Set(['grace_period_seconds']);

/** GET routes that validate their query (unknown parameters refused). */
const QUERY_ROUTES = new Set([
  'GET /api/v1/organizations',
  'GET /api/v1/users',
  'GET /api/v1/teams',
  'GET /api/v1/roles',
  'GET /api/v1/audit/events',
  'GET /api/v1/audit/export',
  'GET /api/v1/audit/verify',
  'GET /api/v1/audit/users/:id/history',
  'GET /api/v1/audit/tokens/:id/history',
  'GET /api/v1/audit/users/:id/as-of',
  'GET /api/v1/audit/tokens/:id/as-of',
  'GET /api/v1/tokens',
]);
const QUERY_NAMES = ['page', 'page_size', 'owner', 'status', 'organization_id', 'account_id', 'limit', 'cursor', 'from', 'to', 'order', 'at', 'sort', 'team', 'role'];


let system: RunningSystem;
let origin: string;
let session: string;
const fixture: Record<'organization' | 'user' | 'team' | 'token', string> = { organization: '', user: '', team: '', token: '' };
/** Credentials that must not authenticate anything. */
const dead: Record<'expired' | 'revoked' | 'rotatedOut' | 'loggedOut', string> = { expired: '', revoked: '', rotatedOut: '', loggedOut: '' };
let publicToken: string;
const tried = new Map<string, number>();

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function send(route: RouteAccess, request: Sent): Promise<{ status: number; contentType: string; text: string }> {
  tried.set(routeKey(route), (tried.get(routeKey(route)) ?? 0) + 1);
  const response = await fetch(`${origin}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** The property every refused request must hold: a 4xx problem document with a code. */
async function expectRefused(route: RouteAccess, request: Sent, statuses?: readonly number[]): Promise<void> {
  const { status, contentType, text } = await send(route, request);
  let problem: { status?: unknown; code?: unknown } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // reported below
  }
  const ok =
    status >= 400 &&
    status < 500 &&
    (statuses === undefined || statuses.includes(status)) &&
    contentType.startsWith('application/problem+json') &&
    problem.status === status &&
    typeof problem.code === 'string';
  if (!ok) {
    const shown = JSON.stringify({ ...request, body: request.body?.slice(0, 300) });
    throw new Error(`${routeKey(route)} answered ${status} ${contentType} ${text.slice(0, 300)} to ${shown}`);
  }
}

const fill = (path: string, params: Record<string, string>) => path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? randomUUID());

/** Real ids, so that only the body can be at fault. */
function realParams(path: string): Record<string, string> {
  if (path.startsWith('/api/v1/organizations')) return { id: fixture.organization };
  if (path.startsWith('/api/v1/users')) return { id: fixture.user };
  if (path.startsWith('/api/v1/teams')) return { id: fixture.team, userId: fixture.user };
  if (path.startsWith('/api/v1/tokens')) return { id: fixture.token };
  return {};
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = { 'content-type': 'application/json' };
const bodyFor = (route: RouteAccess) => (route.method === 'POST' || route.method === 'PATCH' ? '{}' : undefined);
const assertProperty = <T>(property: fc.IAsyncPropertyWithHooks<T>) => fc.assert(property, { numRuns: RUNS, seed: SEED });

/**
 * What a refused request writes on purpose: a failed login is an event (and so an audit
 * record), as its throttle counters are in Redis. Everything else must stay as it was.
 */
const DELIBERATE_RECORDS: Partial<Record<string, string>> = {
  events: `type = 'LoginFailed'`,
  audit_records: `event_type = 'LoginFailed'`,
};

/** Where the audit backfill has read each store to: it moves on with time, whatever is requested. */
const READING_POSITIONS = new Set(['audit.audit_backfill_checkpoints']);

async function rowCounts(): Promise<Record<string, number>> {
  const client = new Client({ connectionString: system.env['DATABASE_URL'] });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const counts: Record<string, number> = {};
    for (const { schema, name } of tables) {
      if (READING_POSITIONS.has(`${schema}.${name}`)) continue;
      const deliberate = DELIBERATE_RECORDS[name] ?? 'false';
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${name}" WHERE NOT (${deliberate})`);
      counts[`${schema}.${name}`] = Number(rows[0]!.n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** The types of the events each store gained since `counts`, to name what a refused request wrote. */
async function eventsAppendedSince(counts: Record<string, number>): Promise<string[]> {
  const client = new Client({ connectionString: system.env['DATABASE_URL'] });
  await client.connect();
  try {
    const appended: string[] = [];
    for (const table of Object.keys(counts).filter((name) => name.endsWith('.events'))) {
      const [schema] = table.split('.');
      const { rows } = await client.query<{ type: string; stream_id: string }>(
        `SELECT type, stream_id FROM "${schema}".events WHERE NOT (${DELIBERATE_RECORDS['events']}) ORDER BY global_position OFFSET $1`,
        [counts[table]],
      );
      appended.push(...rows.map((row) => `${schema}: ${row.type} ${row.stream_id}`));
    }
    return appended;
  } finally {
    await client.end();
  }
}

async function redisState(): Promise<Record<string, RedisValueDump>> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    // Failed logins are counted on purpose (throttling), whoever sends them; the verification
    // caches renew their leases all along (the invalidation log is compared: a refused request
    // must not write there either).
    const leases = verificationCacheKeys(system.env['REDIS_KEY_PREFIX']!).holders;
    return await dumpRedisPrefix(redis, system.env['REDIS_KEY_PREFIX']!, { exclude: (key) => key.includes(':login-throttle:') || key === leases });
  } finally {
    redis.disconnect();
  }
}

async function settledState() {
  let previous = JSON.stringify([await rowCounts(), await redisState()]);
  for (let attempt = 0; attempt < 30; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const current = JSON.stringify([await rowCounts(), await redisState()]);
    if (current === previous) return JSON.parse(current) as [Record<string, number>, Record<string, RedisValueDump>];
    previous = current;
  }
  throw new Error('the system did not settle');
}

let before: [Record<string, number>, Record<string, RedisValueDump>];

beforeAll(async () => {
  system = await startSystem({
    LOGIN_MAX_FAILURES_PER_USERNAME: '1000000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
    TOKEN_USE_FLUSH_INTERVAL_MS: '200',
    TOKEN_LAST_USED_FLUSH_MS: '100',
    // The expiry scheduler writes of its own accord (the expiring token below would get its
    // TokenExpired mid-run), not in answer to any input: it takes no turn during this test.
    EXPIRY_SCHEDULER_INTERVAL_MS: String(24 * 60 * 60 * 1000),
  });
  origin = new URL(system.gatewayUrl).origin;
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Fuzz Corp' });
  fixture.organization = tenant.body.id;
  await platformAdmin.post('/users', {
    username: 'fuzz.admin@corp',
    account_type: 'user',
    password: STRONG,
    organization: fixture.organization,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  const admin = await ApiClient.login(system.gatewayUrl, 'fuzz.admin@corp', STRONG);
  session = admin.credential!.key;
  const account = await admin.post<{ id: string }>('/users', { username: 'fuzz-robot@corp', account_type: 'service_external', password: STRONG });
  fixture.user = account.body.id;
  fixture.team = (await admin.post<{ id: string }>('/teams', { name: 'fuzzers' })).body.id;
  const issue = (extra: Record<string, unknown> = {}) =>
    admin.post<{ id: string; token: string }>('/tokens', { user_id: fixture.user, name: 'fuzz', ...extra }).then((r) => r.body);
  fixture.token = (await issue()).id;
  const revoked = await issue();
  await admin.post(`/tokens/${revoked.id}/revoke`);
  dead.revoked = revoked.token;
  const rotated = await issue();
  await admin.post(`/tokens/${rotated.id}/rotate`, { grace_period_seconds: 0 });
  dead.rotatedOut = rotated.token;
  const expiring = await issue({ expires_at: new Date(Date.now() + 3000).toISOString() });
  dead.expired = expiring.token;
  publicToken = (await issue({ visibility: 'public', allowed_origins: [ALLOWED_ORIGIN] })).token;
  const robot = await ApiClient.login(system.gatewayUrl, 'fuzz-robot@corp', STRONG);
  await robot.post('/auth/logout');
  dead.loggedOut = robot.credential!.key;
  for (const [name, value] of Object.entries({ ...fixture, ...dead, publicToken })) expect([name, value.length > 0]).toEqual([name, true]);
  // the public token works from its origin, and the expiring one has expired, before any input is tried
  const fromOrigin = await fetch(`${origin}/api/v1/users/me`, { headers: { 'x-api-key': publicToken, origin: ALLOWED_ORIGIN } });
  expect(fromOrigin.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 3500)); // the expiring token's 3 s are over
  before = await settledState();
}, 180_000);

afterAll(async () => {
  const lines = SERVED_ROUTES.map((route) => `  ${routeKey(route).padEnd(44)} ${String(tried.get(routeKey(route)) ?? 0).padStart(6)}`);
  const total = [...tried.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`\nfuzz: inputs tried per route (FUZZ_RUNS=${RUNS})\n${lines.join('\n')}\n  ${'total'.padEnd(44)} ${String(total).padStart(6)}\n`);
  await system?.stop();
});

/** Public routes answer an anonymous caller with something other than 401. */
const isPublic = (route: RouteAccess) => route.access.anonymous[0] !== 401;
const authenticated = SERVED_ROUTES.filter((route) => !isPublic(route));
const withParams = SERVED_ROUTES.filter((route) => route.path.includes(':'));
const withBody = SERVED_ROUTES.filter((route) => BODY_SAMPLES[routeKey(route)] !== undefined);
const withQuery = SERVED_ROUTES.filter((route) => QUERY_ROUTES.has(routeKey(route)));
const publicReads = SERVED_ROUTES.filter((route) => isPublic(route) && route.method === 'GET');

describe('missing, malformed, forged, expired and revoked credentials: 401 problem', () => {
  const credential = () =>
    fc.oneof(
      fc.constant({}),
      forgedSecret.map((secret) => bearer(secret)),
      forgedSecret.map((secret) => ({ 'x-api-key': secret })),
      fc.constantFrom<keyof typeof dead>('expired', 'revoked', 'rotatedOut', 'loggedOut').map((name) => bearer(dead[name])),
      fc.constantFrom<keyof typeof dead>('expired', 'revoked', 'rotatedOut', 'loggedOut').map((name) => ({ 'x-api-key': dead[name] })),
      damagedSecret(session).map((secret) => bearer(secret)),
      damagedSecret(publicToken).map((secret) => ({ 'x-api-key': secret })),
      fc.constant({ 'x-api-key': publicToken }), // a public token without its Origin
      fc.constant({ ...bearer(session), 'x-api-key': publicToken }), // two credentials that disagree
      fc
        .tuple(fc.constantFrom('', 'Bearer ', 'bearer ', 'Basic ', 'Token ', 'Bearer\t', 'Digest '), hostileString)
        .map(([scheme, junk]) => ({ authorization: headerSafe(`${scheme}${junk}`) })),
      hostileString.map((junk) => ({ 'x-api-key': headerSafe(junk) })),
    );
  it.each(authenticated.map((route) => [routeKey(route), route] as const))('%s', async (_key, route) => {
    await assertProperty(
      fc.asyncProperty(credential(), async (headers) => {
        const body = bodyFor(route);
        await expectRefused(route, { method: route.method, path: fill(route.path, {}), headers: { ...(body ? json : {}), ...headers }, body }, [401]);
      }),
    );
  });
});

describe('hostile path parameters: 4xx problem', () => {
  const parameter = fc
    .oneof(
      hostileString.filter((value) => value.length > 0).map((value) => {
        try {
          return encodeURIComponent(value);
        } catch {
          return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'));
        }
      }),
      fc.constantFrom('%', '%C0%AF', '%ZZ', '%E0%80', '%FF', '%u0041', '%%', '%2e%2e%2f'),
    )
    .filter((value) => !/^(\.|%2e){1,2}$/i.test(value) && value !== 'me' && !/^WARDEN_/.test(value) && !/^[0-9a-f-]{36}$/i.test(value));
  it.each(withParams.map((route) => [routeKey(route), route] as const))('%s', async (_key, route) => {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
    await assertProperty(
      fc.asyncProperty(fc.array(parameter, { minLength: names.length, maxLength: names.length }), async (values) => {
        const params = Object.fromEntries(names.map((name, i) => [name, values[i]!]));
        const body = bodyFor(route);
        await expectRefused(route, { method: route.method, path: fill(route.path, params), headers: { ...bearer(session), ...(body ? json : {}) }, body });
      }),
    );
  });
});

describe('hostile bodies: 4xx problem', () => {
  const wrongType = (field: string) =>
    NUMERIC_FIELDS.has(field)
      ? fc.oneof(fc.dictionary(unknownKey, fc.integer(), { minKeys: 1 }), hostileString.filter((s) => Number.isNaN(Number(s)) && s.trim() !== ''))
      : fc.oneof(fc.integer(), fc.boolean(), fc.dictionary(unknownKey, fc.integer(), { minKeys: 1 }), fc.array(fc.integer(), { minLength: 2 }));
  const body = (sample: Record<string, unknown>) => {
    const fields = Object.keys(sample);
    return fc.oneof(
      malformedJson.map((text) => ({ kind: 'malformed JSON', text, type: 'application/json' })),
      fc.oneof(fc.array(hostileJson), fc.integer(), hostileString, fc.boolean(), fc.constant(null)).map((value) => ({ kind: 'not an object', text: JSON.stringify(value), type: 'application/json' })),
      fc
        .tuple(fc.dictionary(fc.constantFrom(...fields), hostileJson), unknownKey, hostileJson)
        .map(([known, extra, value]) => ({ kind: 'extra field', text: JSON.stringify({ ...sample, ...known, [extra]: value }), type: 'application/json' })),
      fc
        .tuple(fc.constantFrom(...fields), deeplyNested)
        .map(([field, nested]) => ({ kind: 'deep nesting', text: `{${JSON.stringify(field)}:${nested}}`, type: 'application/json' })),
      fc
        .constantFrom(...fields)
        .chain((field) => wrongType(field).map((value) => ({ kind: 'wrong type', text: JSON.stringify({ ...sample, [field]: value }), type: 'application/json' }))),
      fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 4 }).map((size) => ({ kind: 'huge', text: JSON.stringify({ ...sample, [fields[0]!]: 'x'.repeat(size) }), type: 'application/json' })),
      fc
        .tuple(
          fc.constantFrom('text/plain', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/json-patch+json', 'APPLICATION/JSON', 'application/json; charset=latin1'),
          unknownKey,
        )
        .map(([type, extra]) => ({
          kind: 'wrong content type',
          text: type === 'application/x-www-form-urlencoded' ? `${extra}=1&${fields[0]}=x` : JSON.stringify({ ...sample, [extra]: 1 }),
          type,
        })),
    );
  };
  it.each(withBody.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const credential = key === 'POST /api/v1/auth/login' ? {} : bearer(session);
    await assertProperty(
      fc.asyncProperty(body(BODY_SAMPLES[key]!), async ({ text, type }) => {
        await expectRefused(route, { method: route.method, path: fill(route.path, realParams(route.path)), headers: { ...credential, 'content-type': type }, body: text });
      }),
    );
  });

  it('POST /api/v1/auth/login: injection and Unicode in the username and password get 401', async () => {
    const route = SERVED_ROUTES.find((r) => routeKey(r) === 'POST /api/v1/auth/login')!;
    await assertProperty(
      fc.asyncProperty(hostileString, hostileString, async (username, password) => {
        await expectRefused(route, { method: 'POST', path: route.path, headers: json, body: JSON.stringify({ username, password }) }, [400, 401]);
      }),
    );
  });
});

describe('hostile query strings: 400 problem', () => {
  const query = fc.tuple(fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), hostileString), { maxLength: 4 }), unknownKey, hostileString);
  it.each(withQuery.map((route) => [routeKey(route), route] as const))('%s', async (_key, route) => {
    await assertProperty(
      fc.asyncProperty(query, async ([known, extra, value]) => {
        const search = new URLSearchParams();
        for (const [name, v] of [...known, [extra, value] as const]) search.append(name, v.replace(/[\ud800-\udfff]/g, '?'));
        await expectRefused(route, { method: 'GET', path: `${fill(route.path, realParams(route.path))}?${search}`, headers: bearer(session) }, [400]);
      }),
    );
  });
});

describe('public read routes (health, docs): other methods get a 4xx problem', () => {
  it.each(publicReads.map((route) => [routeKey(route), route] as const))('%s', async (_key, route) => {
    await assertProperty(
      fc.asyncProperty(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), hostileJson, async (method, value) => {
        await expectRefused(route, { method, path: route.path, headers: json, body: JSON.stringify(value) });
      }),
    );
  });
});

describe('a public token from any origin but its own', () => {
  const me = SERVED_ROUTES.find((r) => routeKey(r) === 'GET /api/v1/users/me')!;
  const verify = SERVED_ROUTES.find((r) => routeKey(r) === 'POST /api/v1/tokens/verify')!;

  it('authenticates nothing: 401 problem', async () => {
    await assertProperty(
      fc.asyncProperty(originVariants(ALLOWED_ORIGIN), async (variant) => {
        await expectRefused(me, { method: 'GET', path: me.path, headers: { 'x-api-key': publicToken, origin: variant } }, [401]);
      }),
    );
  });

  it('is inactive to introspection', async () => {
    await assertProperty(
      fc.asyncProperty(originVariants(ALLOWED_ORIGIN), async (variant) => {
        const answer = await send(verify, { method: 'POST', path: verify.path, headers: { ...bearer(session), ...json }, body: JSON.stringify({ token: publicToken, origin: variant }) });
        expect([variant, answer.status, (JSON.parse(answer.text) as { active: boolean }).active]).toEqual([variant, 200, false]);
      }),
    );
  });
});

describe('after every refused request', () => {
  it('the event stores, the audit log and the Redis read models are unchanged', async () => {
    const after = await settledState();
    const appended = await eventsAppendedSince(before[0]);
    expect({ counts: after[0], appended }).toEqual({ counts: before[0], appended: [] });
    expect(after[1]).toEqual(before[1]);
  });
});
