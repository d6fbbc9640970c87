// A durable JetStream pull consumer for events: the handler commits idempotently, and
// only then is the message acked. A failed handler gets a nak with a growing delay.
//
// Order: with the default maxAckPending of 1 the server hands out one event at a time
// and redelivers a nak'd one before the next, so a handler sees each stream's events in
// order. Projections depend on that (they drop an event older than what they hold); a
// handler that does not may raise maxAckPending for throughput.
import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { AckPolicy, ConsumerConfig, ConsumerEvents, ConsumerMessages, DeliverPolicy, Events, JetStreamManager, JsMsg, NatsConnection, Status, nanos } from 'nats';
import { ownMetric } from '@warden/platform';
import { Gauge } from 'prom-client';
import { BackoffOptions, backoffDelay, describeError, sleep } from './backoff';
import { MessagingLog, stderrMessagingLog } from './messaging-log';
import { DEFAULT_EVENTS_STREAM, PublishedEvent, decodePublishedEvent } from './published-event';

const DEFAULT_ACK_WAIT_MS = 5_000;

export type EventHandler = (event: PublishedEvent, msg: JsMsg) => Promise<void>;

export interface EventConsumerStartOptions {
  /** The durable consumer's name: instances sharing it share the work. */
  durable: string;
  /** e.g. `['events.users.>']`; several subjects need nats-server 2.10+. */
  filterSubjects: string[];
  handler: EventHandler;
  /** Default 1: strict order (see above). */
  maxAckPending?: number;
  /**
   * Default 5 s; the consumer signals progress while a handler runs, so only a message whose
   * consumer died waits this long to be delivered again (with one message in flight, the
   * whole consumer waits behind it: after a kill -9, this is how long its projection stalls).
   */
  ackWaitMs?: number;
  /** Delay of the nak after the n-th failed delivery (the last repeats). */
  nakDelaysMs?: number[];
  /** Default unlimited: an event is never given up on. */
  maxDeliver?: number;
  /** `all` (default): a new durable starts at the stream's first event; `new`: at the next one. */
  deliverPolicy?: 'all' | 'new';
}

export interface EventConsumerConfig {
  /** Default `EVENTS`. */
  stream?: string;
  log?: MessagingLog;
  /** Between attempts to re-open the consumer after it failed. */
  backoff?: BackoffOptions;
}

export type EventConsumerState = 'idle' | 'consuming' | 'recovering' | 'stopped';

export interface EventConsumerStatus {
  durable?: string;
  state: EventConsumerState;
  handled: number;
  failed: number;
  lastError?: string;
}

const CONSUMER_NOT_FOUND = 10014;
// How long one pull waits on the server. The client also waits this long between its own
// re-checks of a consumer it could not reach (and heartbeats are half of it): the nats.js
// default of 30 s left a consumer idle half a minute after JetStream came back.
const PULL_EXPIRES_MS = 10_000;

const startedConsumers = new Set<EventConsumer>();

// Registered when the first consumer of the process starts.
const projectionLag = ownMetric(
  () =>
    new Gauge({
      name: 'warden_projection_lag_events',
      help: 'Events of the stream a durable consumer has not yet handled (not delivered, or delivered and not acked), by durable',
      labelNames: ['durable'] as const,
      async collect() {
        this.reset();
        const lags = await Promise.allSettled([...startedConsumers].map(async (consumer) => [consumer.status().durable, await consumer.pending()] as const));
        // JetStream unreachable: the series is left out of this scrape (the health check says why).
        for (const lag of lags) if (lag.status === 'fulfilled' && lag.value[0] !== undefined) this.set({ durable: lag.value[0] }, lag.value[1]);
      },
    }),
);

export class EventConsumer {
  private readonly stream: string;
  private readonly log: MessagingLog;
  private readonly backoff: BackoffOptions;
  private jsm: JetStreamManager | undefined;
  private options: EventConsumerStartOptions | undefined;
  private abort = new AbortController();
  private running: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private state: EventConsumerState = 'idle';
  private handled = 0;
  private failed = 0;
  private lastError: string | undefined;

  constructor(
    private readonly nc: NatsConnection,
    config: EventConsumerConfig = {},
  ) {
    this.stream = config.stream ?? DEFAULT_EVENTS_STREAM;
    this.log = config.log ?? stderrMessagingLog;
    this.backoff = config.backoff ?? { initialMs: 250, maxMs: 10_000 };
  }

  /** Creates or updates the durable consumer, then consumes in the background. */
  async start(options: EventConsumerStartOptions): Promise<void> {
    if (this.running) throw new Error(`event consumer ${this.options?.durable} already started`);
    if (options.filterSubjects.length === 0) throw new Error('an event consumer needs at least one filter subject');
    this.options = options;
    this.jsm = await this.nc.jetstreamManager();
    await this.ensureDurable(options);
    this.abort = new AbortController();
    this.state = 'consuming';
    projectionLag();
    startedConsumers.add(this);
    this.running = this.run(options, this.abort.signal).finally(() => {
      this.state = 'stopped';
    });
  }

  /** Lets the event in hand finish and be acked, hands the rest back (nak), and stops. */
  async stop(): Promise<void> {
    this.abort.abort();
    startedConsumers.delete(this);
    await this.messages?.close();
    await this.running;
    this.running = undefined;
  }

  /** Nest calls this when the consumer is a provider. */
  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  status(): EventConsumerStatus {
    return { durable: this.options?.durable, state: this.state, handled: this.handled, failed: this.failed, lastError: this.lastError };
  }

  /** How many events of the stream the durable has still to handle: not yet delivered, or delivered and not acked. */
  async pending(): Promise<number> {
    if (!this.options || !this.jsm) throw new Error('event consumer not started');
    const info = await this.jsm.consumers.info(this.stream, this.options.durable);
    return info.num_pending + info.num_ack_pending;
  }

