import { RedisClient, RedisConnection, createRedisClient } from '@warden/redis';
import { NatsConnection, connect as connectNats } from 'nats';
import { Pool } from 'pg';
import type { HealthCheck, HealthCheckResult } from './health-check';

const DEFAULT_TIMEOUT_MS = 1000;

/** `SELECT 1` on the app's pool, or on a one-connection pool of its own when given a URL. */
export function postgresHealthCheck(
  source: { url: string } | { pool: Pool },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): HealthCheck {
  const ownPool =
    'url' in source
      ? new Pool({
          connectionString: source.url,
          max: 1,
          connectionTimeoutMillis: timeoutMs,
          query_timeout: timeoutMs,
          idleTimeoutMillis: 30_000,
        })
      : undefined;
  // An idle connection dropped by a server restart must not crash the process.
  ownPool?.on('error', () => undefined);
  const pool = ownPool ?? (source as { pool: Pool }).pool;
  return {
    name: 'postgres',
    async check() {
      await pool.query('SELECT 1');
      return { status: 'up' };
    },
    close: ownPool ? () => ownPool.end() : undefined,
  };
}

/** PING on the app's client, or on a client of its own when given where Redis is (a cluster: a node of it). */
export function redisHealthCheck(
  source: RedisConnection | { client: RedisClient },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): HealthCheck {
  const ownClient =
    'url' in source
      ? createRedisClient(source, {
          lazyConnect: true,
          // Fail at once while disconnected instead of queueing the PING until Redis returns.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: timeoutMs,
          retryStrategy: (attempt) => Math.min(attempt * 500, 5000),
        })
      : undefined;
  ownClient?.on('error', () => undefined); // reported by check(), not as an unhandled 'error' event
  const client = ownClient ?? (source as { client: RedisClient }).client;
  return {
    name: 'redis',
    async check() {
      if (client.status === 'wait') await client.connect();
      const reply = await client.ping();
      return reply === 'PONG' ? { status: 'up' } : { status: 'down', detail: `PING answered ${reply}` };
    },
    close: ownClient ? async () => void ownClient.disconnect() : undefined,
  };
}

/**
 * The app's own NATS connection (a server's or ServiceClient's `connection()`): is it
 * open, and does a PING come back. Given a URL, it keeps a connection of its own.
 */
export function natsHealthCheck(
  source: { url: string | string[] } | { connection: () => NatsConnection | null },
): HealthCheck {
  if ('connection' in source) {
    return { name: 'nats', check: () => probeNats(source.connection()) };
  }
  let connecting: Promise<NatsConnection> | undefined;
  return {
    name: 'nats',
    async check() {
      connecting ??= connectNats({ servers: source.url, name: 'health', maxReconnectAttempts: -1 });
      let connection: NatsConnection;
      try {
        connection = await connecting;
      } catch (error) {
        connecting = undefined; // the first connect failed: try afresh next time
        throw error;
      }
      return probeNats(connection);
    },
    async close() {
      const connection = await connecting?.catch(() => undefined);
      await connection?.close();
    },
  };
}

async function probeNats(connection: NatsConnection | null): Promise<HealthCheckResult> {
  if (!connection) return { status: 'down', detail: 'not connected' };
  if (connection.isClosed()) return { status: 'down', detail: 'connection closed' };
  if (connection.isDraining()) return { status: 'down', detail: 'connection draining' };
  // rtt() is a flush: it only resolves once the server answers, so a disconnected client times out.
  const rtt = await connection.rtt();
  return { status: 'up', detail: `rtt ${rtt} ms` };
}
