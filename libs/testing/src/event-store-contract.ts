// One contract for the event-store port, run against every adapter: what command
// handlers, relays and rebuilds rely on, including under concurrency.
import { randomUUID } from 'node:crypto';
import {
  AppendRequest,
  EventStore,
  LogPosition,
  NewEvent,
  PendingAppend,
  RecordedEvent,
  WrongExpectedVersionError,
} from '@warden/event-store';

export interface EventStoreContractSubject {
  store: EventStore;
  /**
   * Begins an append that takes its place in the log now and commits only when told:
   * a slow transaction. Adapters whose log order is decided at commit have nothing
   * to hold open, and leave it out.
   */
  beginPendingAppend?: (requests: AppendRequest[]) => Promise<PendingAppend>;
  /** Closes the store and drops whatever the subject created (its schema, say). */
  dispose(): Promise<void>;
}

export interface EventStoreContractOptions {
  /**
   * How long a committed event may take to become readable in the global log. The
   * PostgreSQL adapter holds events back while any older transaction in the cluster
   * is open, and integration tests run in parallel.
   */
  visibilityTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sequence = 0;
function newEvent(type = 'ThingHappened', data: NewEvent['data'] = {}): NewEvent {
  sequence += 1;
  return {
    id: randomUUID(),
    type,
    data: { n: sequence, ...data },
    metadata: { correlationId: `corr-${sequence}` },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

async function expectConflict(
  promise: Promise<unknown>,
  streamId: string,
  actual: number,
): Promise<WrongExpectedVersionError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  const conflict = error as WrongExpectedVersionError;
  expect(conflict.streamId).toBe(streamId);
  expect(conflict.actual).toBe(actual);
  return conflict;
}

function isOrdered(positions: LogPosition[]): boolean {
  return positions.every((position, i) => i === 0 || positions[i - 1]! < position);
}

export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStoreContractSubject>,
  options: EventStoreContractOptions = {},
): void {
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 0;

  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreContractSubject;
    let store: EventStore;
    // Stream ids unique per test, so an adapter sharing a server between tests is fine.
    let prefix: string;
    const stream = (label: string) => `${prefix}-${label}`;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
      prefix = `c${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await subject.dispose();
    });

    // Everything of this test in the global log after `after`, once `count` are readable.
    async function readOwnLog(count: number, after?: LogPosition): Promise<RecordedEvent[]> {
      const deadline = Date.now() + visibilityTimeoutMs;
      for (;;) {
        const events: RecordedEvent[] = [];
        let from = after;
        for (;;) {
          const page = await store.readAll({ after: from, limit: 100 });
          events.push(...page.filter((event) => event.streamId.startsWith(`${prefix}-`)));
          if (page.length < 100) break;
          from = page[page.length - 1]!.position;
        }
        if (events.length >= count || Date.now() >= deadline) return events;
        await sleep(20);
      }
    }

    // Appends a marker and reads until it shows: whatever committed before it is readable too.
    async function readOwnLogSettled(after?: LogPosition): Promise<RecordedEvent[]> {
      const marker = newEvent('Marker');
      await store.append({
        streamId: stream(`marker-${marker.id}`),
        expectedVersion: 'no_stream',
        events: [marker],
      });
      const deadline = Date.now() + visibilityTimeoutMs;
      for (;;) {
        const events = await readOwnLog(0, after);
        const at = events.findIndex((event) => event.id === marker.id);
        if (at >= 0) return events.slice(0, at);
        if (Date.now() >= deadline) throw new Error('the marker event never became readable');
        await sleep(20);
      }
    }

    describe('streams', () => {
      it('reads back what was appended, with versions from 1, positions and a commit time', async () => {
        const before = Date.now();
        const first = newEvent('AccountCreated', {
          name: 'billing-bot',
          tags: ['a', 'b'],
          nested: { ok: true, none: null, pi: 3.25 },
          text: 'héllo ✓',
        });
        const second = {
          ...newEvent('AccountRenamed'),
          metadata: { correlationId: 'c-2', causationId: 'c-1', actorId: 'u-1', actorType: 'user' },
        };

        const result = await store.append({
          streamId: stream('a'),
          expectedVersion: 'no_stream',
          events: [first, second],
        });
        const events = await store.readStream(stream('a'));

        expect(result.streamId).toBe(stream('a'));
        expect(result.version).toBe(2);
        expect(events).toHaveLength(2);
        expect(
          events.map(({ id, type, data, metadata, streamId, version }) => ({
            id,
            type,
            data,
            metadata,
            streamId,
            version,
          })),
        ).toEqual([
          { ...first, streamId: stream('a'), version: 1 },
          { ...second, streamId: stream('a'), version: 2 },
        ]);
        expect(events[1]!.position).toBe(result.position);
        expect(events[0]!.position < events[1]!.position).toBe(true);
        const recordedAt = Date.parse(events[0]!.recordedAt);
        expect(new Date(recordedAt).toISOString()).toBe(events[0]!.recordedAt);
        // generous bounds: the server's clock may differ slightly from ours
        expect(recordedAt).toBeGreaterThanOrEqual(before - 5_000);
        expect(recordedAt).toBeLessThanOrEqual(Date.now() + 5_000);
      });

      it('keeps the schema version each event was written with, in the stream and the log; one written without is version 1', async () => {
        const unversioned = newEvent('AccountCreated');
        const versioned = { ...newEvent('AccountRenamed'), schemaVersion: 3 };
        // One stream (an adapter may append it in one statement), then several at once.
        await store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [unversioned, versioned] });
        await store.appendMany([
          { streamId: stream('a'), expectedVersion: 2, events: [{ ...newEvent('AccountClosed'), schemaVersion: 4 }] },
          { streamId: stream('b'), expectedVersion: 'no_stream', events: [{ ...newEvent('AccountRenamed'), schemaVersion: 2 }] },
        ]);

        expect((await store.readStream(stream('a'))).map((e) => [e.type, e.schemaVersion])).toEqual([
          ['AccountCreated', 1],
          ['AccountRenamed', 3],
          ['AccountClosed', 4],
        ]);
        expect((await readOwnLog(4)).map((e) => [e.streamId, e.schemaVersion])).toEqual([
          [stream('a'), 1],
          [stream('a'), 3],
          [stream('a'), 4],
          [stream('b'), 2],
        ]);
      });

      it('refuses a schema version that is not an integer >= 1, and writes nothing', async () => {
        for (const schemaVersion of [0, -1, 1.5, Number.NaN]) {
          const error = await rejection(
            store.append({ streamId: stream('a'), expectedVersion: 'any', events: [{ ...newEvent(), schemaVersion }] }),
          );
          expect(error).toBeInstanceOf(RangeError);
        }
        expect(await store.readStream(stream('a'))).toEqual([]);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(stream('nobody'))).toEqual([]);
      });

      it('keeps a stream in version order across appends, and reads from a version on', async () => {
        let version = 0;
        for (let i = 0; i < 6; i++) {
          const result = await store.append({
            streamId: stream('a'),
            expectedVersion: version,
            events: [newEvent(), newEvent()],
          });
          expect(result.version).toBe(version + 2);
          version = result.version;
        }
        const events = await store.readStream(stream('a'));
        expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        expect(isOrdered(events.map((e) => e.position))).toBe(true);
        expect((await store.readStream(stream('a'), { fromVersion: 11 })).map((e) => e.version)).toEqual([
          11, 12,
        ]);
        expect(await store.readStream(stream('a'), { fromVersion: 13 })).toEqual([]);
      });

      it('reads a stream as it was at an instant with recordedUntil', async () => {
        await store.append({
          streamId: stream('a'),
          expectedVersion: 'no_stream',
          events: [newEvent(), newEvent()],
        });
        const [, second] = await store.readStream(stream('a'));
        await sleep(25);
        await store.append({ streamId: stream('a'), expectedVersion: 2, events: [newEvent()] });

        const asOf = await store.readStream(stream('a'), { recordedUntil: new Date(second!.recordedAt) });
        expect(asOf.map((e) => e.version)).toEqual([1, 2]);
        expect(
          await store.readStream(stream('a'), {
            recordedUntil: new Date(Date.parse(second!.recordedAt) - 60_000),
          }),
        ).toEqual([]);
        expect(
          await store.readStream(stream('a'), { recordedUntil: new Date(Date.now() + 60_000) }),
        ).toHaveLength(3);
        expect(
          (
            await store.readStream(stream('a'), {
              fromVersion: 2,
              recordedUntil: new Date(second!.recordedAt),
            })
          ).map((e) => e.version),
        ).toEqual([2]);
      });
    });

    describe('expected version', () => {
      it('no_stream (or 0) appends only to a stream that does not exist', async () => {
        await store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] });
        await store.append({ streamId: stream('b'), expectedVersion: 0, events: [newEvent()] });

        const conflict = await expectConflict(
          store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] }),
          stream('a'),
          1,
        );
        expect(conflict.expected).toBe('no_stream');
        await expectConflict(
          store.append({ streamId: stream('b'), expectedVersion: 0, events: [newEvent()] }),
          stream('b'),
          1,
        );
        expect(await store.readStream(stream('a'))).toHaveLength(1);
        expect(await store.readStream(stream('b'))).toHaveLength(1);
      });

      it('an exact version must be the current one; a conflict carries the actual version and writes nothing', async () => {
        await store.append({
          streamId: stream('a'),
          expectedVersion: 'no_stream',
          events: [newEvent(), newEvent(), newEvent()],
        });

        const behind = await expectConflict(
          store.append({ streamId: stream('a'), expectedVersion: 2, events: [newEvent()] }),
          stream('a'),
          3,
        );
        expect(behind.expected).toBe(2);
        await expectConflict(
          store.append({ streamId: stream('a'), expectedVersion: 5, events: [newEvent()] }),
          stream('a'),
          3,
        );
        await expectConflict(
          store.append({ streamId: stream('nobody'), expectedVersion: 1, events: [newEvent()] }),
          stream('nobody'),
          0,
        );
        expect(await store.readStream(stream('a'))).toHaveLength(3);
        expect(await store.readStream(stream('nobody'))).toEqual([]);

        const result = await store.append({
          streamId: stream('a'),
          expectedVersion: 3,
          events: [newEvent()],
        });
        expect(result.version).toBe(4);
      });

      it('any appends whatever the stream holds, new or not', async () => {
        expect(
          (await store.append({ streamId: stream('a'), expectedVersion: 'any', events: [newEvent()] }))
            .version,
        ).toBe(1);
        expect(
          (
            await store.append({
              streamId: stream('a'),
              expectedVersion: 'any',
              events: [newEvent(), newEvent()],
            })
          ).version,
        ).toBe(3);
        expect((await store.readStream(stream('a'))).map((e) => e.version)).toEqual([1, 2, 3]);
      });

      it('of 10 writers racing with the same expected version, exactly one wins each round', async () => {
        const writers = 10;
        const rounds = 5;
        for (let round = 0; round < rounds; round++) {
          const attempts = Array.from({ length: writers }, () => newEvent('Raced'));
          const outcomes = await Promise.allSettled(
            attempts.map((event) =>
              store.append({ streamId: stream('race'), expectedVersion: round, events: [event] }),
            ),
          );
          const won = outcomes.flatMap((outcome, i) =>
            outcome.status === 'fulfilled' ? [{ result: outcome.value, event: attempts[i]! }] : [],
          );
          const lost = outcomes.flatMap((outcome) =>
            outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
          );

          expect(won).toHaveLength(1);
          expect(won[0]!.result.version).toBe(round + 1);
          expect(lost).toHaveLength(writers - 1);
          for (const error of lost) {
            expect(error).toBeInstanceOf(WrongExpectedVersionError);
            expect((error as WrongExpectedVersionError).actual).toBe(round + 1);
          }
          const events = await store.readStream(stream('race'));
          expect(events).toHaveLength(round + 1);
          expect(events[round]!.id).toBe(won[0]!.event.id);
        }
      });

      it('writers racing with any all get in, each with its own version', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.append({ streamId: stream('a'), expectedVersion: 'any', events: [newEvent(), newEvent()] }),
          ),
        );
        expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([
          2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
        ]);
        const events = await store.readStream(stream('a'));
        expect(events.map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        // each append's two events stay together
        for (let i = 0; i < 20; i += 2)
          expect(events[i + 1]!.data['n']).toBe((events[i]!.data['n'] as number) + 1);
      });
    });

    describe('appendMany', () => {
      it('appends to several streams at once and answers per request, in order', async () => {
        await store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] });
        const results = await store.appendMany([
          { streamId: stream('a'), expectedVersion: 1, events: [newEvent(), newEvent()] },
          { streamId: stream('b'), expectedVersion: 'no_stream', events: [newEvent()] },
        ]);

        expect(results.map(({ streamId, version }) => ({ streamId, version }))).toEqual([
          { streamId: stream('a'), version: 3 },
          { streamId: stream('b'), version: 1 },
        ]);
        const a = await store.readStream(stream('a'));
        const b = await store.readStream(stream('b'));
        expect(results[0]!.position).toBe(a[2]!.position);
        expect(results[1]!.position).toBe(b[0]!.position);
        expect(a[0]!.position < a[1]!.position).toBe(true);
      });

      it('writes nothing on any stream when one stream conflicts, wherever it is in the request', async () => {
        await store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] });
        const start = (await readOwnLog(1)).at(-1)!.position;

        await expectConflict(
          store.appendMany([
            { streamId: stream('b'), expectedVersion: 'no_stream', events: [newEvent()] },
            { streamId: stream('c'), expectedVersion: 'any', events: [newEvent()] },
            { streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] },
          ]),
          stream('a'),
          1,
        );
        await expectConflict(
          store.appendMany([
            { streamId: stream('a'), expectedVersion: 7, events: [newEvent()] },
            { streamId: stream('b'), expectedVersion: 'no_stream', events: [newEvent()] },
          ]),
          stream('a'),
          1,
        );

        expect(await store.readStream(stream('a'))).toHaveLength(1);
        expect(await store.readStream(stream('b'))).toEqual([]);
        expect(await store.readStream(stream('c'))).toEqual([]);
        expect(await readOwnLogSettled(start)).toEqual([]);
      });

      it('lets one appendMany through when two race on overlapping streams', async () => {
        const attempts = Array.from({ length: 6 }, (_, i) => [
          { streamId: stream('shared'), expectedVersion: 'no_stream' as const, events: [newEvent()] },
          { streamId: stream(`own-${i}`), expectedVersion: 'no_stream' as const, events: [newEvent()] },
        ]);
        const outcomes = await Promise.allSettled(attempts.map((requests) => store.appendMany(requests)));
        const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));

        expect(winners).toHaveLength(1);
        for (let i = 0; i < attempts.length; i++) {
          expect(await store.readStream(stream(`own-${i}`))).toHaveLength(i === winners[0] ? 1 : 0);
        }
        expect((await store.readStream(stream('shared')))[0]!.id).toBe(
          attempts[winners[0]!]![0]!.events[0]!.id,
        );
      });
    });

    describe('global log', () => {
      it('orders events across streams as they were committed, each append kept together', async () => {
        const appended: string[] = [];
        for (let i = 0; i < 4; i++) {
          for (const label of ['a', 'b', 'c']) {
            const events = [newEvent(), newEvent()];
            await store.append({ streamId: stream(label), expectedVersion: 'any', events });
            appended.push(...events.map((e) => e.id));
          }
        }
        const log = await readOwnLog(appended.length);

        expect(log.map((e) => e.id)).toEqual(appended);
        expect(isOrdered(log.map((e) => e.position))).toBe(true);
        const a = log.filter((e) => e.streamId === stream('a'));
        expect(a.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(a).toEqual(await store.readStream(stream('a')));
      });

      it('pages with after and limit, skipping nothing and repeating nothing', async () => {
        for (let i = 0; i < 10; i++)
          await store.append({ streamId: stream(`s${i % 3}`), expectedVersion: 'any', events: [newEvent()] });
        const all = await readOwnLog(10);
        expect(all).toHaveLength(10);
        const start = (await store.readAll({ limit: 1 }))[0]!.position;
        expect(start <= all[0]!.position).toBe(true);

        const paged: RecordedEvent[] = [];
        let after: LogPosition | undefined;
        for (;;) {
          const page = await store.readAll({ after, limit: 3 });
          expect(page.length).toBeLessThanOrEqual(3);
          if (page.length === 0) break;
          paged.push(...page.filter((e) => e.streamId.startsWith(`${prefix}-`)));
          after = page[page.length - 1]!.position;
        }
        expect(paged).toEqual(all);
        expect(await store.readAll({ after: all[9]!.position, limit: 5 })).toEqual([]);
        expect(await store.readAll({ after: all[4]!.position, limit: 2 })).toEqual(all.slice(5, 7));
      });

      it('countAfter counts the committed events after a position, up to the limit', async () => {
        for (let i = 0; i < 5; i++)
          await store.append({ streamId: stream(`s${i % 2}`), expectedVersion: 'any', events: [newEvent()] });
        const all = await readOwnLog(5);
        expect(all).toHaveLength(5);

        expect(await store.countAfter(all[4]!.position, 10)).toBe(0);
        expect(await store.countAfter(all[1]!.position, 10)).toBe(3);
        expect(await store.countAfter(all[1]!.position, 2)).toBe(2);
        expect(await store.countAfter(all[0]!.position, 1)).toBe(1);
        // from the start: at least these five (a shared server may hold others before them)
        expect(await store.countAfter(undefined, 5)).toBe(5);
        // it agrees with what readAll hands over once nothing is held back
        expect(await store.countAfter(all[2]!.position, 100)).toBe(
          (await store.readAll({ after: all[2]!.position, limit: 100 })).length,
        );
        await expect(store.countAfter(undefined, 0)).rejects.toThrow(RangeError);
        await expect(store.countAfter(undefined, 1.5)).rejects.toThrow(RangeError);
      });

      it('a tailer that races many writers sees every event once, in increasing positions', async () => {
        const ids: string[] = [];
        let writing = true;
        const writers = Promise.all(
          Array.from({ length: 8 }, async (_, writer) => {
            let version = 0;
            for (let i = 0; i < 6; i++) {
              const events = [newEvent(), newEvent()];
              ids.push(...events.map((e) => e.id));
              version = (
                await store.append({ streamId: stream(`w${writer}`), expectedVersion: version, events })
              ).version;
            }
          }),
        ).finally(() => (writing = false));
        const seen: RecordedEvent[] = [];
        const tailer = (async () => {
          let after: LogPosition | undefined;
          const deadline = Date.now() + 10_000 + visibilityTimeoutMs;
          while ((writing || seen.length < ids.length) && Date.now() < deadline) {
            const page = await store.readAll({ after, limit: 7 });
            seen.push(...page.filter((e) => e.streamId.startsWith(`${prefix}-`)));
            if (page.length > 0) after = page[page.length - 1]!.position;
            else await sleep(2);
          }
        })();
        const [written] = await Promise.allSettled([writers, tailer]);
        expect(written.status).toBe('fulfilled');

        expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
        expect(isOrdered(seen.map((e) => e.position))).toBe(true);
      });
    });

    describe('slow transactions', () => {
      it('a transaction that began first and commits last is not skipped by a tailer that went on', async () => {
        if (!subject.beginPendingAppend) {
          // the adapter decides log order at commit; the racing tailer test above covers it
          expect(subject.beginPendingAppend).toBeUndefined();
          return;
        }
        await store.append({ streamId: stream('early'), expectedVersion: 'no_stream', events: [newEvent()] });
        const seen = await readOwnLog(1);
        expect(seen).toHaveLength(1);
        const tailerPosition = seen[0]!.position;

        const slowEvent = newEvent('Slow');
        const slow = await subject.beginPendingAppend([
          { streamId: stream('slow'), expectedVersion: 'no_stream', events: [slowEvent] },
        ]);
        let committed = false;
        try {
          const later = [newEvent('Later'), newEvent('Later')];
          await store.append({
            streamId: stream('later-1'),
            expectedVersion: 'no_stream',
            events: [later[0]!],
          });
          await store.appendMany([
            { streamId: stream('later-2'), expectedVersion: 'no_stream', events: [later[1]!] },
          ]);

          // the later events are committed: a stream read sees them...
          expect(await store.readStream(stream('later-1'))).toHaveLength(1);
          // ...but the log must not hand them over while the slow one may still commit before them
          expect(await store.readAll({ after: tailerPosition, limit: 100 })).toEqual([]);
          await sleep(50);
          expect(await store.readAll({ after: tailerPosition, limit: 100 })).toEqual([]);

          const [slowResult] = await slow.commit();
          committed = true;
          const resumed = await readOwnLog(3, tailerPosition);
          expect(resumed.map((e) => e.id)).toEqual([slowEvent.id, later[0]!.id, later[1]!.id]);
          expect(resumed[0]!.position).toBe(slowResult!.position);
          expect(isOrdered([tailerPosition, ...resumed.map((e) => e.position)])).toBe(true);
        } finally {
          if (!committed) await slow.rollback();
        }
      });

      it('countAfter counts the commits a slow transaction holds back from readAll; after it commits both agree', async () => {
        if (!subject.beginPendingAppend) {
          expect(subject.beginPendingAppend).toBeUndefined();
          return;
        }
        await store.append({ streamId: stream('early'), expectedVersion: 'no_stream', events: [newEvent()] });
        const seen = await readOwnLog(1);
        expect(seen).toHaveLength(1);
        const readerPosition = seen[0]!.position;
        expect(await store.countAfter(readerPosition, 100)).toBe(0);

        const slowEvent = newEvent('Slow');
        const slow = await subject.beginPendingAppend([
          { streamId: stream('slow'), expectedVersion: 'no_stream', events: [slowEvent] },
        ]);
        let committed = false;
        try {
          // not committed yet: nothing to count
          expect(await store.countAfter(readerPosition, 100)).toBe(0);
          const later = [newEvent('Later'), newEvent('Later')];
          await store.append({ streamId: stream('later-1'), expectedVersion: 'no_stream', events: [later[0]!] });
          await store.appendMany([
            { streamId: stream('later-2'), expectedVersion: 'no_stream', events: [later[1]!] },
          ]);

          // committed, but held back: readAll has nothing yet, countAfter says something is there
          expect(await store.readAll({ after: readerPosition, limit: 100 })).toEqual([]);
          expect(await store.countAfter(readerPosition, 100)).toBe(2);
          expect(await store.countAfter(readerPosition, 1)).toBe(1);
          await sleep(50);
          expect(await store.readAll({ after: readerPosition, limit: 100 })).toEqual([]);
          expect(await store.countAfter(readerPosition, 100)).toBe(2);

          await slow.commit();
          committed = true;
          expect(await store.countAfter(readerPosition, 100)).toBe(3);
          const resumed = await readOwnLog(3, readerPosition);
          expect(resumed.map((e) => e.id)).toEqual([slowEvent.id, later[0]!.id, later[1]!.id]);
          expect(await store.countAfter(readerPosition, 100)).toBe(resumed.length);
          const last = resumed[resumed.length - 1]!.position;
          expect(await store.readAll({ after: last, limit: 100 })).toEqual([]);
          expect(await store.countAfter(last, 100)).toBe(0);
        } finally {
          if (!committed) await slow.rollback();
        }
      });

      it('a rolled-back slow transaction leaves no trace and stops holding the log back', async () => {
        if (!subject.beginPendingAppend) {
          expect(subject.beginPendingAppend).toBeUndefined();
          return;
        }
        await store.append({ streamId: stream('early'), expectedVersion: 'no_stream', events: [newEvent()] });
        const start = (await readOwnLog(1))[0]!.position;
        const slow = await subject.beginPendingAppend([
          { streamId: stream('slow'), expectedVersion: 'no_stream', events: [newEvent('Slow')] },
        ]);
        const later = newEvent('Later');
        await store.append({ streamId: stream('later'), expectedVersion: 'no_stream', events: [later] });
        expect(await store.readAll({ after: start, limit: 10 })).toEqual([]);
        expect(await store.countAfter(start, 10)).toBe(1);

        await slow.rollback();
        expect(await store.countAfter(start, 10)).toBe(1);
        expect((await readOwnLog(1, start)).map((e) => e.id)).toEqual([later.id]);
        expect(await store.readStream(stream('slow'))).toEqual([]);
        // the stream the slow transaction held is free again
        expect(
          (
            await store.append({
              streamId: stream('slow'),
              expectedVersion: 'no_stream',
              events: [newEvent()],
            })
          ).version,
        ).toBe(1);
      });
    });

    describe('waitForAppend', () => {
      it('wakes a sleeper soon after an append', async () => {
        const started = Date.now();
        const woken = store.waitForAppend(30_000);
        await sleep(50);
        await store.append({ streamId: stream('a'), expectedVersion: 'no_stream', events: [newEvent()] });
        await woken;
        expect(Date.now() - started).toBeLessThan(10_000);
      });

      it('returns after the timeout when nothing is appended, and at once on abort', async () => {
        const started = Date.now();
        await store.waitForAppend(150);
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);

        const controller = new AbortController();
        const aborted = Date.now();
        const waiting = store.waitForAppend(30_000, controller.signal);
        setTimeout(() => controller.abort(), 20);
        await waiting;
        expect(Date.now() - aborted).toBeLessThan(5_000);
      });
    });
  });
}
