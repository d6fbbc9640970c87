import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import type { Envelope } from '@warden/contracts';

/** A message handler of a controller, called as the transport calls it. */
export type MessageHandler = (envelope: Envelope<unknown>) => Promise<unknown>;

/** Each message pattern a controller answers, with the method that answers it (for tests that walk a service's handlers). */
export function messageHandlersOf(controller: object): Map<string, MessageHandler> {
  const prototype = Object.getPrototypeOf(controller) as Record<string, unknown>;
  const handlers = new Map<string, MessageHandler>();
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    const patterns = (Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined) ?? [];
    for (const pattern of patterns) handlers.set(String(pattern), (envelope) => (method as MessageHandler).call(controller, envelope));
  }
  return handlers;
}
