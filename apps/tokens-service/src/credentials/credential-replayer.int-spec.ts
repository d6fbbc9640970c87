import { createHash, randomUUID } from 'node:crypto';
import { RecordedEvent } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { readAllCommitted } from '@warden/testing';
import { SessionEvent, TokenEvent, tokenStreamId } from '@warden/tokens-domain';
import { TestEventStore, connectTestStore } from '../test/tokens-harness';
import { CredentialReplayer, credentialOpsFor } from './credential-read-model.projection';

// A replay folds token streams in memory as it meets their events in log order; the ops it
// gives must be exactly those of the live path, which folds each event's stream from the
// store, whatever the interleaving, wherever the replay starts and however little it keeps.
const ORG = '0190a0d2-0000-7000-8000-00000000003a';
const OWNERS = ['0190a0d2-0000-7000-8000-0000000003b1', '0190a0d2-0000-7000-8000-0000000003b2', '0190a0d2-0000-7000-8000-0000000003b3'];
const hash = (label: string) => createHash('sha256').update(label).digest('hex');
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();

describe('CredentialReplayer', () => {
  let testStore: TestEventStore;
  let store: PostgresEventStore;
  let log: RecordedEvent[];

  const append = async (streamId: string, event: TokenEvent | SessionEvent) => {
    await store.append({ streamId, expectedVersion: 'any', events: [{ id: randomUUID(), type: event.type, data: event.data, metadata: { correlationId: 'int-test' } }] });
  };

  beforeAll(async () => {
    testStore = await connectTestStore('credrp', { poolSize: 2 });
    store = testStore.store;
    // Four tokens whose events interleave, each going through a different history, and a session.
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const [i, tokenId] of ids.entries()) {
      await append(tokenStreamId(tokenId), {
        type: 'TokenIssued',
        data: {
          tokenId,
          organizationId: ORG,
          ownerId: OWNERS[0]!,
          name: `token ${i}`,
          visibility: i === 1 ? 'public' : 'private',
          allowedOrigins: i === 1 ? ['https://shop.example.com'] : [],
          expiresAt: i === 2 ? at(60 * 24 * 400) : null,
          permissions: i === 3 ? ['tokens:read'] : null,
          secretHash: hash(`${tokenId}-1`),
          lastFour: `000${i}`,
          issuedAt: at(i),
        },
      });
    }
    const [a, b, c, d] = ids as [string, string, string, string];
    const session = { sessionId: randomUUID(), userId: OWNERS[0]!, organizationId: ORG, keyHash: hash('session'), expiresAt: at(60 * 24 * 400) };
    await append(`session-${session.sessionId}`, { type: 'SessionStarted', data: { ...session, startedAt: at(5) } });
    await append(tokenStreamId(a), { type: 'TokenUsed', data: { tokenId: a, ownerId: OWNERS[0]!, organizationId: ORG, usedAt: at(6) } });
    await append(tokenStreamId(b), {
      type: 'TokenRotated',
      data: { tokenId: b, secretHash: hash(`${b}-2`), lastFour: '1002', previousSecretHash: hash(`${b}-1`), previousValidUntil: at(60 * 24 * 300), rotatedAt: at(7) },
    });
    await append(tokenStreamId(c), { type: 'TokenReassigned', data: { tokenId: c, fromUserId: OWNERS[0]!, toUserId: OWNERS[1]!, reassignedAt: at(8) } });
    await append(tokenStreamId(a), { type: 'TokenRevoked', data: { tokenId: a, ownerId: OWNERS[0]!, revokedAt: at(9) } });
    await append(tokenStreamId(c), { type: 'TokenReassigned', data: { tokenId: c, fromUserId: OWNERS[1]!, toUserId: OWNERS[2]!, reassignedAt: at(10) } });
    await append(`session-${session.sessionId}`, { type: 'SessionEnded', data: { ...session, endedAt: at(11) } });
    await append(tokenStreamId(b), {
      type: 'TokenRotated',
      data: { tokenId: b, secretHash: hash(`${b}-3`), lastFour: '1003', previousSecretHash: hash(`${b}-2`), previousValidUntil: at(60 * 24 * 301), rotatedAt: at(12) },
    });
    await append(tokenStreamId(d), { type: 'TokenUsed', data: { tokenId: d, ownerId: OWNERS[0]!, organizationId: ORG, usedAt: at(13) } });
    await append(tokenStreamId(c), { type: 'TokenRevoked', data: { tokenId: c, ownerId: OWNERS[2]!, revokedAt: at(14) } });
    log = await readAllCommitted(store);
  });

  afterAll(() => testStore.close());

  const liveOps = async (events: RecordedEvent[]) => Promise.all(events.map((event) => credentialOpsFor(event, store)));
  const replayedOps = async (replayer: CredentialReplayer, events: RecordedEvent[]) => {
    const ops = [];
    for (const event of events) ops.push(await replayer.apply(event));
    return ops;
  };

  it('gives every event of a replay from the start the ops the live path gives it', async () => {
    expect(log).toHaveLength(14);
    const expected = await liveOps(log);
    // Every token event writes the token's records; the reassigned one also leaves its former owners.
    expect(expected.filter((ops) => ops.length > 0)).toHaveLength(14);
    expect(expected[9]).toContainEqual({ op: 'zrem', key: `organization-tokens:${ORG}:owner:${OWNERS[0]!}`, members: [expect.any(String)] });
    expect(await replayedOps(new CredentialReplayer(store), log)).toEqual(expected);
  });

  it('reads from the store what it did not fold itself: a replay starting mid-log, streams it dropped', async () => {
    const readStream = jest.spyOn(store, 'readStream');
    try {
      expect(await replayedOps(new CredentialReplayer(store), log)).toHaveLength(14);
      expect(readStream).not.toHaveBeenCalled(); // folded in memory from the start of the log

      const fromTheMiddle = log.slice(7);
      expect(await replayedOps(new CredentialReplayer(store), fromTheMiddle)).toEqual(await liveOps(fromTheMiddle));

      readStream.mockClear();
      expect(await replayedOps(new CredentialReplayer(store, 1), log)).toEqual(await liveOps(log));
      expect(readStream.mock.calls.length).toBeGreaterThan(12); // the live path's 12 (one per token event), and the replayer's own
    } finally {
      readStream.mockRestore();
    }
  });

  it('reads a stream back when an event does not follow the version it folded (an event met again)', async () => {
    const replayer = new CredentialReplayer(store);
    await replayedOps(replayer, log);
    const again = [log[5]!, log[9]!, log[13]!];
    expect(await replayedOps(replayer, again)).toEqual(await liveOps(again));
  });
});
