import { PostgresEventStore } from '@warden/event-store-postgres';
import type { RedisClient } from '@warden/redis';
import { Pool, PoolClient } from 'pg';
import { RecordedEvent } from '@warden/event-store';
import {
  TEST_DATABASE_URL,
  appendSome,
  silentStoreLogger,
  deleteRedisPrefix,
  dumpRedisPrefix,
  pollUntil,
  testRedis,
  uniqueTestId,
} from '@warden/testing';
import { silentMessagingLog } from './messaging-log';
import { RedisOp } from './redis-ops';
import { ProjectionRebuildTimeoutError, ProjectionReplayer, RedisProjection, RedisProjectionRunner } from './redis-projection';
import { streamVersionBucket } from './stream-version-bucket';

// A small token read model: enough kinds of writes to show a rebuild restores them all.
function tokenProjection(keyPrefix: string): RedisProjection {
  return {
    name: 'tokens',
    keyPrefix,
    apply: async (event: RecordedEvent, read): Promise<RedisOp[]> => {
      const data = event.data as { hash: string; owner: string; expiresAt?: number; scope?: string };
      switch (event.type) {
        case 'token-issued':
          return [
            { op: 'set', key: `token:${data.hash}`, value: data.owner, ...(data.expiresAt ? { pxat: data.expiresAt } : {}) },
            { op: 'hset', key: `meta:${data.hash}`, fields: { owner: data.owner, scope: data.scope ?? 'read' } },
            { op: 'sadd', key: `owner:${data.owner}`, members: [data.hash] },
            { op: 'zadd', key: 'by-expiry', members: [{ score: data.expiresAt ?? 0, member: data.hash }] },
            { op: 'incrby', key: 'issued', by: 1 },
          ];
        case 'token-revoked': {
          const owner = await read.get(`token:${data.hash}`);
          return [
            { op: 'del', key: `token:${data.hash}` },
            { op: 'hdel', key: `meta:${data.hash}`, fields: ['scope'] },
            ...(owner ? [{ op: 'srem' as const, key: `owner:${owner}`, members: [data.hash] }] : []),
            { op: 'zrem', key: 'by-expiry', members: [data.hash] },
          ];
        }
        default:
          return [];
      }
    },
  };
}

// The same read model with a replayer: during a replay it remembers owners itself instead
// of reading them from Redis, so the runner may send a page's applies in one pipeline.
function replayedTokenProjection(keyPrefix: string, replayed: RecordedEvent[]): RedisProjection {
  const live = tokenProjection(keyPrefix);
  return {
    ...live,
    replayer: (): ProjectionReplayer => {
      const owners = new Map<string, string>();
      return {
        apply: async (event) => {
          replayed.push(event);
          const data = event.data as { hash: string; owner: string };
          // A catch-up did not see the issue: a revoke then names the owner itself.
          const get = async (key: string) => owners.get(key) ?? (data.owner || null);
          const ops = await live.apply(event, { get, hgetall: async () => ({}), smembers: async () => [], exists: async () => false });
          if (event.type === 'token-issued') owners.set(`token:${data.hash}`, data.owner);
          if (event.type === 'token-revoked') owners.delete(`token:${data.hash}`);
          return ops;
        },
      };
    },
  };
}

