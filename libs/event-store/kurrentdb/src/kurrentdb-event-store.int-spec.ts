import { randomUUID } from 'node:crypto';
import { NO_STREAM } from '@kurrent/kurrentdb-client';
import { describeEventStoreContract } from '@warden/testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { formatKurrentPosition, parseKurrentPosition, toStreamState, versionOf } from './kurrentdb-mapping';

// No KurrentDB server can run on our machines: the contract runs only against one
// named by KURRENTDB_CONNECTION_STRING (for example esdb://127.0.0.1:2113?tls=false).
const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

if (connectionString) {
  // Streams are told apart by a prefix per test, so the server need not be empty.
  describeEventStoreContract(
    'KurrentDB',
    async () => {
      const store = KurrentDbEventStore.connect(connectionString);
      return { store, dispose: () => store.close() };
    },
    { visibilityTimeoutMs: 5_000 },
  );
  // As a service uses it: its streams under a prefix of its own, beside other services' in one database.
  describeEventStoreContract(
    'KurrentDB, one service of several',
    async () => {
      const store = KurrentDbEventStore.connect(connectionString, {
        streamPrefix: `s${randomUUID().slice(0, 8)}:`,
      });
      return { store, dispose: () => store.close() };
    },
    { visibilityTimeoutMs: 5_000 },
  );
} else {
  console.info('KurrentDB event store contract NOT run: KURRENTDB_CONNECTION_STRING is not set.');
}

describe('KurrentDbEventStore without a server', () => {
  it('maps versions to 0-based revisions and positions to ordered strings, both ways', () => {
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState(3)).toBe(2n);
    expect(versionOf(2n)).toBe(3);
    const early = formatKurrentPosition({ commit: 999n, prepare: 998n });
    const late = formatKurrentPosition({ commit: 1000n, prepare: 990n });
    expect(early < late).toBe(true);
    expect(parseKurrentPosition(late)).toEqual({ commit: 1000n, prepare: 990n });
  });
});
