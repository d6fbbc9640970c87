import { NatsContext, ServerNats } from '@nestjs/microservices';
import type { MessageHandler, MsPattern, ReadPacket } from '@nestjs/microservices';
import { CORRELATION_ID_HEADER, CommonErrorCode, Envelope, ErrorPayload, isErrorPayload } from '@warden/contracts';
import { ServiceErrorCodeHeader, ServiceErrorHeader, headers as natsHeaders } from 'nats';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { isObservable, lastValueFrom } from 'rxjs';
import { problemFrom } from '../errors/problem-details';
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
 * Extras of a `@MessagePattern` whose subject also answers plain JSON, for NATS clients in
 * any language: `@MessagePattern(subject, PLAIN_JSON_REQUESTS)`. A request that is not
 * Nest's packet (`{pattern, data, id}`) reaches the handler as the payload of an anonymous
 * envelope, and its answer is the handler's value as bare JSON, or an RFC 7807 problem
 * document with the NATS service-error headers (`Nats-Service-Error`, `Nats-Service-Error-Code`).
 */
export const PLAIN_JSON_REQUESTS = { plainJson: true } as const;

/**
 * Nest's NATS transport with Warden's conventions: subjects under the deployment's
 * prefix, one queue group per service, each request handled inside the correlation
 * context of its caller, and a close that lets in-flight requests answer.
 */
export class WardenNatsServer extends ServerNats {
  private readonly subscriptionsToDrain: Subscription[] = [];
  private readonly inFlight = new InFlightRequests();
  private readonly outgoing: Array<{ message: Msg; answer: Answer; done: (() => void) | undefined }> = [];

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

  // Nest's transport routes each message through its deserializer, a route lookup that
  // JSON-parses the subject (a thrown SyntaxError per message), an observable pipeline and
  // its serializer. Here a request is decoded once, its handler (Nest's, with the app's
  // filters, pipes, guards and interceptors) found by its subscription, and a handler's
  // value answered in one packet: the same packets as Nest's, at a fraction of the cost.
  override bindEvents(client: NatsConnection): void {
    for (const [subject, handler] of this.getHandlers()) {
      const queue: string = handler.extras?.['queue'] ?? this.settings.queue;
      const plain = handler.extras?.['plainJson'] === true;
      const callback = (error: Error | null, message: Msg) => {
        if (error) this.settings.logger.error({ err: error, subject }, 'NATS subscription failed');
        else this.answer(subject, handler, message, plain).catch((failure: unknown) => this.couldNotHandle(failure, message));
      };
      this.subscriptionsToDrain.push(client.subscribe(subject, { queue, callback }));
    }
  }

