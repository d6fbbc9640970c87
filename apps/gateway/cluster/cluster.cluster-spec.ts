// The system on clusters, under the fault tier's mixed load: a Redis Cluster of six
// redis-server processes (three masters, a replica each), a NATS cluster of three nodes with
// the events stream at three replicas, and two instances of every app on them, all started
// by this run on ports of its own (PostgreSQL is the shared server, in a database of the
// run's own). Faults: the Redis master of the verification keys' slot killed -9 (until its
// replica is promoted, then started again as a replica), the events stream's NATS leader
// killed -9 and started again, and one instance of each app killed -9 and started again.
// After each, the fault tier's checks: nothing answered as done lost, no partial effect, the
// credential read model equal to the store, no accept after a revocation was answered, every
// instance ready again on its own; at the end every read model equals a fresh replay.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RedisClient, createRedisClient, parseRedisNodeAddress } from '@warden/redis';
import { ApiClient, LocalRedisCluster, NatsCluster, RunningSystem, SERVICE_APPS, pollUntil, startNatsCluster, startRedisCluster, startSystem } from '@warden/testing';
import { NatsConnection, connect } from 'nats';
import { Client } from 'pg';
import { ExtraInstance, startExtraInstance } from '../faults/support/extra-instance';
import { FaultRounds, expectReadModelsEqualToReplay, writeFigures } from '../faults/support/fault-rounds';
import { HealthWatch, readiness, readinessAt } from '../faults/support/health-watch';
import { MixedLoad } from '../faults/support/mixed-load';
import { countUserStreams } from '../faults/support/system-checks';
import { VerificationPool } from '../faults/support/verification-pool';

const LOAD_LOOPS = 4;
const VERIFYING_PROCESSES = 2;
const LOOPS_PER_CHANNEL = 2;
/** How long a killed NATS node and the killed app instances stay down, the load running on. */
const DOWN_MS = 3000;
const RELIABILITY_FILE = path.resolve(__dirname, '../../../RELIABILITY.md');
/** Each instance's log and the report as JSON, for a look after the run (tmp/ is not committed). */
const OUTPUT_DIR = path.resolve(__dirname, '../../../tmp/cluster-tier');
/** Every key a verification reads carries this hash tag: they all live on the master of its slot. */
const VERIFICATION_HASH_TAG = '{verification}';

let redisCluster: LocalRedisCluster;
let natsCluster: NatsCluster;
let system: RunningSystem;
const extras: ExtraInstance[] = [];
let nats: NatsConnection;
let pg: Client;
let redis: RedisClient;
let verifiers: VerificationPool;
let verifiersStopped: Awaited<ReturnType<VerificationPool['stop']>> | undefined;
let load: MixedLoad;
let health: HealthWatch;
let rounds: FaultRounds;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redisCluster = await startRedisCluster();
  natsCluster = await startNatsCluster();
  const firstRedisNode = redisCluster.nodes[0]!;
  system = await startSystem({
    NATS_URL: natsCluster.url,
    EVENTS_STREAM_REPLICAS: '3',
    REDIS_URL: `redis://${firstRedisNode.host}:${firstRedisNode.port}`,
    REDIS_CLUSTER_NODES: redisCluster.nodeList,
    NATS_REQUEST_TIMEOUT_MS: '3000',
    // six instances use PostgreSQL, on the server every other run shares: small pools
    DATABASE_POOL_SIZE: '4',
  });
  for (const app of SERVICE_APPS) extras.push(await startExtraInstance(system, app));
  const secondGateway = extras.find((extra) => extra.app === 'gateway')!;
  nats = await connect({ servers: natsCluster.servers });
  pg = new Client({ connectionString: system.env.DATABASE_URL });
  pg.on('error', () => undefined);
  await pg.connect();
  redis = createRedisClient({ url: system.env.REDIS_URL!, clusterNodes: redisCluster.nodeList.split(',').map((node) => parseRedisNodeAddress(node)!) }, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const usersBefore = await countUserStreams(pg);
  const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  verifiers = await VerificationPool.start({
    processes: VERIFYING_PROCESSES,
    loopsPerChannel: LOOPS_PER_CHANNEL,
    gatewayUrl: secondGateway.apiUrl,
    redisUrl: system.env.REDIS_URL!,
    redisClusterNodes: redisCluster.nodeList,
    keyPrefix: system.env.REDIS_KEY_PREFIX!,
  });
  // commands go to both gateways in turn
  load = new MixedLoad(() => [system.gatewayUrl, secondGateway.apiUrl], admin.credential!.key, verifiers);
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
    notReady: async () => {
      const instances = [
        ...SERVICE_APPS.map((app) => ({ instance: app, seen: readiness(system, app), logs: () => system.logs(app) })),
        ...extras.map((extra) => ({ instance: `second ${extra.app}`, seen: readinessAt(extra.healthUrl), logs: () => extra.logs() })),
      ];
      const seen = await Promise.all(instances.map(async (each) => ({ ...each, status: await each.seen })));
      return seen.filter(({ status }) => status !== 'ok' && status !== 'degraded').map((each) => ({ instance: `${each.instance}: ${each.status}`, logs: each.logs() }));
    },
  });
  load.start(LOAD_LOOPS);
}, 300_000);

