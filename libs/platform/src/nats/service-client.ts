import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  CORRELATION_ID_HEADER,
  CommonErrorCode,
  Envelope,
  WardenError,
  isErrorPayload,
} from '@warden/contracts';
import { headers as natsHeaders, ErrorCode as NatsErrorCode, NatsError } from 'nats';
import { APP_LOGGER } from '../logging/logging.module';
import type { WardenLogger } from '../logging/logger';
import { natsRequestDuration } from '../metrics/metrics';
import { WardenNatsClient } from './warden-nats-client';

export const NATS_REQUEST_TIMEOUT_MS = Symbol('NATS_REQUEST_TIMEOUT_MS');

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Nest's answer when the subject has subscribers but none of them handles the pattern.
const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

const UNAVAILABLE_NATS_CODES: ReadonlySet<string> = new Set([
  NatsErrorCode.NoResponders,
  NatsErrorCode.ConnectionClosed,
  NatsErrorCode.ConnectionDraining,
  NatsErrorCode.ConnectionRefused,
  NatsErrorCode.ConnectionTimeout,
  NatsErrorCode.Disconnect,
]);

/**
 * How the gateway sends a command or query to a service and gets its answer. Every
 * failure comes out as a WardenError: the service's own, `upstream_timeout` when it
 * does not answer in NATS_REQUEST_TIMEOUT_MS, `service_unavailable` when no instance
 * listens or NATS is unreachable.
 */
@Injectable()
export class ServiceClient implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly client: WardenNatsClient,
    @Inject(NATS_REQUEST_TIMEOUT_MS) private readonly timeoutMs: number,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
  ) {
    natsRequestDuration(); // exported from the start by a process that asks the services
  }

  /**
   * `timeoutMs` shortens the wait for one request: a service asking another while its own
   * caller waits answers within that caller's deadline.
   */
  async send<TRes, TPayload = unknown>(subject: string, envelope: Envelope<TPayload>, options: { timeoutMs?: number } = {}): Promise<TRes> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.timeoutMs, this.timeoutMs);
    const headers = natsHeaders();
    headers.set(CORRELATION_ID_HEADER, envelope.context.correlationId);
    // Nest's request packet, which the services' transport reads: the pattern, an id it echoes, the envelope.
    const packet = encoder.encode(JSON.stringify({ pattern: subject, data: envelope, id: randomUUID() }));
    const endTimer = natsRequestDuration().startTimer({ subject });
    try {
      const reply = await this.client.request(subject, packet, headers, timeoutMs);
      // A handler that returns nothing answers without a response.
      const { err, response } = JSON.parse(decoder.decode(reply.data)) as { err?: unknown; response?: TRes };
      if (err !== undefined && err !== null) throw err;
      endTimer({ outcome: 'ok' });
      return response as TRes;
    } catch (error) {
      const failure = this.toWardenError(error, subject, envelope.context.correlationId, timeoutMs);
      endTimer({ outcome: failure.code });
      throw failure;
    }
  }

  /** The live connection, for the health check; null until connected. */
  connection() {
    return this.client.connection();
  }

  // Connect at boot so the first request does not pay for it; a NATS that is down is
  // reported by the health check and retried by the next request, not fatal here.
  async onApplicationBootstrap(): Promise<void> {
    await this.client.connect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'NATS is not reachable yet; requests will retry');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  private toWardenError(error: unknown, subject: string, correlationId: string, timeoutMs: number): WardenError {
    if (error instanceof WardenError) return error;
    if (isErrorPayload(error)) return WardenError.fromPayload(error);
    if (error instanceof NatsError && error.code === NatsErrorCode.Timeout) {
      return new WardenError(CommonErrorCode.UpstreamTimeout, `No answer to ${subject} within ${timeoutMs} ms`);
    }
    if (isUnavailable(error)) {
      return new WardenError(CommonErrorCode.ServiceUnavailable, `No service is answering ${subject}`);
    }
    this.logger.error({ err: error, subject, correlationId }, 'unexpected reply from a service');
    return new WardenError(CommonErrorCode.Internal, 'An unexpected error occurred; it has been logged.');
  }
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof NatsError) return UNAVAILABLE_NATS_CODES.has(error.code);
  // What a service's transport answers when the subject has subscribers but none handles it.
  return error === NO_MESSAGE_HANDLER;
}
