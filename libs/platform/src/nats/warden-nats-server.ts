import { ServerNats } from '@nestjs/microservices';
import type { MessageHandler, MsPattern } from '@nestjs/microservices';
import { CORRELATION_ID_HEADER } from '@warden/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { runWithContext } from '../logging/correlation-context';
import { correlationIdFrom, isSaneCorrelationId } from '../logging/correlation-id';
import type { WardenLogger } from '../logging/logger';
import { InFlightRequests } from './in-flight-requests';
import { prefixSubject } from './nats-subject';

export interface WardenNatsServerOptions {
  servers: string[];
  /** NATS_SUBJECT_PREFIX: every handler's pattern is subscribed as `<prefix>.<pattern>`. */
  subjectPrefix: string;
  /** Queue group: the instances of one service share its requests. */
  queue: string;
  logger: WardenLogger;
  /** Connection name shown by the NATS server's monitoring. */
  name?: string;
  /** On close, how long to wait for requests already taken. */
  drainTimeoutMs?: number;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Nest's NATS transport with Warden's conventions: subjects under the deployment's
 * prefix, one queue group per service, each request handled inside the correlation
 * context of its caller, and a close that lets in-flight requests answer.
 */
export class WardenNatsServer extends ServerNats {
  private readonly subscriptionsToDrain: Subscription[] = [];
  private readonly inFlight = new InFlightRequests();

  constructor(private readonly settings: WardenNatsServerOptions) {
    super({
      servers: settings.servers,
      queue: settings.queue,
      name: settings.name,
      maxReconnectAttempts: -1,
    });
  }

  // The prefix is added where handlers are registered, not in normalizePattern: Nest
  // routes an incoming message by passing its (already prefixed) subject through
  // normalizePattern again, which would prefix it twice.
  override addHandler(
    pattern: MsPattern,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    super.addHandler(prefixSubject(this.settings.subjectPrefix, pattern), callback, isEventHandler, extras);
  }

  // Same as Nest's, but keeps the subscriptions so that close() can drain them.
  override bindEvents(client: NatsConnection): void {
    for (const [subject, handler] of this.getHandlers()) {
      const queue: string = handler.extras?.['queue'] ?? this.settings.queue;
      const callback = this.getMessageHandler(subject).bind(this) as (
        error: Error | null,
        message: Msg,
      ) => void;
      this.subscriptionsToDrain.push(client.subscribe(subject, { queue, callback }));
    }
  }

  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    const correlationId = correlationIdOf(natsMsg);
    return runWithContext({ correlationId }, () =>
      // Nest lets a message that fails to deserialize reject here, where nothing awaits it.
      super.handleMessage(channel, natsMsg).catch((error: unknown) => {
        this.settings.logger.error(
          { err: error, subject: natsMsg.subject, correlationId },
          'could not handle a NATS message',
        );
      }),
    );
  }

  override getPublisher(
    natsMsg: Msg,
    id: string,
    ctx: Parameters<ServerNats['getPublisher']>[2],
  ): (response: unknown) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx);
    if (!natsMsg.reply) return publish;
    const done = this.inFlight.start();
    const startedAt = performance.now();
    const correlationId = correlationIdOf(natsMsg);
    return (response) => {
      const packet = response as { err?: unknown; isDisposed?: boolean };
      if (packet.isDisposed || packet.err !== undefined) {
        // One line per answered request, as an HTTP access log would have.
        const error = packet.err as { code?: unknown } | undefined;
        this.settings.logger.info(
          {
            subject: natsMsg.subject,
            correlationId,
            outcome: error === undefined ? 'ok' : String(error.code ?? 'error'),
            durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
          },
          'answered request',
        );
      }
      try {
        return publish(response);
      } catch (error) {
        // The connection closed under a slow handler: nothing to answer on, the caller times out.
        this.settings.logger.warn({ err: error, subject: natsMsg.subject }, 'could not send a NATS reply');
        return undefined;
      } finally {
        if (packet.isDisposed || packet.err !== undefined) done();
      }
    };
  }

  override async close(): Promise<void> {
    const connection = this.connection();
    if (connection && !connection.isClosed() && !connection.isDraining()) {
      // Stop taking requests (the other instances of the queue group get them), let the
      // ones taken answer, then flush the replies and close.
      await Promise.allSettled(this.subscriptionsToDrain.map((subscription) => subscription.drain()));
      const pending = this.inFlight.size;
      const settled = await this.inFlight.settled(this.settings.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      if (!settled) this.settings.logger.warn({ pending }, 'closing NATS with requests still in flight');
      await connection.drain().catch(() => undefined);
    }
    this.subscriptionsToDrain.length = 0;
    await super.close();
  }

  /** The live connection, or null before listen() and after close(). */
  connection(): NatsConnection | null {
    try {
      return this.unwrap<NatsConnection>();
    } catch {
      return null;
    }
  }
}

// The header set by ServiceClient wins; a caller that sends none still has its
// envelope's id; a request with neither gets a fresh id so its log lines still group.
function correlationIdOf(message: Msg): string {
  const header = message.headers?.get(CORRELATION_ID_HEADER);
  if (isSaneCorrelationId(header)) return header;
  try {
    const packet = JSON.parse(new TextDecoder().decode(message.data)) as {
      data?: { context?: { correlationId?: unknown } };
    };
    return correlationIdFrom(packet.data?.context?.correlationId);
  } catch {
    return correlationIdFrom(undefined);
  }
}