afterAll(async () => {
  // everything this run started is stopped, whatever failed before
  const quietly = async (step: () => Promise<unknown> | unknown) => {
    try {
      await step();
    } catch {
      // the next step still runs
    }
  };
  let final = verifiersStopped;
  await quietly(() => load?.pause());
  await quietly(async () => (final ??= await verifiers?.stop()));
  await quietly(() => verifiers?.kill());
  await quietly(() => health?.stop());
  if ((rounds?.rows.length ?? 0) > 0 && final) report(final.counts.verifications);
  await quietly(keepLogs);
  await quietly(() => nats?.close());
  await quietly(() => pg?.end());
  await quietly(() => redis?.disconnect());
  for (const extra of extras) await quietly(() => extra.kill('SIGKILL'));
  await quietly(() => system?.stop());
  await quietly(() => natsCluster?.dispose());
  await quietly(() => redisCluster?.stop());
}, 180_000);

/** The fault tier's round, and one check more: a failure is a dependency's (503), never an unexpected error (500). */
async function underLoad(...round: Parameters<FaultRounds['underLoad']>): Promise<void> {
  const firstOutcome = load.outcomes.length;
  await rounds.underLoad(...round);
  const unexpected = load.outcomes.slice(firstOutcome).filter((outcome) => outcome.status >= 500 && outcome.status !== 503);
  // With the errors the instances logged, so that a failure in CI says what was thrown.
  expect(unexpected.length === 0 ? [] : [...unexpected, ...unexpectedErrorsLogged()]).toEqual([]);
}

/** The lines of every instance's log that report an unexpected error (answered `internal_error`). */
function unexpectedErrorsLogged(): string[] {
  const logs = [...SERVICE_APPS.map((app) => system.logs(app)), ...extras.map((extra) => extra.logs())];
  return logs.flatMap((lines) => lines.filter((line) => line.includes('"unexpected error"')).map((line) => line.slice(0, 2000)));
}

