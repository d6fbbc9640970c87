import { randomUUID } from 'node:crypto';

const SANE_CORRELATION_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A correlation id taken from outside (an HTTP header, a NATS header) is echoed in
 * headers and written to logs, so only short ids of safe characters are accepted.
 */
export function isSaneCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && SANE_CORRELATION_ID.test(value);
}

export function newCorrelationId(): string {
  return randomUUID();
}

/** The caller's id when it is sane, a fresh one otherwise. */
export function correlationIdFrom(value: unknown): string {
  return isSaneCorrelationId(value) ? value : newCorrelationId();
}
