// Faults: under a mixed load (service accounts created, tokens issued, rotated
// and revoked, tokens verified from several processes over HTTP and straight from Redis),
// each fault is injected in turn, the system recovers on its own, and then: every command
// answered with success has its event in the store and its audit record (lost: 0), the
// credential read model equals a fold of the store, nothing answered with an error left
// half an effect, no verification accepted a secret after its end was answered, and
// health said something was wrong meanwhile. NATS and Redis are servers of this run's own;
// PostgreSQL is the shared server, faulted only through this run's database.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, PrivateNatsServer, RunningSystem, SERVICE_APPS, ServiceApp, pollUntil, startPrivateNatsServer, startSystem } from '@warden/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ExtraInstance, startExtraInstance } from './support/extra-instance';
import { HealthWatch, readiness } from './support/health-watch';
import { MixedLoad } from './support/mixed-load';
import { PrivateRedisServer, startPrivateRedisServer } from './support/private-redis';
import { checkLedger, countUserStreams, credentialReadModelDifferences, eventsMissingFromAudit } from './support/system-checks';
import { VerificationPool } from './support/verification-pool';

const LOAD_LOOPS = 4;
const VERIFYING_PROCESSES = 3;
const LOOPS_PER_CHANNEL = 2;
const LOAD_BEFORE_FAULT_MS = 1500;
const LOAD_AFTER_RECOVERY_MS = 1500;
const NATS_DOWN_MS = 10_000;
const POSTGRES_BLOCKED_MS = 3000;
const RELIABILITY_FILE = path.resolve(__dirname, '../../../RELIABILITY.md');

interface FaultRow {
  fault: string;
  commands: number;
  succeeded: number;
  errors: string;
  hung: number;
  lost: number;
  appliedDespiteError: number;
  falseAccepts: number;
  recoveredMs: number;
  health: string;
}

let nats: PrivateNatsServer;
let redisServer: PrivateRedisServer;
let system: RunningSystem;
let pg: Client;
let redis: Redis;
let verifiers: VerificationPool;
let verifiersStopped: Awaited<ReturnType<VerificationPool['stop']>> | undefined;
let load: MixedLoad;
let health: HealthWatch;
let usersBefore: number;
let database: string;
let gatewayUrls: string[];
const rows: FaultRow[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  nats = await startPrivateNatsServer();
  redisServer = await startPrivateRedisServer();
  system = await startSystem({ NATS_URL: nats.url, REDIS_URL: redisServer.url, NATS_REQUEST_TIMEOUT_MS: '3000' });
  database = new URL(system.env.DATABASE_URL!).pathname.slice(1);
  pg = new Client({ connectionString: system.env.DATABASE_URL });
  pg.on('error', () => undefined);
  await pg.connect();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  usersBefore = await countUserStreams(pg);
  const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  gatewayUrls = [system.gatewayUrl];
  verifiers = await VerificationPool.start({
    processes: VERIFYING_PROCESSES,
    loopsPerChannel: LOOPS_PER_CHANNEL,
    gatewayUrl: system.gatewayUrl,
    redisUrl: redisServer.url,
    keyPrefix: system.env.REDIS_KEY_PREFIX!,
  });
  load = new MixedLoad(() => gatewayUrls, admin.credential!.key, verifiers);
  health = new HealthWatch(system);
  load.start(LOAD_LOOPS);
}, 120_000);

afterAll(async () => {
  await load?.pause();
  const final = verifiersStopped ?? (await verifiers?.stop());
  verifiers?.kill();
  await health?.stop();
  if (rows.length > 0 && final) report(final.counts.verifications);
  await pg?.end().catch(() => undefined);
  redis?.disconnect();
  await system?.stop();
  await redisServer?.stop();
  await nats?.dispose();
}, 120_000);

/** Waits until every app (the first instance of each) is ready again (ok, or degraded and serving); the time it took. */
async function recovered(since: number): Promise<number> {
  let notReady: string[] = [];
  await pollUntil(
    async () => {
      const seen = await Promise.all(SERVICE_APPS.map(async (app) => [app, await readiness(system, app)] as const));
      notReady = seen.filter(([, status]) => status !== 'ok' && status !== 'degraded').map(([app, status]) => `${app}: ${status}`);
      return notReady.length === 0;
    },
    'every app to be ready again',
    60_000,
    100,
  ).catch((error: unknown) => {
    // which app, and what it last logged: the failure names its cause
    const logs = notReady.map((entry) => `${entry}\n${system.logs(entry.slice(0, entry.indexOf(':')) as ServiceApp).slice(-8).join('\n')}`);
    throw new Error(`${String(error)}; not ready: ${notReady.join(', ')}\n${logs.join('\n')}`);
  });
  return Date.now() - since;
}

