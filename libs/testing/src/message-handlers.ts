import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import type { Envelope, RequestContext } from '@warden/contracts';

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

/** A query a walk of a service's handlers runs: who asks, with what, and what its answer must show. */
export interface WalkedQuery {
  context: RequestContext;
  payload: unknown;
  expect: (answer: unknown) => void;
}

/**
 * Walks a service's message handlers: every one is a query of `queries` (run, and its answer
 * checked) or one of `others` (its commands, and any handler that reads the store by design);
 * none is left unclassed, and no query names a handler the service does not have.
 */
export async function walkQueries(handlers: Map<string, MessageHandler>, queries: Record<string, WalkedQuery>, others: ReadonlySet<string>): Promise<void> {
  expect([...handlers.keys()].filter((pattern) => !others.has(pattern) && !(pattern in queries))).toEqual([]);
  expect(Object.keys(queries).filter((pattern) => !handlers.has(pattern))).toEqual([]);
  for (const [pattern, query] of Object.entries(queries)) query.expect(await handlers.get(pattern)!({ context: query.context, payload: query.payload }));
}
