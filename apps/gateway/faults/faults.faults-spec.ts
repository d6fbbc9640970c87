// Faults: under a mixed load (service accounts created, tokens issued, rotated
// and revoked, tokens verified from several processes over HTTP and straight from Redis),
// each fault is injected in turn, the system recovers on its own, and then: every command
// answered with success has its event in the store and its audit record (lost: 0), the
// credential read model equals a fold of the store, nothing answered with an error left
// half an effect, no verification accepted a secret after its end was answered, and
// health said something was wrong meanwhile. NATS and Redis are servers of this run's own;
// PostgreSQL is the shared server, faulted only through this run's database.
import path from 'node:path';
import { ApiClient, PrivateNatsServer, RunningSystem, SERVICE_APPS, startPrivateNatsServer, startSystem } from '@warden/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ExtraInstance, startExtraInstance } from './support/extra-instance';
import { FaultRounds, expectReadModelsEqualToReplay, writeFigures } from './support/fault-rounds';
import { HealthWatch, readiness } from './support/health-watch';
import { MixedLoad } from './support/mixed-load';
import { PrivateRedisServer, startPrivateRedisServer } from './support/private-redis';
import { countUserStreams } from './support/system-checks';
import { VerificationPool } from './support/verification-pool';

const LOAD_LOOPS = 4;
const VERIFYING_PROCESSES = 3;
const LOOPS_PER_CHANNEL = 2;
const LOAD_BEFORE_FAULT_MS = 1500;
const LOAD_AFTER_RECOVERY_MS = 1500;
const NATS_DOWN_MS = 10_000;
const POSTGRES_BLOCKED_MS = 3000;
const RELIABILITY_FILE = path.resolve(__dirname, '../../../RELIABILITY.md');

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
let rounds: FaultRounds;

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
  rounds = new FaultRounds({
    load,
    loadLoops: LOAD_LOOPS,
    verifiers,
    health,
    pg: () => pg,
    redis,
    keyPrefix: system.env.REDIS_KEY_PREFIX!,
    usersBefore,
    loadBeforeFaultMs: LOAD_BEFORE_FAULT_MS,
    loadAfterRecoveryMs: LOAD_AFTER_RECOVERY_MS,
    notReady: async () => {
      const seen = await Promise.all(SERVICE_APPS.map(async (app) => [app, await readiness(system, app)] as const));
      return seen.filter(([, status]) => status !== 'ok' && status !== 'degraded').map(([app, status]) => ({ instance: `${app}: ${status}`, logs: system.logs(app) }));
    },
  });
  load.start(LOAD_LOOPS);
}, 120_000);

afterAll(async () => {
  await load?.pause();
  const final = verifiersStopped ?? (await verifiers?.stop());
  verifiers?.kill();
  await health?.stop();
  if ((rounds?.rows.length ?? 0) > 0 && final) report(final.counts.verifications);
  await pg?.end().catch(() => undefined);
  redis?.disconnect();
  await system?.stop();
  await redisServer?.stop();
  await nats?.dispose();
}, 120_000);

/** A fresh connection for the test's own queries (the old one closed, dead or not). */
async function reconnectTestClient(): Promise<void> {
  await pg.end().catch(() => undefined);
  pg = new Client({ connectionString: system.env.DATABASE_URL });
  pg.on('error', () => undefined);
  await pg.connect();
}

describe('faults under a mixed load', () => {
  for (const app of SERVICE_APPS) {
    it(`survives kill -9 of the ${app}, restarted`, async () => {
      await rounds.underLoad(
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
    await rounds.underLoad(
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
    await rounds.underLoad(
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
      await rounds.underLoad(
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
      await rounds.underLoad(
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
    // A quiet system: no more commands or verifications (their last uses settle meanwhile).
    await load.pause();
    verifiersStopped = await verifiers.stop();
    await expectReadModelsEqualToReplay(system);
  });
});

function report(verifications: number): void {
  const lines = rounds.summary(verifications);
  console.log(`fault tier summary (${new Date().toISOString()})\n${lines.join('\n')}`);
  writeFigures(RELIABILITY_FILE, 'faults', lines);
}