  private async answer(subject: string, handler: MessageHandler, message: Msg, plain: boolean): Promise<void> {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(message.data));
    } catch (error) {
      if (plain && message.reply) {
        const correlationId = correlationIdOf(message, undefined);
        const reply = this.replier(message, correlationId, plainAnswer(correlationId));
        reply({ err: { code: CommonErrorCode.MalformedBody, detail: 'The request body must be JSON' } satisfies ErrorPayload });
        return;
      }
      // Not a request of ours: nothing to answer it with, the caller times out.
      this.couldNotHandle(error, message);
      return;
    }
    if (plain && message.reply && !isRequestPacket(value)) {
      await this.answerPlain(handler, message, value);
      return;
    }
    const packet = packetOf(value, subject);
    const correlationId = correlationIdOf(message, packet);
    const context = new NatsContext([message.subject, message.headers]);
    if (packet.id === undefined) {
      await runWithContext({ correlationId }, () => this.handleEvent(subject, packet as ReadPacket, context));
      return;
    }
    const id = packet.id;
    const reply = this.replier(message, correlationId, (outgoing) => ({ data: encoder.encode(JSON.stringify({ ...outgoing, id })) }));
    await runWithContext({ correlationId }, async () => {
      try {
        const result: unknown = await handler(packet.data, context);
        // An Observable is the exception filter's error or a handler that streams: Nest's
        // own sender turns it into its packets.
        if (isObservable(result)) this.send(result, reply);
        else reply({ response: result, isDisposed: true });
      } catch (error) {
        // The app's filter answers every handler error; reaching here is a fault of the pipeline.
        this.settings.logger.error({ err: error, subject: message.subject, correlationId }, 'unexpected error');
        reply({ err: { code: CommonErrorCode.Internal, detail: INTERNAL_DETAIL }, isDisposed: true });
      }
    });
  }

  // The handler sees an envelope with no caller (NATS is private to the deployment, and a
  // handler that needs one refuses an anonymous context); its value or error leaves as bare JSON.
  private async answerPlain(handler: MessageHandler, message: Msg, payload: unknown): Promise<void> {
    const correlationId = correlationIdOf(message, undefined);
    const reply = this.replier(message, correlationId, plainAnswer(correlationId));
    const envelope: Envelope<unknown> = { context: { correlationId, actorType: 'anonymous' }, payload };
    await runWithContext({ correlationId }, async () => {
      try {
        const result: unknown = await handler(envelope, new NatsContext([message.subject, message.headers]));
        // The exception filter answers with an Observable that fails with the error's payload.
        reply({ response: isObservable(result) ? await lastValueFrom(result) : result, isDisposed: true });
      } catch (error) {
        if (!isErrorPayload(error)) this.settings.logger.error({ err: error, subject: message.subject, correlationId }, 'unexpected error');
        reply({ err: isErrorPayload(error) ? error : { code: CommonErrorCode.Internal, detail: INTERNAL_DETAIL } });
      }
    });
  }

  private couldNotHandle(error: unknown, message: Msg): void {
    const correlationId = correlationIdFrom(headerCorrelationId(message));
    this.settings.logger.error({ err: error, subject: message.subject, correlationId }, 'could not handle a NATS message');
  }

  /** Sends a request's answer packets, and logs one line once it has answered, as an HTTP access log would. */
  private replier(message: Msg, correlationId: string, frame: (packet: OutgoingPacket) => Answer): (packet: OutgoingPacket) => void {
    if (!message.reply) return () => undefined;
    const done = this.inFlight.start();
    const startedAt = performance.now();
    return (packet) => {
      const last = packet.isDisposed === true || packet.err !== undefined;
      if (last && this.settings.logger.isLevelEnabled('info')) {
        const error = packet.err as { code?: unknown } | undefined;
        this.settings.logger.info(
          {
            subject: message.subject,
            correlationId,
            outcome: error === undefined ? 'ok' : String(error.code ?? 'error'),
            durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
          },
          'answered request',
        );
      }
      this.outgoing.push({ message, answer: frame(packet), done: last ? done : undefined });
      if (this.outgoing.length === 1) process.nextTick(this.sendReplies);
    };
  }

  // The answers that became ready while the promises of one I/O event settled leave
  // together: the NATS client flushes its buffer in a microtask after the first publish,
  // so replies coming out of a deep promise chain one by one would each cost a socket write.
  private readonly sendReplies = () => {
    for (const { message, answer, done } of this.outgoing.splice(0)) {
      try {
        message.respond(answer.data, answer.headers ? { headers: answer.headers } : undefined);
      } catch (error) {
        // The connection closed under a slow handler: nothing to answer on, the caller times out.
        this.settings.logger.warn({ err: error, subject: message.subject }, 'could not send a NATS reply');
      } finally {
        done?.();
      }
    }
  };

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

interface IncomingPacket {
  id?: string;
  pattern?: unknown;
  data?: unknown;
}

type OutgoingPacket = { response?: unknown; err?: unknown; isDisposed?: boolean };
type Answer = { data: Uint8Array; headers?: MsgHdrs };

const INTERNAL_DETAIL = 'An unexpected error occurred; it has been logged.';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// As Nest's deserializer: a message without `pattern` and `data` is a bare event on its subject.
function packetOf(value: unknown, subject: string): IncomingPacket {
  const packet = value as IncomingPacket | null;
  if (!packet || (packet.pattern === undefined && packet.data === undefined)) return { pattern: subject, data: value };
  return packet;
}

/** Nest's request packet, as ServiceClient and Nest's own client send it. */
function isRequestPacket(value: unknown): boolean {
  const packet = value as IncomingPacket | null;
  return typeof packet === 'object' && packet !== null && typeof packet.id === 'string' && packet.pattern !== undefined;
}

// A plain request's answer: the value itself, or the error as a problem document with the
// headers NATS service clients (the micro protocol) read an error from.
function plainAnswer(correlationId: string): (packet: OutgoingPacket) => Answer {
  return (packet) => {
    if (packet.err === undefined) return { data: encoder.encode(JSON.stringify(packet.response ?? null)) };
    const problem = problemFrom(packet.err as ErrorPayload, { correlationId });
    const headers = natsHeaders();
    headers.set(ServiceErrorHeader, problem.detail.replace(/[\r\n]+/g, ' ')); // a header value holds no line break
    headers.set(ServiceErrorCodeHeader, String(problem.status));
    return { data: encoder.encode(JSON.stringify(problem)), headers };
  };
}

function headerCorrelationId(message: Msg): string | undefined {
  return message.headers?.get(CORRELATION_ID_HEADER);
}

// The header set by ServiceClient wins; a caller that sends none still has its
// envelope's id; a request with neither gets a fresh id so its log lines still group.
function correlationIdOf(message: Msg, packet: IncomingPacket | undefined): string {
  const header = headerCorrelationId(message);
  if (isSaneCorrelationId(header)) return header;
  const envelope = packet?.data as { context?: { correlationId?: unknown } } | null | undefined;
  return correlationIdFrom(typeof envelope === 'object' && envelope !== null ? envelope.context?.correlationId : undefined);
}
