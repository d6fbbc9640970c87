import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line and outgoing message of one request carries. */
export interface CorrelationContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Runs `fn` (and everything it awaits) inside the given correlation context. */
export function runWithContext<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): CorrelationContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
