// A NATS cluster with JetStream for tests, from the machine's nats-server: three nodes (by
// default) on ports of their own, joined by routes, each with its own name and store, so it
// runs beside the shared server on 4222. JetStream places an R3 stream on three nodes, and
// needs a meta leader (elected by a majority of them) before it answers any API request.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServerProcess, freePort, natsServerProcess, pollUntil } from './nats';

export interface NatsClusterNode {
  /** The server's name (`-n`): what JetStream reports as a stream's or the meta group's leader. */
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly clusterPort: number;
  /** The HTTP monitoring port (`/jsz`, `/healthz`). */
  readonly monitorPort: number;
  /** Its own JetStream store; kept across stop and start. */
  readonly storeDir: string;
  running(): boolean;
}

export interface NatsCluster {
  readonly name: string;
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL, as the `nats` client's `servers` takes them. */
  readonly servers: string[];
  /** The same, comma-separated, as NATS_URL takes them. */
  readonly url: string;
  /** The node of that name (a leader JetStream reported), by index. */
  indexOf(name: string): number;
  /** `kill -9`: the node dies without a word to its peers. */
  kill(index: number): Promise<void>;
  /** SIGTERM: the node leaves in order. */
  stop(index: number): Promise<void>;
  /** Starts a stopped node again on its ports and store, and waits until it follows the meta leader. */
  start(index: number): Promise<void>;
  /** The JetStream meta leader every running node agrees on, or undefined while there is none. */
  metaLeader(): Promise<string | undefined>;
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  /** Kills every node and deletes the stores. */
  dispose(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Default 3: the smallest cluster that keeps an R3 stream writable with one node down. */
  size?: number;
}

interface JszMeta {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const name = `warden-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const layout: Array<{
    name: string;
    port: number;
    clusterPort: number;
    monitorPort: number;
    storeDir: string;
  }> = [];
  for (let index = 0; index < size; index++) {
    const [port, clusterPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    layout.push({
      name: `n${index + 1}`,
      port,
      clusterPort,
      monitorPort,
      storeDir: await mkdtemp(join(tmpdir(), 'warden-nats-cluster-')),
    });
  }
  const nodes = layout.map((spec) => {
    const routes = layout
      .filter((other) => other !== spec)
      .map((other) => `nats://127.0.0.1:${other.clusterPort}`);
    const server: NatsServerProcess = natsServerProcess(
      [
        ...['-a', '127.0.0.1', '-p', String(spec.port), '-n', spec.name, '-m', String(spec.monitorPort)],
        ...[
          '--cluster_name',
          name,
          '-cluster',
          `nats://127.0.0.1:${spec.clusterPort}`,
          '-routes',
          routes.join(','),
        ],
        ...['-js', '-sd', spec.storeDir],
      ],
      spec.port,
    );
    return { ...spec, url: `nats://127.0.0.1:${spec.port}`, server, running: () => server.running() };
  });

  const metaOf = async (node: NatsClusterNode): Promise<JszMeta['meta_cluster'] | undefined> => {
    try {
      const response = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, {
        signal: AbortSignal.timeout(2_000),
      });
      return ((await response.json()) as JszMeta).meta_cluster;
    } catch {
      return undefined;
    }
  };
  const metaLeader = async (): Promise<string | undefined> => {
    const running = nodes.filter((node) => node.running());
    const metas = await Promise.all(running.map(metaOf));
    const leaders = new Set(metas.map((meta) => meta?.leader ?? ''));
    const [leader] = leaders;
    // Every running node follows the same leader, a running node itself, in a group of the cluster's size.
    if (leaders.size !== 1 || !leader || !running.some((node) => node.name === leader)) return undefined;
    return metas.every((meta) => meta?.cluster_size === size) ? leader : undefined;
  };
  const waitForMetaLeader = async (timeoutMs = 60_000): Promise<string> => {
    let leader: string | undefined;
    await pollUntil(
      async () => (leader = await metaLeader()) !== undefined,
      `a JetStream meta leader in cluster ${name}`,
      timeoutMs,
      100,
    );
    return leader!;
  };
  const node = (index: number) => {
    const found = nodes[index];
    if (!found) throw new RangeError(`the cluster has no node ${index}`);
    return found;
  };

  const cluster: NatsCluster = {
    name,
    nodes,
    servers: nodes.map((each) => each.url),
    url: nodes.map((each) => each.url).join(','),
    indexOf: (serverName) => nodes.findIndex((each) => each.name === serverName),
    kill: (index) => node(index).server.stop('SIGKILL'),
    stop: (index) => node(index).server.stop('SIGTERM'),
    async start(index) {
      await node(index).server.start();
      await waitForMetaLeader();
    },
    metaLeader,
    waitForMetaLeader,
    async dispose() {
      await Promise.all(nodes.map((each) => each.server.stop('SIGKILL')));
      await Promise.all(nodes.map((each) => rm(each.storeDir, { recursive: true, force: true })));
    },
  };
  try {
    await Promise.all(nodes.map((each) => each.server.start()));
    await waitForMetaLeader();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}