/** A fresh connection for the test's own queries (the old one closed, dead or not). */
async function reconnectTestClient(): Promise<void> {
  await pg.end().catch(() => undefined);
  pg = new Client({ connectionString: system.env.DATABASE_URL });
  pg.on('error', () => undefined);
  await pg.connect();
}

/** Runs a fault under load, lets the system recover, then checks everything and records a row. */
async function underLoad(fault: string, inject: () => Promise<void>, expectTrouble: Partial<Record<ServiceApp, true>>): Promise<void> {
  const firstOutcome = load.outcomes.length;
  load.start(LOAD_LOOPS);
  await sleep(LOAD_BEFORE_FAULT_MS);
  health.reset();
  const injected = Date.now();
  await inject();
  const recoveredMs = await recovered(injected);
  const trouble = Object.fromEntries(SERVICE_APPS.map((app) => [app, health.trouble(app)]));
  await sleep(LOAD_AFTER_RECOVERY_MS);
  await load.pause();

  // the audit service catches up on its own, and the read model is right, within bounds
  let missing = -1;
  await pollUntil(async () => (missing = await eventsMissingFromAudit(pg)) === 0, 'the audit log to hold every stored event', 30_000, 250).catch(() => undefined);
  let differences: string[] = [];
  await pollUntil(async () => (differences = await credentialReadModelDifferences(pg, redis, system.env.REDIS_KEY_PREFIX!)).length === 0, 'the read model to equal the store', 20_000, 250).catch(() => undefined);
  const ledger = await checkLedger(pg, load, usersBefore);
  const { falseAccepts } = await verifiers.counts();

  const outcomes = load.outcomes.slice(firstOutcome);
  const errors = new Map<string, number>();
  for (const outcome of outcomes.filter((o) => !o.ok)) {
    const label = outcome.status === 0 ? (outcome.hung ? 'hung' : 'no connection') : `${outcome.status} ${outcome.code ?? '(no code)'}`;
    errors.set(label, (errors.get(label) ?? 0) + 1);
  }
  rows.push({
    fault,
    commands: outcomes.length,
    succeeded: outcomes.filter((o) => o.ok).length,
    errors: [...errors].map(([label, n]) => `${label}: ${n}`).join(', ') || 'none',
    hung: outcomes.filter((o) => o.hung).length,
    lost: ledger.lost.length + Math.max(0, missing),
    appliedDespiteError: ledger.appliedDespiteError,
    falseAccepts: falseAccepts.length,
    recoveredMs,
    health: SERVICE_APPS.map((app) => `${app}: ${trouble[app]!.join('/') || 'ok'}`).join('; '),
  });

  expect(ledger.lost).toEqual([]);
  expect(missing).toBe(0);
  expect(differences).toEqual([]);
  expect(falseAccepts).toEqual([]);
  // an error answer is a problem document with a code, or no connection (a gateway down), never a hang
  expect(outcomes.filter((o) => o.hung)).toEqual([]);
  expect(outcomes.filter((o) => !o.ok && o.status !== 0 && (o.status < 400 || o.code === null))).toEqual([]);
  // load went on after recovery
  expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(0);
  for (const app of Object.keys(expectTrouble) as ServiceApp[]) expect({ app, trouble: trouble[app]!.length > 0 }).toEqual({ app, trouble: true });
}

