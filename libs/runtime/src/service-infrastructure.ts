import { ServiceName } from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { KurrentDbEventStore } from '@warden/event-store-kurrentdb';
import { guardPoolClients } from '@warden/event-store-postgres';
import { EventRelay, ensureEventsStream } from '@warden/messaging';
import {
  HealthCheck,
  WardenLogger,
  natsHealthCheck,
  natsServers,
  postgresHealthCheck,
  redisConnection,
  redisHealthCheck,
} from '@warden/platform';
import { RedisClient, createRedisClient } from '@warden/redis';
import { JetStreamClient, NatsConnection, connect as connectNats } from 'nats';
import { Pool } from 'pg';
import { openEventStore } from './event-store-selection';
import { ServiceConfig } from './service-config';

export interface ServiceInfrastructureOptions {
  service: ServiceName;
  /** The service's PostgreSQL schema: its event log, relay checkpoint and its own tables. */
  schema: string;
  config: ServiceConfig;
  logger: WardenLogger;
  /** Whether the service appends events of its own, to be relayed to JetStream. */
  eventLog: boolean;
}

/**
 * The connections one service instance holds, opened in order at start and closed in the
 * reverse order at shutdown: PostgreSQL (event store), NATS (JetStream for events), Redis,
 * and the relay that moves the service's committed events to JetStream.
 */
export class ServiceInfrastructure {
  private readonly ownHealthChecks: HealthCheck[] = [];

  private constructor(
    readonly options: ServiceInfrastructureOptions,
    readonly pool: Pool,
    readonly store: EventStore | undefined,
    readonly nats: NatsConnection,
    readonly jetStream: JetStreamClient,
    readonly redis: RedisClient,
    readonly relay: EventRelay | undefined,
  ) {}

  static async start(options: ServiceInfrastructureOptions): Promise<ServiceInfrastructure> {
    const { config, logger } = options;
    const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
    // A broken idle connection (PostgreSQL restarted) must not crash the process.
    pool.on('error', (error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed'));
    // Nor one lost while checked out (the backend terminated under a transaction): the query fails, the process stays.
    guardPoolClients(pool, (error) => logger.warn({ err: error.message }, 'PostgreSQL connection lost'));
    const storeLogger = {
      log: (message: string) => logger.info(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    };
    const store = options.eventLog ? await openEventStore({ config, pool, schema: options.schema, logger: storeLogger }) : undefined;
    const nats = await connectNats({
      servers: natsServers(config),
      name: `${options.service}-events`,
      maxReconnectAttempts: -1,
    });
    // On a NATS cluster, EVENTS_STREAM_REPLICAS=3 keeps the stream writable with one node down.
    const streamOptions = { replicas: config.EVENTS_STREAM_REPLICAS };
    await ensureEventsStream(await nats.jetstreamManager(), {
      ...streamOptions,
      stream: config.EVENTS_STREAM,
      subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
    });
    const jetStream = nats.jetstream();
    // Auto-pipelined (no command here blocks or WATCHes): under load a verification no
    // longer pays a socket write of its own.
    const redis = createRedisClient(redisConnection(config));
    redis.on('error', (error) => logger.warn({ err: error.message }, 'Redis connection error'));
    // The logger's own `service` field names the app; the relay's names the event source.
    const messagingLog = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => {
      const { service: eventSource, ...rest } = fields;
      logger[level](eventSource === undefined ? rest : { ...rest, eventSource }, message);
    };
    const relay = store
      ? new EventRelay({
          service: options.service,
          store,
          pool,
          schema: options.schema,
          js: jetStream,
          stream: config.EVENTS_STREAM,
          subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
          streamOptions,
          log: messagingLog,
        })
      : undefined;
    relay?.start();
    return new ServiceInfrastructure(options, pool, store, nats, jetStream, redis, relay);
  }

  /** The event store; only for services that keep an event log. */
  eventStore(): EventStore {
    if (!this.store) throw new Error(`${this.options.service} keeps no event log`);
    return this.store;
  }

  /** A check of the service's own state (a read model being rebuilt), reported beside the servers'. */
  addHealthCheck(check: HealthCheck): void {
    this.ownHealthChecks.push(check);
  }

  healthChecks(): HealthCheck[] {
    const checks: HealthCheck[] = [
      postgresHealthCheck({ pool: this.pool }),
      natsHealthCheck({ connection: () => this.nats }),
      redisHealthCheck({ client: this.redis }),
      ...this.ownHealthChecks,
    ];
    const store = this.store;
    if (store instanceof KurrentDbEventStore) {
      checks.push({
        name: 'kurrentdb',
        async check() {
          await store.ping();
          return { status: 'up' };
        },
      });
    }
    const relay = this.relay;
    if (relay) {
      checks.push({
        name: 'relay',
        async check() {
          const status = relay.status();
          if (status.state === 'standby') return { status: 'up', detail: 'standby: another instance relays' };
          if (status.state === 'retrying') return { status: 'degraded', detail: `retrying: ${status.lastError ?? ''}` };
          const lag = await relay.lag(1000);
          if (lag.pending === 0) return { status: 'up', detail: 'caught up' };
          return { status: 'degraded', detail: `${lag.pending}${lag.capped ? '+' : ''} events not yet published` };
        },
      });
    }
    return checks;
  }

  async close(): Promise<void> {
    await this.relay?.stop();
    await this.nats.drain().catch(() => undefined);
    this.redis.disconnect();
    await this.store?.close();
    await this.pool.end();
  }
}
