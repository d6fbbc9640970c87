// Follows the committed global log: relays and read-model rebuilds both run on this loop.
import { EventStore, LogPosition, RecordedEvent } from './event-store.port';

export interface TailAllOptions {
  /** Exclusive; omitted = from the start of the log. */
  after?: LogPosition;
  batchSize: number;
  signal: AbortSignal;
  /** Longest sleep between reads once caught up, in case a wake-up is missed. */
  idleWaitMs: number;
}

/**
 * Reads the log page by page, hands each page to `onBatch` and moves past it only once
 * `onBatch` has resolved; sleeps on `waitForAppend` when caught up. Stops when `signal`
 * aborts and resolves with the last position handed over (or `after`). A failing read
 * or `onBatch` rejects: retrying, and from where, is the caller's decision.
 */
export async function tailAll(
  store: EventStore,
  options: TailAllOptions,
  onBatch: (events: RecordedEvent[]) => Promise<void>,
): Promise<LogPosition | undefined> {
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1)
    throw new RangeError(`invalid batch size ${options.batchSize}`);
  const { signal } = options;
  let after = options.after;
  while (!signal.aborted) {
    const page = await store.readAll({ after, limit: options.batchSize });
    if (signal.aborted) break;
    if (page.length > 0) {
      await onBatch(page);
      after = page[page.length - 1]!.position;
    }
    if (page.length < options.batchSize) await store.waitForAppend(options.idleWaitMs, signal);
  }
  return after;
}
