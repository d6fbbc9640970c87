// JetStream losing what it acked: a stream deleted or purged under the relay, and a NATS
// server stopped, its store directory deleted and started again while events are written.
// The relay notices, creates the stream again if needed and publishes from the log; the
// consumer skips what it had applied: every event applied once, in its stream's order.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { JetStreamManager, NatsConnection, connect } from 'nats';
import { Pool } from 'pg';
import { AppliedEvents, PrivateNatsServer, TEST_NATS_URL, appendContinuously, appendSome, deleteStreamQuietly, eventIdsByStream, pollUntil, readAllCommitted, startPrivateNatsServer, RelayTestBed, openRelayTestBed } from '@warden/testing';
import { EventRelay } from './event-relay';
import { ensureEventsStream } from './events-stream';
import { EventConsumer } from './jetstream-consumer';
import { silentMessagingLog } from './messaging-log';
import { serviceEventsFilter } from './published-event';

const SERVICE = 'tokens';
const fast = {
  backoff: { initialMs: 20, maxMs: 300 },
  idleWaitMs: 100,
  lockRetryMs: 50,
  log: silentMessagingLog,
};

describe('the relay and a consumer when JetStream loses the stream', () => {
  let id: string;
  let pool: Pool;
  let store: PostgresEventStore;
  let stream: string;
  let subjectPrefix: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  let bed: RelayTestBed;

  beforeEach(async () => {
    bed = await openRelayTestBed('recover');
    ({ id, pool, store, stream, subjectPrefix } = bed);
  });

  afterEach(() => bed.close(cleanups));

  async function connected(servers: string): Promise<NatsConnection> {
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanups.push(() => nc.close());
    return nc;
  }

  function startRelay(nc: NatsConnection, streamCheckIntervalMs = 300): EventRelay {
    const relay = new EventRelay({
      service: SERVICE,
      store,
      pool,
      schema: id,
      js: nc.jetstream(),
      stream,
      subjectPrefix,
      streamOptions: { duplicateWindowMs: 60_000 },
      streamCheckIntervalMs,
      publishTimeoutMs: 1_000,
      ...fast,
    });
    cleanups.push(() => relay.stop());
    relay.start();
    return relay;
  }

  async function startConsumer(nc: NatsConnection): Promise<AppliedEvents> {
    const applied = new AppliedEvents(store);
    const consumer = new EventConsumer(nc, {
      stream,
      log: silentMessagingLog,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    cleanups.push(() => consumer.stop());
    await consumer.start({
      durable: 'effects',
      filterSubjects: [serviceEventsFilter(subjectPrefix, SERVICE)],
      ackWaitMs: 2_000,
      handler: (event) => applied.apply(event),
    });
    return applied;
  }

  async function expectEveryEventOnce(
    jsm: JetStreamManager,
    applied: AppliedEvents,
    relay: EventRelay,
  ): Promise<void> {
    const all = await readAllCommitted(store, 10_000);
    await pollUntil(
      () => applied.count() === all.length,
      `the consumer to apply all ${all.length} events`,
      60_000,
    );
    await pollUntil(async () => (await relay.lag()).caughtUp, 'the relay to save its checkpoint');
    expect(applied.byStream()).toEqual(eventIdsByStream(all));
    // The stream holds every event again, each once (a republish inside the window is deduplicated).
    expect((await jsm.streams.info(stream)).state.messages).toBe(all.length);
  }

  it('creates a deleted stream again and publishes the log into it; the consumer skips what it had applied', async () => {
    const nc = await connected(TEST_NATS_URL);
    const jsm = await nc.jetstreamManager();
    cleanups.push(() => deleteStreamQuietly(jsm, stream));
    await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000 });
    const relay = startRelay(nc);
    const applied = await startConsumer(nc);
    const before = [
      ...(await appendSome(store, 'token-a', 'TokenIssued', 4)),
      ...(await appendSome(store, 'token-b', 'TokenIssued', 3)),
    ];
    await pollUntil(() => applied.count() === before.length, 'the first events to be applied');

    await jsm.streams.delete(stream);
    await appendSome(store, 'token-a', 'TokenRevoked', 2);
    await appendSome(store, 'token-c', 'TokenIssued', 3);

    await expectEveryEventOnce(jsm, applied, relay);
    expect(relay.status().streamRecoveries).toBeGreaterThanOrEqual(1);
    // Delivered again from the new stream, and skipped: the stream holds them all by now, their
    // delivery to the consumer may still be on its way.
    await pollUntil(() => applied.skipped >= before.length, 'the events applied before to be delivered again and skipped');
    expect(applied.skipped).toBeGreaterThanOrEqual(before.length);
  });

  it('notices a purged stream and publishes again what it no longer holds', async () => {
    const nc = await connected(TEST_NATS_URL);
    const jsm = await nc.jetstreamManager();
    cleanups.push(() => deleteStreamQuietly(jsm, stream));
    await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000 });
    const relay = startRelay(nc);
    const applied = await startConsumer(nc);
    const before = await appendSome(store, 'token-a', 'TokenIssued', 6);
    await pollUntil(
      async () => applied.count() === before.length && (await relay.lag()).caughtUp,
      'the events to be applied and checkpointed',
    );

    await jsm.streams.purge(stream);
    // Nothing new is written: only the relay's own check can find the stream empty.
    await pollUntil(() => relay.status().streamRecoveries === 1, 'the relay to notice the purge');

    await expectEveryEventOnce(jsm, applied, relay);
    await pollUntil(() => applied.skipped >= before.length, 'the purged events to be delivered again and skipped');
    expect(applied.skipped).toBe(before.length);
  });

  describe('on a NATS server of its own', () => {
    let server: PrivateNatsServer;

    beforeEach(async () => {
      server = await startPrivateNatsServer();
    });

    afterEach(async () => {
      await server.dispose();
    });

    it('loses nothing and applies nothing twice when the server loses its store directory under writes', async () => {
      const relayNc = await connected(server.url);
      const consumerNc = await connected(server.url);
      const jsm = await relayNc.jetstreamManager();
      await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000 });
      // No periodic check within the test: the relay finds the stream gone by publishing the writes.
      const relay = startRelay(relayNc, 600_000);
      const applied = await startConsumer(consumerNc);
      const writes = appendContinuously(store, ['token-a', 'token-b', 'token-c', 'token-d'], 'TokenUsed', 25);
      cleanups.push(() => writes.stop());
      await pollUntil(() => applied.count() >= 20, 'events to be applied before the loss');

      await server.stop();
      await rm(join(server.storeDir, 'jetstream'), { recursive: true, force: true });
      const appliedBeforeLoss = applied.count();
      await server.start();
      await pollUntil(
        () => relay.status().streamRecoveries >= 1,
        'the relay to find the stream gone',
        60_000,
      );
      await pollUntil(
        () => applied.count() > appliedBeforeLoss + 20,
        'events written after the loss to be applied',
        60_000,
      );
      const written = await writes.stop();

      await expectEveryEventOnce(jsm, applied, relay);
      expect(applied.count()).toBe(written.length);
      expect(applied.skipped).toBeGreaterThanOrEqual(appliedBeforeLoss); // the whole log came again, and was skipped
    });
  });
});
