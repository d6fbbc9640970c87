// What the gateway knows about a request, sent with every command and query so that
// services can authorize it and stamp it on the events they append.

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
}

/** Every command and query over NATS: the caller's context and the message itself. */
export interface Envelope<T> {
  context: RequestContext;
  payload: T;
}

/** NATS header that carries the correlation id next to the payload. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
