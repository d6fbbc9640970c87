import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

// Every Redis client Warden opens comes from here: one Redis, or, with cluster nodes given,
// ioredis' Cluster over them. Either way commands are auto-pipelined: the commands issued in
// one tick leave in one write per node (about 1.3x on verification, Redis CPU a fifth).

/** A client of one Redis or of a Redis Cluster: every command and script Warden sends works on both. */
export type RedisClient = Redis | Cluster;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export interface RedisConnection {
  /** REDIS_URL: the Redis; with cluster nodes, where their user, password and TLS (`rediss:`) come from. */
  url: string;
  /** REDIS_CLUSTER_NODES: some nodes of a Redis Cluster (the client finds the others). */
  clusterNodes?: readonly RedisNodeAddress[];
}

export interface RedisClientOptions {
  /** Connect at the first command rather than at once. */
  lazyConnect?: boolean;
  /** false: fail commands at once while disconnected instead of queueing them. */
  enableOfflineQueue?: boolean;
  /** Attempts per command across reconnections (default 2: a request fails fast rather than hang). */
  maxRetriesPerRequest?: number | null;
  connectTimeout?: number;
  /** Wait before reconnecting after `attempt` failures; null gives up. */
  retryStrategy?: (attempt: number) => number | null;
}

const NODE_ADDRESS = /^([^\s:,]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** `host:port` of a cluster node (`[::1]:7000` for IPv6), or null when malformed. */
export function parseRedisNodeAddress(text: string): RedisNodeAddress | null {
  const match = NODE_ADDRESS.exec(text.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function createRedisClient(connection: RedisConnection, options: RedisClientOptions = {}): RedisClient {
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...perConnection } = options;
  const common = definedOnly({ maxRetriesPerRequest: 2, ...perConnection });
  if (connection.clusterNodes && connection.clusterNodes.length > 0) {
    return new Cluster(
      connection.clusterNodes.map(({ host, port }) => ({ host, port })),
      definedOnly({
        enableAutoPipelining: true,
        lazyConnect,
        enableOfflineQueue,
        clusterRetryStrategy: retryStrategy,
        redisOptions: { ...common, ...credentialsOf(connection.url) },
      }),
    );
  }
  return new Redis(connection.url, definedOnly({ enableAutoPipelining: true, lazyConnect, enableOfflineQueue, retryStrategy, ...common }));
}

/** The user, password and TLS a `redis://` or `rediss://` URL names, for every node of a cluster. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url);
  return definedOnly({
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  });
}

// An option given as undefined would replace ioredis' default rather than keep it.
function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}

/** Whether the client is one of a Redis Cluster. */
export function isRedisCluster(client: RedisClient): client is Cluster {
  // Not instanceof: a library's caller may hand in a client of another copy of ioredis.
  return (client as Partial<Cluster>).isCluster === true;
}
