import { PostgresEventStore } from '@warden/event-store-postgres';
import Redis from 'ioredis';
import { JetStreamManager, NatsConnection, connect } from 'nats';
import { Pool } from 'pg';
import { PrivateNatsServer, TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL, deleteRedisPrefix, deleteStreamQuietly, pollUntil, startPrivateNatsServer, appendSome, RelayTestBed, openRelayTestBed } from '@warden/testing';
import { EventRelay, EventRelayOptions } from './event-relay';
import { ensureEventsStream } from './events-stream';
import { EventConsumer } from './jetstream-consumer';
import { silentMessagingLog } from './messaging-log';
import { PublishedEvent, serviceEventsFilter } from './published-event';
import { RedisProjectionRunner } from './redis-projection';

const SERVICE = 'users';
const fast = { backoff: { initialMs: 20, maxMs: 200 }, idleWaitMs: 200, lockRetryMs: 50, log: silentMessagingLog };

describe('EventRelay', () => {
  let id: string;
  let pool: Pool;
  let store: PostgresEventStore;
  let stream: string;
  let subjectPrefix: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  let bed: RelayTestBed;

  beforeEach(async () => {
    bed = await openRelayTestBed('relay');
    ({ id, pool, store, stream, subjectPrefix } = bed);
  });

  afterEach(() => bed.close(cleanups));

  async function sharedNats(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
    const nc = await connect({ servers: TEST_NATS_URL });
    const jsm = await nc.jetstreamManager();
    await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000 });
    cleanups.push(() => nc.close());
    cleanups.push(() => deleteStreamQuietly(jsm, stream));
    return { nc, jsm };
  }

  function relay(nc: NatsConnection, extra: Partial<EventRelayOptions> = {}): EventRelay {
    const instance = new EventRelay({ service: SERVICE, store, pool, schema: id, js: nc.jetstream(), stream, subjectPrefix, batchSize: 5, ...fast, ...extra });
    cleanups.push(() => instance.stop());
    return instance;
  }

  async function streamMessages(jsm: JetStreamManager): Promise<number> {
    return (await jsm.streams.info(stream)).state.messages;
  }

  it('loses nothing and applies nothing twice when killed between publish and checkpoint', async () => {
    const { nc, jsm } = await sharedNats();
    const redis = new Redis(TEST_REDIS_URL);
    const keyPrefix = `${id}:`;
    cleanups.push(async () => redis.quit());
    cleanups.push(() => deleteRedisPrefix(redis, keyPrefix));
    const runner = new RedisProjectionRunner({
      redis,
      store,
      log: silentMessagingLog,
      projection: {
        name: 'counter',
        keyPrefix,
        apply: (event) => [
          { op: 'incrby', key: 'applied', by: 1 },
          { op: 'sadd', key: 'event-ids', members: [event.id] },
        ],
      },
    });
    await runner.rebuild(); // an empty read model, built before any event exists
    const delivered: string[] = [];
    const consumer = new EventConsumer(nc, { stream, log: silentMessagingLog });
    cleanups.push(() => consumer.stop());
    await consumer.start({
      durable: 'counter',
      filterSubjects: [serviceEventsFilter(subjectPrefix, SERVICE)],
      handler: async (event: PublishedEvent) => {
        delivered.push(event.id);
        await runner.handle(event);
      },
    });

    const appended = [...(await appendSome(store, 'user-1', 'user-created', 3)), ...(await appendSome(store, 'user-2', 'user-created', 4))];
    let crashes = 0;
    const crashing = relay(nc, {
      faults: {
        afterPublishBeforeCheckpoint: () => {
          crashes += 1;
          throw new Error('simulated crash before checkpoint');
        },
      },
    });
    crashing.start();
    await pollUntil(() => crashes >= 2, 'the relay to publish and crash twice');
    await crashing.stop();
    expect((await crashing.lag()).pending).toBe(appended.length); // no checkpoint was ever saved

    const survivor = relay(nc);
    survivor.start();
    await pollUntil(async () => (await survivor.lag()).caughtUp, 'the second relay to catch up');
    await pollUntil(async () => Number(await redis.get(`${keyPrefix}applied`)) >= appended.length && consumer.status().handled >= appended.length, 'the projection to apply every event');

    expect(await streamMessages(jsm)).toBe(appended.length);
    expect(survivor.status().duplicates).toBeGreaterThan(0); // it did republish what the crashed one had sent
    expect(Number(await redis.get(`${keyPrefix}applied`))).toBe(appended.length);
    expect((await redis.smembers(`${keyPrefix}event-ids`)).sort()).toEqual(appended.map((event) => event.id).sort());
    expect(delivered).toEqual(appended.map((event) => event.id));
    expect(await runner.checkpoint()).toBe(appended[appended.length - 1]!.position);
    const { rows } = await pool.query(`SELECT position FROM "${id}".relay_checkpoint WHERE service = $1`, [SERVICE]);
    expect(rows).toEqual([{ position: appended[appended.length - 1]!.position }]);
  });

  describe('with NATS down for a while', () => {
    let server: PrivateNatsServer;

    beforeEach(async () => {
      server = await startPrivateNatsServer();
    });

    afterEach(async () => {
      await server.dispose();
    });

    it('publishes the whole backlog, in order, once NATS is back', async () => {
      const options = { servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 };
      const relayNc = await connect(options);
      const consumerNc = await connect(options);
      cleanups.push(() => relayNc.close(), () => consumerNc.close());
      const jsm = await relayNc.jetstreamManager();
      await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000 });

      const received: string[] = [];
      const consumer = new EventConsumer(consumerNc, { stream, log: silentMessagingLog, backoff: { initialMs: 50, maxMs: 500 } });
      cleanups.push(() => consumer.stop());
      await consumer.start({
        durable: 'backlog',
        filterSubjects: [`${subjectPrefix}.>`],
        ackWaitMs: 2_000,
        handler: async (event) => {
          received.push(event.id);
        },
      });
      const relayer = relay(relayNc, { publishTimeoutMs: 500 });
      relayer.start();

      const before = await appendSome(store, 'user-1', 'user-created', 3);
      await pollUntil(() => received.length === 3, 'the first events to arrive');

      await server.stop();
      const during = [...(await appendSome(store, 'user-1', 'user-renamed', 7)), ...(await appendSome(store, 'user-2', 'user-created', 8))];
      await pollUntil(() => relayer.status().state === 'retrying', 'the relay to notice NATS is gone');
      const lagWhileDown = await relayer.lag();
      expect(lagWhileDown.pending).toBe(during.length); // the checkpoint never passed an unacked event

      await server.start();
      const all = [...before, ...during].map((event) => event.id);
      await pollUntil(() => received.length >= all.length, 'the backlog to arrive', 30_000);
      await pollUntil(async () => (await relayer.lag()).caughtUp, 'the relay to save its checkpoint');

      expect(received).toEqual(all);
      expect((await jsm.streams.info(stream)).state.messages).toBe(all.length);
      expect(relayer.status().state).toBe('active');
    });
  });

  it('runs one active relay per service, and another takes over when it stops', async () => {
    const { nc, jsm } = await sharedNats();
    const first = relay(nc);
    const second = relay(nc);
    first.start();
    await pollUntil(() => first.status().state === 'active', 'the first relay to take the lock');
    second.start();
    await pollUntil(() => second.status().state === 'standby', 'the second relay to wait');

    await appendSome(store, 'user-1', 'user-created', 6);
    await pollUntil(async () => (await first.lag()).caughtUp, 'the first relay to publish');
    expect(first.status().published).toBe(6);
    expect(second.status()).toMatchObject({ state: 'standby', published: 0, duplicates: 0 });

    await first.stop();
    await appendSome(store, 'user-3', 'user-created', 4);
    await pollUntil(() => second.status().state === 'active', 'the second relay to take over');
    await pollUntil(async () => (await second.lag()).caughtUp, 'the second relay to publish');

    expect(second.status()).toMatchObject({ published: 4, duplicates: 0 }); // it resumed from the saved checkpoint
    expect(await streamMessages(jsm)).toBe(10);
  });

  it('counts committed events held back by an open transaction as pending, and is not caught up until it publishes them', async () => {
    const { nc, jsm } = await sharedNats();
    const relayer = relay(nc);
    relayer.start();
    await pollUntil(async () => relayer.status().state === 'active' && (await relayer.lag()).caughtUp, 'the relay to be active and caught up');

    const other = await pool.connect();
    let open = true;
    try {
      // an older transaction, in no schema of ours: the events below commit but are held back
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await appendSome(store, 'user-1', 'user-created', 3);
      expect(await store.readAll({ limit: 10 })).toEqual([]);
      expect(await relayer.lag()).toEqual({ pending: 3, capped: false, caughtUp: false });
      expect(await relayer.lag(2)).toEqual({ pending: 2, capped: true, caughtUp: false });
      await pollUntil(() => !relayer.status().caughtUp, 'the relay to see it is not caught up');
      expect(relayer.status().published).toBe(0);

      await other.query('COMMIT');
      open = false;
    } finally {
      if (open) await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
    await pollUntil(async () => (await relayer.lag()).caughtUp, 'the relay to publish the held-back events');
    await pollUntil(() => relayer.status().caughtUp, 'the relay to find nothing more');
    expect(relayer.status().published).toBe(3);
    expect(await streamMessages(jsm)).toBe(3);
  });

  it('lets a standby take over when the holder dies without stopping (its session closed)', async () => {
    const { nc } = await sharedNats();
    const holderPool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2, application_name: `holder_${id}` });
    // A long backoff: the dead holder must not win the lock back before the standby polls.
    const holder = new EventRelay({ service: SERVICE, store, pool: holderPool, schema: id, js: nc.jetstream(), stream, subjectPrefix, ...fast, backoff: { initialMs: 30_000, maxMs: 30_000 } });
    holder.start();
    await pollUntil(() => holder.status().state === 'active', 'the holder to take the lock');
    const standby = relay(nc);
    standby.start();
    await pollUntil(() => standby.status().state === 'standby', 'the standby to wait');

    // Kill the holder's database sessions, as a crashed process would lose them.
    const { rowCount } = await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`holder_${id}`]);
    expect(rowCount).toBeGreaterThan(0);
    await pollUntil(() => standby.status().state === 'active', 'the standby to take over');
    await holder.stop();
    await holderPool.end();
    await appendSome(store, 'user-9', 'user-created', 2);
    await pollUntil(async () => (await standby.lag()).caughtUp, 'the standby to publish');
    expect(standby.status().published).toBe(2);
  });
});
