// A Redis Cluster of the test run's own, from the machine's redis-server and redis-cli: three
// masters and a replica each, as separate processes on ports of their own (never the shared
// Redis), formed with `redis-cli --cluster create`. Each node keeps its cluster state in a
// temporary folder, so a node killed and started again rejoins as it was.
// Imported by relative path from the tiers' global setup, so only relative imports here.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort, pollUntil } from './nats';

const REDIS_SERVER_BINARY = process.env['REDIS_SERVER_BINARY'] ?? 'redis-server';
const REDIS_CLI_BINARY = process.env['REDIS_CLI_BINARY'] ?? 'redis-cli';
const run = promisify(execFile);

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
  /** Whether its process is running. */
  readonly running: boolean;
  /** Stops the process (SIGKILL by default: a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with its cluster state: it rejoins (a former master as a replica if one was promoted). */
  start(): Promise<void>;
  /** `master` or `slave`, as the node itself says now. */
  role(): Promise<string>;
}

export interface LocalRedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** `host:port,...`: REDIS_CLUSTER_NODES for a service, TEST_REDIS_CLUSTER_NODES for a test. */
  readonly nodeList: string;
  /** The master serving `key`'s slot and its replicas, as a running node sees them now. */
  slotOwners(key: string): Promise<{ master: RedisClusterNode; replicas: RedisClusterNode[] }>;
  /** Until every slot is served and every master has a replica in sync (after a kill and a start, say). */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and deletes their state. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** How long a master may be unreachable before its replica is promoted (default 2000 ms). */
  nodeTimeoutMs?: number;
}

async function ask<T>(port: number, question: (client: Redis) => Promise<T>): Promise<T | undefined> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await question(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  for (const binary of [REDIS_SERVER_BINARY, REDIS_CLI_BINARY]) {
    await run(binary, ['--version']).catch(() => {
      throw new Error(`a local Redis Cluster needs ${binary} (Debian: apt-get install redis-server, which brings redis-tools)`);
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'warden-redis-cluster-'));
  const nodes: RedisClusterNode[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) {
    // The cluster bus gets a port of its own too (cluster-port), not the classic port + 10000.
    nodes.push(await clusterNode(dir, await freePort(), await freePort(), options.nodeTimeoutMs ?? 2000));
  }
  const cluster: LocalRedisCluster = {
    nodes,
    nodeList: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    slotOwners: (key) => slotOwners(nodes, key),
    waitUntilHealthy: (timeoutMs = 30_000) => pollUntil(() => healthy(nodes, replicas > 0 ? masters : 0), 'the Redis Cluster to serve every slot with its replicas in sync', timeoutMs, 100),
    async stop() {
      await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const node of nodes) await node.start();
    await run(REDIS_CLI_BINARY, ['--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await cluster.waitUntilHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

// Nodes a run left running (a test interrupted before its teardown) would outlive the test
// process: they are killed when it exits, as the NATS helper's servers are.
const liveNodes = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveNodes) child.kill('SIGKILL');
});

async function clusterNode(dir: string, port: number, busPort: number, nodeTimeoutMs: number): Promise<RedisClusterNode> {
  let child: ChildProcess | undefined;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--cluster-enabled', 'yes',
    '--cluster-port', String(busPort),
    '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout', String(nodeTimeoutMs),
    '--dir', dir,
    '--dbfilename', `dump-${port}.rdb`,
    '--save', '',
    '--appendonly', 'no',
  ];
  return {
    host: '127.0.0.1',
    port,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      const spawned = spawn(REDIS_SERVER_BINARY, args, { stdio: 'ignore' });
      child = spawned;
      liveNodes.add(spawned);
      spawned.once('exit', () => {
        liveNodes.delete(spawned);
        if (child === spawned) child = undefined;
      });
      await pollUntil(async () => (await ask(port, (client) => client.ping())) === 'PONG', `redis-server on port ${port}`, 10_000, 50);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const running = child;
      if (!running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
      child = undefined;
    },
    async role() {
      const reply = await ask(port, (client) => client.call('ROLE') as Promise<unknown[]>);
      return typeof reply?.[0] === 'string' ? reply[0] : 'unreachable';
    },
  };
}

/** Every running node says the cluster is ok, and `replicated` masters each have an online replica. */
async function healthy(nodes: readonly RedisClusterNode[], replicated: number): Promise<boolean> {
  let syncedMasters = 0;
  for (const node of nodes.filter((n) => n.running)) {
    const info = await ask(node.port, (client) => client.cluster('INFO'));
    if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
    const replication = await ask(node.port, (client) => client.info('replication'));
    if (replication?.includes('role:master') && /slave\d+:[^\r\n]*state=online/.test(replication)) syncedMasters++;
  }
  return syncedMasters >= replicated;
}

/** CLUSTER SLOTS, asked of the first running node that answers: the master of `key`'s slot and its replicas. */
async function slotOwners(nodes: readonly RedisClusterNode[], key: string): Promise<{ master: RedisClusterNode; replicas: RedisClusterNode[] }> {
  for (const node of nodes.filter((n) => n.running)) {
    const answer = await ask(node.port, async (client) => {
      const slot = Number(await client.cluster('KEYSLOT', key));
      const ranges = (await client.cluster('SLOTS')) as unknown as [number, number, ...[string, number, string][]][];
      return ranges.find(([from, to]) => from <= slot && slot <= to);
    });
    if (!answer) continue;
    const [, , ...servers] = answer;
    const byPort = (port: number) => nodes.find((n) => n.port === Number(port));
    const [master, ...replicas] = servers.map(([, port]) => byPort(port));
    if (master && replicas.every((replica) => replica !== undefined)) return { master, replicas: replicas as RedisClusterNode[] };
  }
  throw new Error(`no running node of the Redis Cluster names the master of ${JSON.stringify(key)}`);
}
