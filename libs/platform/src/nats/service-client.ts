import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import {
  CORRELATION_ID_HEADER,
  CommonErrorCode,
  Envelope,
  WardenError,
  isErrorPayload,
} from '@warden/contracts';
import { headers as natsHeaders, ErrorCode as NatsErrorCode, NatsError } from 'nats';
import { firstValueFrom, throwError, timeout } from 'rxjs';
import { APP_LOGGER } from '../logging/logging.module';
import type { WardenLogger } from '../logging/logger';
import { natsRequestDuration } from '../metrics/metrics';
import { WardenNatsClient } from './warden-nats-client';

export const NATS_REQUEST_TIMEOUT_MS = Symbol('NATS_REQUEST_TIMEOUT_MS');

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
  ) {}

  async send<TRes, TPayload = unknown>(subject: string, envelope: Envelope<TPayload>): Promise<TRes> {
    const headers = natsHeaders();
    headers.set(CORRELATION_ID_HEADER, envelope.context.correlationId);
    const record = new NatsRecordBuilder(envelope).setHeaders(headers).build();
    const endTimer = natsRequestDuration.startTimer({ subject });
    try {
      const reply$ = this.client.send<TRes>(subject, record).pipe(
        timeout({
          first: this.timeoutMs,
          with: () =>
            throwError(
              () =>
                new WardenError(
                  CommonErrorCode.UpstreamTimeout,
                  `No answer to ${subject} within ${this.timeoutMs} ms`,
                ),
            ),
        }),
      );
      // A handler that returns nothing completes without a value.
      const reply = await firstValueFrom(reply$, { defaultValue: undefined as TRes });
      endTimer({ outcome: 'ok' });
      return reply;
    } catch (error) {
      const failure = this.toWardenError(error, subject, envelope.context.correlationId);
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

  private toWardenError(error: unknown, subject: string, correlationId: string): WardenError {
    if (error instanceof WardenError) return error;
    if (isErrorPayload(error)) return WardenError.fromPayload(error);
    if (isUnavailable(error)) {
      return new WardenError(CommonErrorCode.ServiceUnavailable, `No service is answering ${subject}`);
    }
    this.logger.error({ err: error, subject, correlationId }, 'unexpected reply from a service');
    return new WardenError(CommonErrorCode.Internal, 'An unexpected error occurred; it has been logged.');
  }
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof EmptyResponseException) return true; // NATS "no responders"
  if (error instanceof NatsError) return UNAVAILABLE_NATS_CODES.has(error.code);
  // Nest rejects with this string while the connection is being re-established.
  if (typeof error === 'string') return error.includes('Connection lost');
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { message?: unknown }).message === NO_MESSAGE_HANDLER
  );
}