describe('RedisProjectionRunner', () => {
  let redis: RedisClient;
  let keyPrefix: string;
  let store: PostgresEventStore;
  let runner: RedisProjectionRunner;

  beforeEach(async () => {
    redis = testRedis();
    const id = uniqueTestId('proj');
    // A hash tag in the prefix keeps the projection in one slot on a Redis Cluster.
    keyPrefix = `${id}:{projection}:`;
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: id, poolSize: 2, logger: silentStoreLogger });
    runner = new RedisProjectionRunner({ redis, store, projection: tokenProjection(keyPrefix), log: silentMessagingLog });
  });

  afterEach(async () => {
    await deleteRedisPrefix(redis, keyPrefix);
    await redis.quit();
    await store.pool.query(`DROP SCHEMA "${store.schema}" CASCADE`);
    await store.close();
  });

  const issue = (hash: string, owner: string, expiresAt?: number) =>
    appendSome(store, `token-${hash}`, 'token-issued', 1, () => ({ hash, owner, ...(expiresAt ? { expiresAt } : {}), scope: 'write' }));
  const revoke = (hash: string) => appendSome(store, `token-${hash}`, 'token-revoked', 1, () => ({ hash, owner: '' }));
  const readyMarker = () => `${keyPrefix}tokens:ready`;

  it('treats a redelivered event, or an older one arriving late, as a no-op', async () => {
    await runner.rebuild();
    const [issued] = await issue('aaa', 'user-1');
    const [revoked] = await revoke('aaa');
    expect(await runner.handle(issued!)).toBe('applied');
    expect(await runner.handle(revoked!)).toBe('applied');
    const after = await dumpRedisPrefix(redis, keyPrefix);

    expect(await runner.handle(revoked!)).toBe('skipped'); // redelivered
    expect(await runner.handle(issued!)).toBe('skipped'); // older, arriving late: would resurrect the token
    expect(await dumpRedisPrefix(redis, keyPrefix)).toEqual(after);
    expect(await redis.exists(`${keyPrefix}token:aaa`)).toBe(0);
    expect(await runner.checkpoint()).toBe(revoked!.position);
  });

  it('never moves the checkpoint back for an event of another stream with an earlier position', async () => {
    await runner.rebuild();
    const [first] = await issue('bbb', 'user-1');
    const [second] = await issue('ccc', 'user-2');
    expect(await runner.handle(second!)).toBe('applied');
    expect(await runner.handle(first!)).toBe('applied'); // a different stream: applied, but the checkpoint stays
    expect(await runner.checkpoint()).toBe(second!.position);
    expect(await redis.get(`${keyPrefix}issued`)).toBe('2');
  });

  it('records the version of each stream in a field of its bucket, a hash, never in a key of its own', async () => {
    await runner.rebuild();
    for (const event of [...(await issue('b1', 'user-1')), ...(await issue('b2', 'user-2')), ...(await revoke('b1'))]) {
      expect(await runner.handle(event)).toBe('applied');
    }
    const b1 = runner.streamVersionKeys('token-b1');
    const b2 = runner.streamVersionKeys('token-b2');
    expect(b1).toEqual({ bucket: `${keyPrefix}tokens:v:${streamVersionBucket('token-b1')}`, field: 'token-b1', legacy: `${keyPrefix}tokens:v:token-b1` });
    const versions = await dumpRedisPrefix(redis, `${keyPrefix}tokens:v:`);
    expect(Object.keys(versions).sort()).toEqual([...new Set([b1.bucket, b2.bucket])].sort());
    for (const dump of Object.values(versions)) expect(dump.type).toBe('hash');
    expect(await redis.hget(b1.bucket, b1.field)).toBe('2');
    expect(await redis.hget(b2.bucket, b2.field)).toBe('1');
    expect(await runner.appliedVersion('token-b1')).toBe(2);
    expect(await runner.appliedVersion('token-none')).toBe(0);
  });

  it('honours the version key a stream had before the buckets, and moves it into the bucket with the next event applied', async () => {
    await runner.rebuild();
    const [issued] = await issue('m1', 'user-1');
    const [revoked] = await revoke('m1');
    const [reissued] = await issue('m1', 'user-2');
    const { bucket, field, legacy } = runner.streamVersionKeys('token-m1');
    await redis.set(legacy, '2'); // as a runner of before the buckets left it
    expect(await runner.appliedVersion('token-m1')).toBe(2);
    expect(await runner.hasApplied(revoked!)).toBe(true);
    expect(await runner.hasApplied(reissued!)).toBe(false);

    expect(await runner.handle(issued!)).toBe('skipped'); // would resurrect the revoked token
    expect(await runner.handle(revoked!)).toBe('skipped');
    expect(await redis.exists(`${keyPrefix}token:m1`)).toBe(0);
    expect(await redis.hexists(bucket, field)).toBe(0); // an event skipped moves nothing

    expect(await runner.handle(reissued!)).toBe('applied');
    expect(await redis.get(`${keyPrefix}token:m1`)).toBe('user-2');
    expect(await redis.exists(legacy)).toBe(0);
    expect(await redis.hget(bucket, field)).toBe('3');
    expect(await runner.hasApplied(reissued!)).toBe(true);
    expect(await runner.handle(reissued!)).toBe('skipped');
  });

  it('rebuilds a flushed read model from the store to the identical state', async () => {
    const inAnHour = Date.now() + 3_600_000;
    await runner.rebuild();
    const events = [
      ...(await issue('t1', 'user-1', inAnHour)),
      ...(await issue('t2', 'user-1')),
      ...(await issue('t3', 'user-2', inAnHour + 1)),
      ...(await revoke('t2')),
      ...(await appendSome(store, 'user-1', 'user-renamed', 2, (index) => ({ index }))),
    ];
    for (const event of events) await runner.handle(event);
    const notMarker = { exclude: (key: string) => key === readyMarker() }; // holds the rebuild's time
    const before = await dumpRedisPrefix(redis, keyPrefix, notMarker);
    expect(Object.keys(before).length).toBeGreaterThan(8);
    expect(before[`${keyPrefix}token:t1`]).toMatchObject({ value: 'user-1', expireAt: inAnHour });

    await deleteRedisPrefix(redis, keyPrefix);
    expect(await runner.isReady()).toBe(false);
    const rebuilt = await runner.rebuild();

    expect(rebuilt).toEqual({ events: events.length, applied: events.length });
    expect(await dumpRedisPrefix(redis, keyPrefix, notMarker)).toEqual(before);
    expect(await runner.isReady()).toBe(true);
  });

  describe('with a replayer', () => {
    const replayed: RecordedEvent[] = [];
    const replaying = () =>
      new RedisProjectionRunner({ redis, store, projection: replayedTokenProjection(keyPrefix, replayed), rebuildBatchSize: 3, log: silentMessagingLog });

    beforeEach(() => {
      replayed.length = 0;
    });

    it('rebuilds a page per pipeline, in log order, to the state the live path leaves', async () => {
      const inAnHour = Date.now() + 3_600_000;
      const events = [
        ...(await issue('r1', 'user-1', inAnHour)),
        ...(await issue('r2', 'user-1')),
        ...(await revoke('r1')),
        ...(await issue('r3', 'user-2', inAnHour + 1)),
        ...(await appendSome(store, 'user-1', 'user-renamed', 2, (index) => ({ index }))),
        ...(await revoke('r2')),
        ...(await issue('r4', 'user-2')),
      ];
      await runner.rebuild(); // nothing yet: the live path applies each event as it comes
      for (const event of events) await runner.handle(event);
      const notMarker = { exclude: (key: string) => key === readyMarker() };
      const live = await dumpRedisPrefix(redis, keyPrefix, notMarker);
      expect(live[`${keyPrefix}token:r1`]).toBeUndefined();
      expect(live[`${keyPrefix}owner:user-1`]).toBeUndefined(); // both of its tokens revoked: the set is gone

      await deleteRedisPrefix(redis, keyPrefix);
      const pipelines = jest.spyOn(redis, 'pipeline');
      try {
        const progress: number[] = [];
        expect(await replaying().rebuild(undefined, (done) => progress.push(done))).toEqual({ events: events.length, applied: events.length });
        // One pipeline per page read (pages of 3, shorter while another transaction holds events back).
        // Auto-pipelining makes pipelines of its own through the same method, marked with its symbols.
        const explicit = pipelines.mock.results.filter(({ value }) => Object.getOwnPropertySymbols(value).length === 0);
        expect(explicit).toHaveLength(progress.length);
        expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(events.length / 3));
        expect(progress[progress.length - 1]).toBe(events.length);
      } finally {
        pipelines.mockRestore();
      }
      expect(replayed.map((event) => event.position)).toEqual(events.map((event) => event.position));
      expect(await dumpRedisPrefix(redis, keyPrefix, notMarker)).toEqual(live);
      expect(await runner.checkpoint()).toBe(events[events.length - 1]!.position);
      expect(await runner.isReady()).toBe(true);

      // Over an intact read model every event is already applied: nothing changes.
      expect(await replaying().rebuild()).toEqual({ events: events.length, applied: 0 });
      expect(await dumpRedisPrefix(redis, keyPrefix, notMarker)).toEqual(live);
    });

    it('catches up from a position with the replayer as well', async () => {
      const first = [...(await issue('c1', 'user-1')), ...(await issue('c2', 'user-1'))];
      const rebuilt = await replaying().replayAll();
      expect(rebuilt).toMatchObject({ events: 2, applied: 2, last: first[1]!.position });
      const more = [
        ...(await appendSome(store, 'token-c1', 'token-revoked', 1, () => ({ hash: 'c1', owner: 'user-1' }))),
        ...(await issue('c3', 'user-2')),
      ];
      replayed.length = 0;
      expect(await replaying().catchUp(rebuilt.last)).toEqual({ events: 2, last: more[1]!.position });
      expect(replayed.map((event) => event.position)).toEqual(more.map((event) => event.position));
      expect(await redis.exists(`${keyPrefix}token:c1`)).toBe(0);
      expect(await redis.smembers(`${keyPrefix}owner:user-1`)).toEqual(['c2']);
      expect(await redis.get(`${keyPrefix}token:c3`)).toBe('user-2');
    });

    it('sends nothing of a page when one of its events has an invalid op', async () => {
      // One append, so one transaction: the two events are readable together, in one page.
      const [good] = await appendSome(store, 'token-p1', 'token-issued', 2, () => ({ hash: 'p1', owner: 'user-1' }));
      const bad = new RedisProjectionRunner({
        redis,
        store,
        log: silentMessagingLog,
        projection: {
          name: 'bad',
          keyPrefix,
          apply: () => [],
          replayer: () => ({
            apply: (event) => [{ op: 'set', key: `k:${event.version}`, value: event.version === 1 ? '1' : (2 as unknown as string) }],
          }),
        },
      });
      await expect(bad.rebuild()).rejects.toThrow(/must be a string/);
      expect(await redis.exists(`${keyPrefix}k:1`, bad.streamVersionKeys(good!.streamId).bucket, `${keyPrefix}bad:checkpoint`, `${keyPrefix}bad:ready`)).toBe(0);
    });
  });

  describe('while an older transaction elsewhere holds committed events back', () => {
    let other: Pool;
    let open: PoolClient;

    beforeEach(async () => {
      other = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      open = await other.connect();
    });

    // Opens a transaction with an id, in no schema of ours: what commits after it is held back.
    async function hold(): Promise<void> {
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
    }

    afterEach(async () => {
      await open.query('ROLLBACK').catch(() => undefined);
      open.release();
      await other.end();
    });

    it('does not declare a rebuild done without a held-back revocation, and includes it once readable', async () => {
      const [issued] = await issue('h1', 'user-1');
      const readable = async () => (await store.readAll({ limit: 10 })).some((event) => event.id === issued!.id);
      await pollUntil(readable, 'the issue to be readable', 15_000);
      await hold();

      await revoke('h1');
      expect(await store.readAll({ after: issued!.position, limit: 10 })).toEqual([]); // held back
      const rebuilding = runner.rebuild();
      await pollUntil(async () => (await redis.exists(`${keyPrefix}token:h1`)) === 1, 'the rebuild to apply the issue');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // it read all it could, and waits rather than serve the revoked token as valid
      expect(runner.status().rebuilding).toBe(true);
      expect(await runner.isReady()).toBe(false);

      await open.query('COMMIT');
      expect(await rebuilding).toEqual({ events: 2, applied: 2 });
      expect(await runner.isReady()).toBe(true);
      expect(await redis.exists(`${keyPrefix}token:h1`)).toBe(0);
    });

    it('fails a rebuild loudly, leaving the read model not ready, when events stay held back too long', async () => {
      const impatient = new RedisProjectionRunner({
        redis,
        store,
        projection: tokenProjection(keyPrefix),
        log: silentMessagingLog,
        rebuildHeldBackTimeoutMs: 300,
      });
      await hold();
      await issue('h2', 'user-1');
      expect(await store.readAll({ limit: 10 })).toEqual([]);
      expect(await store.countAfter(undefined, 10)).toBe(1);

      await expect(impatient.rebuild()).rejects.toBeInstanceOf(ProjectionRebuildTimeoutError);
      expect(await impatient.isReady()).toBe(false);
      expect(impatient.status()).toMatchObject({ rebuilding: false, lastError: expect.stringMatching(/held back/) });
      expect(impatient.status().lastRebuild).toBeUndefined();

      await open.query('COMMIT');
      expect(await impatient.rebuild()).toEqual({ events: 1, applied: 1 });
      expect(await impatient.isReady()).toBe(true);
    });
  });

  it('notices a lost read model when the next event comes, and rebuilds it first', async () => {
    await runner.rebuild();
    for (const event of [...(await issue('x1', 'user-1')), ...(await issue('x2', 'user-2'))]) await runner.handle(event);
    await deleteRedisPrefix(redis, keyPrefix);

    const [next] = await revoke('x1');
    // The event is in the store, so the rebuild applies it and the handler's own apply is a no-op.
    expect(await runner.handle(next!)).toBe('skipped');
    expect(await redis.exists(`${keyPrefix}token:x1`)).toBe(0);
    expect(await redis.get(`${keyPrefix}token:x2`)).toBe('user-2');
    expect(runner.status().lastRebuild).toMatchObject({ events: 3, applied: 3 });
  });

  it('builds the read model from the store before applying the first live event', async () => {
    const [issued] = await issue('y1', 'user-1');
    expect(await runner.isReady()).toBe(false);
    expect(await runner.handle(issued!)).toBe('skipped'); // built by the rebuild it triggered
    expect(await redis.get(`${keyPrefix}token:y1`)).toBe('user-1');
    expect(await runner.isReady()).toBe(true);
  });

  it('refuses, in the script itself, an op on a bookkeeping key or a key not passed in, before writing anything', async () => {
    await runner.rebuild();
    const [event] = await issue('s1', 'user-1');
    const { bucket, legacy, field } = runner.streamVersionKeys(event!.streamId);
    const bookkeeping = [bucket, legacy, `${keyPrefix}tokens:checkpoint`, `${keyPrefix}tokens:ready`, `${keyPrefix}tokens:generation`];
    const apply = (ops: unknown[]) =>
      redis.wardenApplyProjectionEvent(6, ...bookkeeping, `${keyPrefix}data`, String(event!.version), event!.position, JSON.stringify(ops), '0', '*', field);
    await expect(apply([['set', 6, 'ok'], ['set', 3, 'forged checkpoint']])).rejects.toThrow(/invalid projection op #2/);
    await expect(apply([['set', 6, 'ok'], ['hset', 1, [field, '99']]])).rejects.toThrow(/invalid projection op #2/);
    await expect(apply([['set', 6, 'ok'], ['set', 7, 'no such key']])).rejects.toThrow(/invalid projection op #2/);
    await expect(apply([['eval', 6, 'x']])).rejects.toThrow(/invalid projection op #1/);
    expect(await redis.exists(`${keyPrefix}data`, bucket)).toBe(0);
    expect(await runner.checkpoint()).toBeUndefined();
    expect(await apply([['set', 6, 'ok']])).toBe(1);
    expect(await redis.get(`${keyPrefix}data`)).toBe('ok');
    expect(await runner.checkpoint()).toBe(event!.position);
  });

  describe('kept in generations', () => {
    const pointerKey = () => `${keyPrefix}tokens:live-generation`;
    const generation = (id: string) =>
      new RedisProjectionRunner({
        redis,
        store,
        projection: tokenProjection(id === '' ? keyPrefix : `${keyPrefix}gen-${id}:`),
        log: silentMessagingLog,
        generation: { pointerKey: pointerKey(), id },
      });

    it('swaps a rebuilt generation in only once it holds what the live one does, and refuses applies to the one swapped out', async () => {
      const live = generation('');
      await live.rebuild();
      expect(await redis.get(pointerKey())).toBe(''); // a base generation rebuilt is named live
      const [first] = await issue('g1', 'user-1');
      await live.handle(first!);

      const next = generation('n1');
      const { last } = await next.replayAll();
      const [second] = await issue('g2', 'user-1');
      await live.handle(second!); // applied live after the rebuild's last read
      expect(await next.swapIn(live)).toBe('behind');
      expect(await redis.get(pointerKey())).toBe('');

      await next.catchUp(last);
      expect(await next.swapIn(live)).toBe('swapped');
      expect(await redis.get(pointerKey())).toBe('n1');
      expect(await redis.get(`${keyPrefix}gen-n1:token:g2`)).toBe('user-1');

      const [third] = await revoke('g1');
      await expect(live.handle(third!)).rejects.toThrow(/no longer live/);
      expect(await next.handle(third!)).toBe('applied');
      expect(await redis.exists(`${keyPrefix}gen-n1:token:g1`)).toBe(0);
      // Another rebuild that started from the base generation finds it swapped out meanwhile.
      const late = generation('n2');
      await late.replayAll();
      expect(await late.swapIn(live)).toBe('moved');
      expect(await redis.get(pointerKey())).toBe('n1');
    });
  });

  it('writes what the caches must drop with the change, and answers where, in the epoch of then', async () => {
    const log = `${keyPrefix}cache:invalidations`;
    const epoch = `${keyPrefix}cache:epoch`;
    const revoking = new RedisProjectionRunner({
      redis,
      store,
      projection: { ...tokenProjection(keyPrefix), invalidates: (event) => (event.type === 'token-revoked' ? [`c:${(event.data as { hash: string }).hash}`] : []) },
      log: silentMessagingLog,
      verificationCaches: { invalidations: log, epoch },
    });
    await revoking.rebuild();
    const [issued] = await issue('ddd', 'user-1');
    const [revoked] = await revoke('ddd');
    // Nothing to drop for an issue; no epoch yet (the caches' state was lost): written, but no place answered.
    expect(await revoking.handleWritingInvalidation(issued!)).toEqual({ outcome: 'applied' });
    expect(await revoking.handleWritingInvalidation(revoked!)).toEqual({ outcome: 'applied' });
    const [first, ...more] = await redis.xrange(log, '-', '+');
    expect(more).toEqual([]);

    const [again] = await revoke('ddd');
    await redis.hset(epoch, 'id', 'epoch-1');
    const answered = await revoking.handleWritingInvalidation(again!);
    const entries = await redis.xrange(log, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['s', 'c:ddd'],
      ['s', 'c:ddd'],
    ]);
    expect(answered).toEqual({ outcome: 'applied', invalidation: { epoch: 'epoch-1', id: entries[1]![0] } });
    expect(entries[0]![0]).toBe(first![0]);
    // Applied before: nothing written, nothing answered; a replay writes none either.
    expect(await revoking.handleWritingInvalidation(again!)).toEqual({ outcome: 'skipped' });
    await redis.del(`${keyPrefix}tokens:ready`);
    await revoking.rebuild();
    expect(await redis.xlen(log)).toBe(2);
  });

  it('writes nothing when an op is invalid', async () => {
    const bad = new RedisProjectionRunner({
      redis,
      store,
      log: silentMessagingLog,
      projection: {
        name: 'bad',
        keyPrefix,
        apply: () => [
          { op: 'set', key: 'first', value: '1' },
          { op: 'set', key: 'second', value: 2 as unknown as string },
        ],
      },
    });
    await bad.rebuild();
    const [event] = await issue('z1', 'user-1');
    await expect(bad.handle(event!)).rejects.toThrow(/must be a string/);
    expect(await redis.exists(`${keyPrefix}first`, bad.streamVersionKeys(event!.streamId).bucket)).toBe(0);
  });
});
