import { RedisConnection, parseRedisNodeAddress } from '@warden/redis';
import { z } from 'zod';
import type { ConfigIssue } from './config';

// Fragments an app composes into its one schema:
//   const schema = z.object({ ...natsConfig.shape, ...redisConfig.shape, ...httpConfig(3000).shape });
// Defaults fit a developer machine with the servers on localhost; a deployment sets them.

const SUBJECT_TOKENS = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function hasScheme(value: string, schemes: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

export function urlWithScheme(schemes: readonly string[], message: string) {
  return z.string().refine((value) => hasScheme(value, schemes), message);
}

export function positiveInt() {
  return z.coerce
    .number({ invalid_type_error: 'must be a whole number' })
    .int('must be a whole number')
    .positive('must be greater than 0');
}

export function port() {
  return z.coerce
    .number({ invalid_type_error: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be a port number (0-65535)')
    .max(65535, 'must be a port number (0-65535)');
}

export const postgresConfig = z.object({
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/warden')
    .describe(
      "PostgreSQL connection string: the event store (unless EVENT_STORE says otherwise), the relay's checkpoint and each service's own tables",
    ),
  DATABASE_POOL_SIZE: positiveInt().default(10).describe('Connections in the PostgreSQL pool'),
});

export const natsConfig = z.object({
  NATS_URL: z
    .string()
    .refine(
      (value) => value.split(',').every((server) => hasScheme(server.trim(), ['nats:', 'tls:'])),
      'must be a nats:// URL (or a comma-separated list of them)',
    )
    .default('nats://127.0.0.1:4222')
    .describe('NATS server(s), comma-separated for a cluster'),
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(SUBJECT_TOKENS, 'must be dot-separated tokens of letters, digits, "_" or "-"')
    .default('warden')
    .describe(
      'Prefix of every request-reply subject, so deployments sharing one NATS never answer each other',
    ),
  NATS_REQUEST_TIMEOUT_MS: positiveInt()
    .default(5000)
    .describe('How long the gateway waits for a service to answer'),
});

export const redisConfig = z.object({
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379')
    .describe('Redis holding the read models; with REDIS_CLUSTER_NODES, only its user, password and TLS (rediss://) are used, for every node'),
  REDIS_CLUSTER_NODES: z
    .string()
    .refine(
      (value) => value.split(',').every((node) => parseRedisNodeAddress(node) !== null),
      'must be host:port (or a comma-separated list of them)',
    )
    .optional()
    .describe('Some nodes of a Redis Cluster (host:port, comma-separated): when set, every Redis client is a cluster client'),
  REDIS_KEY_PREFIX: z
    .string()
    .min(1)
    // Braces make a hash tag in Redis Cluster; Warden places its own after the prefix.
    .refine((value) => !/[{}]/.test(value), 'must not contain { or }')
    .default('warden:')
    .describe('Prefix of every Redis key'),
});

// One setting for every part of the lease protocol (docs/architecture.md, "The verification
// cache"): the verifiers ask for this lease, and the commands that wait for them, after Redis
// lost its keys, wait this long for leases granted before.
export const verificationCacheConfig = z.object({
  VERIFICATION_CACHE: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      "Whether this instance keeps accepted credentials' records in process, fenced by a lease (on), or reads Redis at every verification (off); commands wait for the instances that hold a lease either way",
    ),
  VERIFICATION_CACHE_LEASE_MS: positiveInt()
    .min(100)
    .max(10_000)
    .default(2000)
    .describe(
      'Lease of a verifier on its cache: the longest a command that reduces a credential waits for a verifier that stopped answering (paused, cut off); the same value on every instance',
    ),
  VERIFICATION_CACHE_ENTRIES: positiveInt()
    .default(100_000)
    .describe('Most credentials a verifier keeps in its cache (the oldest are evicted first)'),
});

export const eventsConfig = z.object({
  EVENTS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "_" or "-"')
    .default('EVENTS')
    .describe('JetStream stream holding every event'),
  EVENTS_SUBJECT_PREFIX: z
    .string()
    .regex(SUBJECT_TOKENS, 'must be dot-separated tokens of letters, digits, "_" or "-"')
    .default('events')
    .describe('Events are published on <prefix>.<service>.<event-type>'),
  EVENTS_STREAM_REPLICAS: positiveInt()
    .max(5, 'must be at most 5 (JetStream keeps up to five replicas)')
    .default(1)
    .describe(
      'Copies of the events stream JetStream keeps: 3 on a three-node NATS cluster, so it stays writable with one node down',
    ),
});

export const EVENT_STORES = ['postgres', 'kurrentdb'] as const;
export type EventStoreKind = (typeof EVENT_STORES)[number];

// The schemes the KurrentDB client accepts; a list of nodes (`kurrentdb://a:2113,b:2113`) is no URL `new URL` reads.
const KURRENTDB_CONNECTION_STRING = /^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\/[^\s/]+/;

export const eventStoreConfig = z.object({
  EVENT_STORE: z
    .enum(EVENT_STORES, { errorMap: () => ({ message: `must be one of ${EVENT_STORES.join(', ')}` }) })
    .default('postgres')
    .describe(
      'Where the service keeps its events: postgres (the schema of DATABASE_URL), or kurrentdb (experimental; PostgreSQL is still needed)',
    ),
  KURRENTDB_CONNECTION_STRING: z
    .string()
    .regex(
      KURRENTDB_CONNECTION_STRING,
      'must be a KurrentDB connection string (kurrentdb://host:2113?tls=false, or kurrentdb+discover://)',
    )
    .optional()
    .describe('KurrentDB to keep the events in; required when EVENT_STORE is kurrentdb'),
});

export function httpConfig(defaultPort: number) {
  return z.object({
    HTTP_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address the HTTP server binds (0.0.0.0 in a container)'),
    HTTP_PORT: port().default(defaultPort).describe('Port of the HTTP server (API or health)'),
  });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const loggingConfig = z.object({
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }) })
    .default('info')
    .describe('Lowest level written to the JSON log'),
});