describe('on a Redis Cluster and a NATS cluster, two instances of every app, under a mixed load', () => {
  it('survives kill -9 of the Redis master holding the verification keys, its replica promoted', async () => {
    let promotedMs = 0;
    let readyMs = 0;
    await underLoad(
      'kill -9 of the Redis master of the verification keys',
      async () => {
        const key = `${system.env.REDIS_KEY_PREFIX!}${VERIFICATION_HASH_TAG}:`;
        const { master, replicas } = await redisCluster.slotOwners(key);
        expect(replicas.length).toBeGreaterThan(0);
        const killedAt = Date.now();
        await master.kill('SIGKILL');
        // the cluster notices (node timeout 2 s) and one of its replicas takes its slots over
        await pollUntil(
          async () => {
            const owners = await redisCluster.slotOwners(key).catch(() => undefined);
            return owners !== undefined && replicas.includes(owners.master) && (await owners.master.role()) === 'master';
          },
          'a replica of the killed master to be promoted',
          60_000,
          100,
        );
        promotedMs = Date.now() - killedAt;
        // the services are ready on the promoted replica alone, before the old master is back
        readyMs = await rounds.recovered(killedAt);
        // started again, it rejoins as the new master's replica
        await master.start();
        await redisCluster.waitUntilHealthy(60_000);
        expect(await master.role()).toBe('slave');
      },
      {},
    );
    expect(promotedMs).toBeGreaterThan(0);
    rounds.rows.at(-1)!.fault += ` (replica promoted after ${promotedMs} ms, every instance ready after ${readyMs} ms, then the old master back as its replica)`;
  });

  it("survives kill -9 of the events stream's NATS leader, started again", async () => {
    const stream = system.env.EVENTS_STREAM!;
    const jsm = await nats.jetstreamManager();
    let electedMs = 0;
    let readyMs = 0;
    let killedName = '';
    await underLoad(
      "kill -9 of the events stream's NATS leader",
      async () => {
        const leader = (await jsm.streams.info(stream)).cluster?.leader;
        expect(leader).toBeDefined();
        killedName = leader!;
        const killed = natsCluster.indexOf(killedName);
        const killedAt = Date.now();
        await natsCluster.kill(killed);
        // two nodes of three are a majority: they elect another leader for the stream
        await pollUntil(
          async () => {
            const info = await jsm.streams.info(stream).catch(() => undefined);
            return info?.cluster?.leader !== undefined && info.cluster.leader !== killedName;
          },
          'another leader of the events stream',
          60_000,
          100,
        );
        electedMs = Date.now() - killedAt;
        // the services are ready on the two nodes left, before the killed one is back
        readyMs = await rounds.recovered(killedAt);
        await sleep(DOWN_MS);
        await natsCluster.start(killed);
        // the node catches up: every replica of the stream is current again
        await pollUntil(
          async () => {
            const info = await jsm.streams.info(stream).catch(() => undefined);
            const replicas = info?.cluster?.replicas ?? [];
            return replicas.length === 2 && replicas.every((replica) => replica.current && !replica.offline);
          },
          'every replica of the events stream to be current',
          60_000,
          100,
        );
      },
      {},
    );
    expect(killedName).not.toBe('');
    rounds.rows.at(-1)!.fault += ` (${killedName}; new leader after ${electedMs} ms, every instance ready after ${readyMs} ms, the node started again ${DOWN_MS} ms later)`;
  });

  it('keeps serving when one instance of every app is killed -9, and each comes back', async () => {
    let servedWhileDown = 0;
    await underLoad(
      'one instance of each app killed -9',
      async () => {
        const before = load.succeeded();
        await Promise.all(SERVICE_APPS.map((app) => system.kill(app, 'SIGKILL')));
        await sleep(DOWN_MS);
        servedWhileDown = load.succeeded() - before;
        for (const app of SERVICE_APPS) await system.start(app);
      },
      { gateway: true, 'users-service': true, 'tokens-service': true, 'audit-service': true },
    );
    // the second instances answered while the first ones were down
    expect(servedWhileDown).toBeGreaterThan(0);
    rounds.rows.at(-1)!.fault += `, left down ${DOWN_MS} ms (${servedWhileDown} commands served meanwhile)`;
  });

  it('leaves every read model equal to a fresh replay of the event stores', async () => {
    // A quiet system: no more commands or verifications (their last uses settle meanwhile).
    await load.pause();
    verifiersStopped = await verifiers.stop();
    await expectReadModelsEqualToReplay(system);
  });
});

function report(verifications: number): void {
  const lines = rounds.summary(verifications);
  console.log(`cluster tier summary (${new Date().toISOString()})\n${lines.join('\n')}`);
  writeFigures(RELIABILITY_FILE, 'cluster', lines);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  writeFileSync(path.join(OUTPUT_DIR, 'report.json'), `${JSON.stringify({ finishedAt: new Date().toISOString(), verifications, faults: rounds.rows }, null, 2)}\n`);
}

/** Every instance's log lines, one file each, in the output folder. */
function keepLogs(): void {
  if (!system) return;
  mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const app of SERVICE_APPS) writeFileSync(path.join(OUTPUT_DIR, `${app}.log`), `${system.logs(app).join('\n')}\n`);
  for (const extra of extras) writeFileSync(path.join(OUTPUT_DIR, `${extra.app}-second.log`), `${extra.logs().join('\n')}\n`);
}
