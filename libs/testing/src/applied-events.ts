// What a consumer's effect looks like to a test that checks "nothing lost, nothing applied
// twice": each event's id recorded once, in its stream's order. It applies events as the
// read models do: one at or below the version it holds for its stream is a redelivery and is
// skipped; one past a gap first applies what the gap skipped, read from the store (the read
// models fold a stream from the store), so an event republished late is not needed twice.
import { EventStore, RecordedEvent } from '@warden/event-store';

export class AppliedEvents {
  private readonly versions = new Map<string, number>();
  private readonly applied = new Map<string, string[]>();
  /** Events handed to `apply`, redeliveries included. */
  delivered = 0;
  /** Of those, events it already held. */
  skipped = 0;

  constructor(private readonly store: EventStore) {}

  async apply(event: Pick<RecordedEvent, 'id' | 'streamId' | 'version'>): Promise<void> {
    this.delivered += 1;
    const held = this.versions.get(event.streamId) ?? 0;
    if (event.version <= held) {
      this.skipped += 1;
      return;
    }
    const ids = this.applied.get(event.streamId) ?? [];
    if (event.version > held + 1) {
      const missed = await this.store.readStream(event.streamId, { fromVersion: held + 1 });
      ids.push(...missed.filter((each) => each.version < event.version).map((each) => each.id));
    }
    ids.push(event.id);
    this.applied.set(event.streamId, ids);
    this.versions.set(event.streamId, event.version);
  }

  /** How many distinct events it applied. */
  count(): number {
    return [...this.applied.values()].reduce((sum, ids) => sum + ids.length, 0);
  }

  /** Event ids as applied, stream by stream. */
  byStream(): Record<string, string[]> {
    return Object.fromEntries([...this.applied.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** The same shape from the store's own events: what `byStream()` must equal. */
export function eventIdsByStream(events: readonly RecordedEvent[]): Record<string, string[]> {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  return Object.fromEntries(
    [...byStream.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([streamId, recorded]) => [
        streamId,
        recorded.sort((a, b) => a.version - b.version).map((event) => event.id),
      ]),
  );
}