export const shutdownConfig = z.object({
  SHUTDOWN_TIMEOUT_MS: positiveInt()
    .default(10_000)
    .describe('On SIGTERM, how long in-flight work may take before the process exits anyway'),
});

export type PostgresConfig = z.infer<typeof postgresConfig>;
export type NatsConfig = z.infer<typeof natsConfig>;
export type RedisConfig = z.infer<typeof redisConfig>;
export type VerificationCacheConfig = z.infer<typeof verificationCacheConfig>;
export type EventsConfig = z.infer<typeof eventsConfig>;
export type EventStoreConfig = z.infer<typeof eventStoreConfig>;
export type HttpConfig = z.infer<ReturnType<typeof httpConfig>>;
export type LoggingConfig = z.infer<typeof loggingConfig>;
export type ShutdownConfig = z.infer<typeof shutdownConfig>;

/** A rule between variables, which no one variable's schema can state. */
export interface CrossVariableRule {
  variables: readonly string[];
  check(config: Record<string, unknown>): ConfigIssue | undefined;
}

// `loadConfig` applies each rule to every schema holding all its variables: a refinement on
// a fragment would be lost when an app spreads its shape or extends its schema.
export const crossVariableRules: readonly CrossVariableRule[] = [
  {
    variables: ['EVENT_STORE', 'KURRENTDB_CONNECTION_STRING'],
    check: (config) =>
      config.EVENT_STORE === 'kurrentdb' && config.KURRENTDB_CONNECTION_STRING === undefined
        ? { variable: 'KURRENTDB_CONNECTION_STRING', message: 'is required when EVENT_STORE is kurrentdb' }
        : undefined,
  },
];

/** NATS_URL as the list of servers the `nats` client expects. */
export function natsServers(config: Pick<NatsConfig, 'NATS_URL'>): string[] {
  return config.NATS_URL.split(',').map((server) => server.trim());
}

/** What `createRedisClient` connects to: one Redis, or the cluster REDIS_CLUSTER_NODES names. */
export function redisConnection(config: Pick<RedisConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): RedisConnection {
  const nodes = config.REDIS_CLUSTER_NODES?.split(',').map((node) => parseRedisNodeAddress(node)!);
  return nodes ? { url: config.REDIS_URL, clusterNodes: nodes } : { url: config.REDIS_URL };
}

/** A URL with its password masked, for log lines. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