  private async run(options: EventConsumerStartOptions, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const consumer = await this.nc.jetstream().consumers.get(this.stream, options.durable);
        const messages = await consumer.consume({ max_messages: Math.max(1, Math.min(options.maxAckPending ?? 1, 256)), expires: PULL_EXPIRES_MS });
        this.messages = messages;
        if (signal.aborted) await messages.close();
        void this.watch(messages);
        void this.reopenOnReconnect(messages);
        this.state = 'consuming';
        failures = 0;
        for await (const msg of messages) {
          if (signal.aborted) {
            msg.nak(); // handed back for another instance at once
            continue;
          }
          await this.process(msg, options);
        }
      } catch (error) {
        this.lastError = describeError(error);
        this.log('warn', 'event consumer failed; reopening', { durable: options.durable, error: this.lastError });
      }
      if (signal.aborted) return;
      // The iterator ended without a stop: the consumer or stream vanished, or JetStream did.
      failures += 1;
      this.state = 'recovering';
      await sleep(backoffDelay(failures, this.backoff), signal);
      if (signal.aborted) return;
      await this.ensureDurable(options).catch((error) => {
        this.lastError = describeError(error);
        this.log('warn', 'event consumer could not re-create its durable consumer', { durable: options.durable, error: this.lastError });
      });
    }
  }

  // A consumer that was deleted (or lost with a server's storage), a stream not found, or a
  // pull gone silent: the client would retry only after a whole pull expiry; closing this
  // iterator re-creates what is missing and pulls afresh, with this consumer's own backoff.
  private async watch(messages: ConsumerMessages): Promise<void> {
    const reopenOn = new Set<string>([ConsumerEvents.ConsumerDeleted, ConsumerEvents.ConsumerNotFound, ConsumerEvents.StreamNotFound, ConsumerEvents.HeartbeatsMissed]);
    for await (const status of await messages.status()) {
      if (reopenOn.has(status.type)) {
        this.log('warn', 'event consumer lost its consumer or its pull; re-opening it', { durable: this.options?.durable, status: status.type });
        await messages.close();
        return;
      }
    }
  }

  // After a reconnect the client re-checks the consumer and pulls again by itself, but if
  // JetStream does not answer yet (a server that just restarted is still recovering its
  // streams) it backs off for a whole pull expiry, and a pull lost with the old connection
  // is only noticed by missed heartbeats. Re-opening at once, with this consumer's own short
  // backoff, resumes within a second or so of JetStream being back.
  private async reopenOnReconnect(messages: ConsumerMessages): Promise<void> {
    const status = this.nc.status() as AsyncIterable<Status> & { stop?: () => void };
    void messages.closed().then(
      () => status.stop?.(),
      () => status.stop?.(),
    );
    for await (const event of status) {
      if (event.type === Events.Reconnect) {
        this.log('info', 'event consumer re-opening after a reconnect', { durable: this.options?.durable });
        await messages.close();
        return;
      }
    }
  }

  private async process(msg: JsMsg, options: EventConsumerStartOptions): Promise<void> {
    let event: PublishedEvent;
    try {
      event = decodePublishedEvent(msg.data);
    } catch (error) {
      // No retry can fix it; terminate so it does not block the durable forever.
      this.failed += 1;
      this.log('error', 'event consumer dropped a malformed message', { durable: options.durable, subject: msg.subject, seq: msg.seq, error: describeError(error) });
      msg.term('malformed event');
      return;
    }
    const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const progress = setInterval(() => msg.working(), Math.max(100, Math.floor(ackWaitMs / 3)));
    try {
      await options.handler(event, msg);
      msg.ack();
      this.handled += 1;
    } catch (error) {
      this.failed += 1;
      this.lastError = describeError(error);
      const delays = options.nakDelaysMs ?? [500, 2_000, 10_000, 30_000];
      const delay = delays[Math.min(Math.max(0, msg.info.redeliveryCount - 1), delays.length - 1)] ?? 1_000;
      this.log('warn', 'event handler failed; will be redelivered', {
        durable: options.durable,
        subject: msg.subject,
        eventId: event.id,
        delivery: msg.info.redeliveryCount,
        delayMs: delay,
        error: this.lastError,
      });
      msg.nak(delay);
    } finally {
      clearInterval(progress);
    }
  }

  private async ensureDurable(options: EventConsumerStartOptions): Promise<void> {
    const jsm = this.jsm ?? (this.jsm = await this.nc.jetstreamManager());
    const filter: Partial<ConsumerConfig> =
      options.filterSubjects.length === 1 ? { filter_subject: options.filterSubjects[0] } : { filter_subjects: options.filterSubjects };
    const tunable = {
      ...filter,
      max_ack_pending: options.maxAckPending ?? 1,
      ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      max_deliver: options.maxDeliver ?? -1,
    };
    try {
      await jsm.consumers.info(this.stream, options.durable);
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_NOT_FOUND) throw error;
      await jsm.consumers.add(this.stream, {
        ...tunable,
        durable_name: options.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: options.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      });
      return;
    }
    await jsm.consumers.update(this.stream, options.durable, tunable);
  }
}

/**
 * A Nest provider for an EventConsumer: inject the app's NatsConnection under its token,
 * call `start()` in onModuleInit; Nest calls `onApplicationShutdown()`, which drains.
 */
export function eventConsumerProvider(options: {
  provide: InjectionToken;
  natsConnection: InjectionToken;
  config?: EventConsumerConfig;
}): FactoryProvider<EventConsumer> {
  return {
    provide: options.provide,
    inject: [options.natsConnection],
    useFactory: (nc: NatsConnection) => new EventConsumer(nc, options.config),
  };
}
