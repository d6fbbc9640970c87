import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import { APP_LOGGER, WardenLogger, classifyError, correlationIdOfRequest, httpStatusFor } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom, of } from 'rxjs';
import { principalOf } from '../auth/principal-of-request';
import {
  FinishedRecord,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_METHODS,
  IDEMPOTENT_REPLAYED_HEADER,
  REPLAYED_HEADERS,
  ReplayableRecord,
  answeredRecord,
  attachKeyFingerprint,
  idempotencyKeyOf,
  idempotencyRecordKey,
  keepsFailure,
  keyFingerprint,
  replayOf,
  requestFingerprint,
} from './idempotency-key';
import { HeldKey, IdempotencyStore } from './idempotency-store';

export const IDEMPOTENCY_KEY_PREFIX = Symbol('IDEMPOTENCY_KEY_PREFIX');

/**
 * Honours `Idempotency-Key` on every authenticated POST and PATCH: the first
 * request's answer is kept for 24 hours and replayed to a retry with the same key, by the
 * same caller, for the same request. Runs after the authentication guard, since a key
 * belongs to its caller; login has no caller yet and ignores the header.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(IDEMPOTENCY_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (!IDEMPOTENT_METHODS.has(request.method)) return next.handle();
    const principal = principalOf(request);
    if (!principal) return next.handle();
    const key = idempotencyKeyOf(request.headers[IDEMPOTENCY_KEY_HEADER]);
    if (key === undefined) return next.handle();

    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const recordKey = idempotencyRecordKey(this.keyPrefix, principal, key);
    const reply = http.getResponse<FastifyReply>();
    let begun: Awaited<ReturnType<IdempotencyStore['begin']>>;
    try {
      begun = await this.store.begin(recordKey, fingerprint);
    } catch (error) {
      // Without its record the key cannot be honoured; running the command anyway could do it twice.
      this.logger.warn({ err: error instanceof Error ? error.message : String(error), correlationId: correlationIdOfRequest(request) }, 'idempotency keys unavailable');
      throw new WardenError(CommonErrorCode.ServiceUnavailable, 'Idempotency keys cannot be checked right now; retry later with the same key');
    }
    if (!begun.held) return replay(replayOf(begun.record, fingerprint), reply);
    // The commands carry the key's fingerprint, so a retry after a lost answer (a 5xx frees
    // the key) makes the same ids and the services answer it as a replay, not a duplicate.
    attachKeyFingerprint(request, keyFingerprint(principal, key, fingerprint));
    // Awaited apart from the response, so a client that gave up (its timeout) still finds the answer kept for its retry.
    return from(this.serve(next, begun.key, fingerprint, reply, correlationIdOfRequest(request)));
  }

  // The gateway keeps no async context per request: its log lines name the request's correlation id themselves.
  private async serve(next: CallHandler, key: HeldKey, fingerprint: string, reply: FastifyReply, correlationId: string | undefined): Promise<unknown> {
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      const { expected, ...problem } = classifyError(error);
      if (expected && keepsFailure(problem, httpStatusFor(problem.code))) await this.settle(key, { state: 'failed', fingerprint, problem }, correlationId);
      else await this.settle(key, undefined, correlationId);
      throw error;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value);
    }
    await this.settle(key, answeredRecord(fingerprint, reply.statusCode, headers, body), correlationId);
    return body;
  }

  /** Keeps the answer (or frees the key); a failure here costs only the replay, never the answer. */
  private async settle(key: HeldKey, record: FinishedRecord | undefined, correlationId: string | undefined): Promise<void> {
    try {
      const done = record === undefined ? await this.store.release(key) : await this.store.finish(key, record);
      if (!done) this.logger.warn({ state: record?.state ?? 'released', correlationId }, 'idempotency key lock lost before the answer');
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error), correlationId }, 'keeping an idempotent answer failed');
    }
  }
}

function replay(record: ReplayableRecord, reply: FastifyReply): Observable<unknown> {
  void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  switch (record.state) {
    case 'answered':
      void reply.status(record.status);
      for (const [name, value] of Object.entries(record.headers)) void reply.header(name, value);
      return of(record.body === null ? undefined : record.body);
    case 'failed':
      throw WardenError.fromPayload(record.problem);
    default: {
      const _exhaustive: never = record;
      return _exhaustive;
    }
  }
}
