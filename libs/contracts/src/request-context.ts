// What the gateway knows about a request, sent with every command and query so that
// services can authorize it and stamp it on the events they append.

import { hash } from 'node:crypto';
import { PrincipalView } from './principal';

export type ActorType = 'anonymous' | 'system' | 'user' | 'service_internal' | 'service_external';

export interface RequestContext {
  correlationId: string;
  actorId?: string;
  actorType: ActorType;
  organizationId?: string;
  clientAddress?: string;
  userAgent?: string;
  /** The authenticated caller; absent on the few routes open to anyone (login, health). */
  principal?: PrincipalView;
  /**
   * Set when the request carried an `Idempotency-Key`: a SHA-256 (hex) of the caller, the key
   * and the request, never the key itself. A create command derives its new entity's id from
   * it (`idempotentId`), so a retry whose first answer was lost finds the entity it made.
   */
  idempotencyFingerprint?: string;
}

/** Every command and query over NATS: the caller's context and the message itself. */
export interface Envelope<T> {
  context: RequestContext;
  payload: T;
}

/** NATS header that carries the correlation id next to the payload. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/**
 * The id a create command gives its new entity when the request carried an idempotency
 * fingerprint: a UUID (version 8, RFC 9562's name-based SHA-256 layout) from the fingerprint
 * and the command's name, so one request that makes a user and a token gives them distinct
 * ids, and its retry the same ones. Without a fingerprint the caller mints a random id.
 */
export function idempotentId(fingerprint: string, command: string): string {
  const bytes = hash('sha256', `${fingerprint}\n${command}`, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