describe('faults under a mixed load', () => {
  for (const app of SERVICE_APPS) {
    it(`survives kill -9 of the ${app}, restarted`, async () => {
      await underLoad(
        `kill -9 ${app}, restarted after 1 s`,
        async () => {
          await system.kill(app, 'SIGKILL');
          await sleep(1000);
          await system.start(app).catch((error: unknown) => {
            throw new Error(`${String(error)}\n${system.logs(app).slice(-10).join('\n')}`);
          });
        },
        { [app]: true },
      );
    });
  }

  it('survives NATS stopped for 10 s and started again', async () => {
    await underLoad(
      'NATS stopped for 10 s',
      async () => {
        await nats.stop();
        await sleep(NATS_DOWN_MS);
        await nats.start();
      },
      { gateway: true, 'users-service': true, 'tokens-service': true, 'audit-service': true },
    );
  });

  it('survives Redis restarted empty', async () => {
    await underLoad(
      'Redis restarted empty',
      async () => {
        await redisServer.stop();
        await sleep(1000);
        await redisServer.start();
      },
      { gateway: true, 'users-service': true, 'tokens-service': true, 'audit-service': true },
    );
  });

  it("survives the PostgreSQL connections cut and the database refusing connections for 3 s", async () => {
    const admin = new Client({ connectionString: system.env.DATABASE_URL!.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    try {
      await underLoad(
        'PostgreSQL connections cut, refused for 3 s',
        async () => {
          await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
          await sleep(POSTGRES_BLOCKED_MS);
          await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
          // this test's own connection was cut too: the checks after recovery need a live one
          await reconnectTestClient();
        },
        { 'users-service': true, 'tokens-service': true, 'audit-service': true },
      );
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await reconnectTestClient();
    }
  });

  it('keeps serving with two instances of every app when one of each is killed', async () => {
    const extras: ExtraInstance[] = [];
    try {
      for (const app of SERVICE_APPS) extras.push(await startExtraInstance(system, app));
      gatewayUrls = [system.gatewayUrl, extras.find((extra) => extra.app === 'gateway')!.apiUrl];
      let servedWhileDown = 0;
      await underLoad(
        'two instances of each app, one of each killed -9',
        async () => {
          const before = load.succeeded();
          await Promise.all(SERVICE_APPS.map((app) => system.kill(app, 'SIGKILL')));
          await sleep(3000);
          servedWhileDown = load.succeeded() - before;
          for (const app of SERVICE_APPS) await system.start(app);
        },
        { gateway: true, 'users-service': true, 'tokens-service': true, 'audit-service': true },
      );
      // the second instances answered while the first ones were down
      expect(servedWhileDown).toBeGreaterThan(0);
    } finally {
      gatewayUrls = [system.gatewayUrl];
      for (const extra of extras) await extra.kill();
    }
  });

  // The read models' comparison check, after all the faults above: each read model equals a fresh
  // replay of the event stores, as its owning service compares them.
  it('leaves every read model equal to a fresh replay of the event stores', async () => {
    // A quiet system: no more verifications, and their last uses flushed into TokenUsed events
    // (gateways every TOKEN_LAST_USED_FLUSH_MS, the tokens service every TOKEN_USE_FLUSH_INTERVAL_MS).
    await load.pause();
    verifiersStopped = await verifiers.stop();
    await sleep(12_000);
    const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
    for (const name of ['tokens', 'users-listing', 'audit-log']) {
      const started = await admin.post<{ replay_id: string }>(`/admin/read-models/${name}/replay`, { mode: 'compare' });
      expect(started.status).toBe(200);
      let run: { replay_id: string; state: string; report: { compared: number; differences: unknown[] } | null } | null = null;
      await pollUntil(
        async () => {
          run = (await admin.get<{ replay: typeof run }>(`/admin/read-models/${name}/replay`)).body.replay;
          return run !== null && run.replay_id === started.body.replay_id && run.state !== 'running';
        },
        `the ${name} compare to finish`,
        120_000,
        250,
      );
      expect({ name, state: run!.state, differences: run!.report?.differences }).toEqual({ name, state: 'succeeded', differences: [] });
      expect(run!.report!.compared).toBeGreaterThan(0);
    }
  });
});

function report(verifications: number): void {
  const total = (pick: (row: FaultRow) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
  const lines = [
    `Faults injected: ${rows.length}; commands under load: ${total((r) => r.commands)} (${total((r) => r.succeeded)} succeeded); ` +
      `verifications: ${verifications}; lost: ${total((r) => r.lost)}; false accepts: ${total((r) => r.falseAccepts)}; ` +
      `hung: ${total((r) => r.hung)}; errors applied in full: ${total((r) => r.appliedDespiteError)}`,
    '',
    '| fault | commands | succeeded | errors answered | lost | false accepts | back to ok (ms) | health meanwhile |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.fault} | ${r.commands} | ${r.succeeded} | ${r.errors} | ${r.lost} | ${r.falseAccepts} | ${r.recoveredMs} | ${r.health} |`),
  ];
  console.log(`fault tier summary (${new Date().toISOString()})\n${lines.join('\n')}`);
  try {
    const current = readFileSync(RELIABILITY_FILE, 'utf8');
    const start = '<!-- faults:start -->';
    const end = '<!-- faults:end -->';
    const from = current.indexOf(start);
    const to = current.indexOf(end);
    if (from < 0 || to < from) return;
    const figures = `${start}\nLast run: ${new Date().toISOString().slice(0, 10)}.\n\n${lines.join('\n')}\n${end}`;
    writeFileSync(RELIABILITY_FILE, current.slice(0, from) + figures + current.slice(to + end.length));
  } catch {
    // figures still printed above
  }
}
