import { verificationCacheKeys } from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, pollUntil, testRedis, uniqueTestId } from '@warden/testing';
import { CacheInvalidations } from './cache-invalidations';
import { LeaseFencedCache } from './lease-fenced-cache';
import { RedisLeaseTransport } from './redis-lease-transport';
import { openVerificationCache } from './index';
import { acceptanceOf as records } from './test/acceptances';

// The lease protocol's scripts on a real Redis: what a renewal grants, how a command waits for
// the holders, and what a Redis that lost its keys does to both.
const LEASE_MS = 400;
let redis: RedisClient;
let keyPrefix: string;
let transport: RedisLeaseTransport;
const opened: { close(): Promise<void> }[] = [];

beforeEach(() => {
  redis = testRedis();
  keyPrefix = `${uniqueTestId('lease')}:`;
  transport = new RedisLeaseTransport(redis, keyPrefix, { maxLeaseMs: LEASE_MS });
});

afterEach(async () => {
  for (const each of opened.splice(0)) await each.close();
  transport.close();
  await deleteRedisPrefix(redis, keyPrefix);
  redis.disconnect();
});


/** Waits the epoch's youth out, so that a command's wait is only for the holders. */
const pastYoungEpoch = () => new Promise((resolve) => setTimeout(resolve, LEASE_MS + 20));

describe('the verification lease on Redis', () => {
  it('grants a lease only in the current epoch, to a holder that applied every invalidation', async () => {
    const first = await transport.renew({ holder: 'h1', epoch: '', applied: '0', leaseMs: LEASE_MS, adopt: false });
    expect(first.kind).toBe('new_epoch');
    const epoch = first.epoch;
    expect(await transport.renew({ holder: 'h1', epoch, applied: '0', leaseMs: 10_000, adopt: true })).toEqual({ kind: 'granted', epoch, applied: '0', leaseMs: LEASE_MS });

    const { id } = await transport.publish(['c:tok-1']);
    expect(await transport.renew({ holder: 'h1', epoch, applied: '0', leaseMs: LEASE_MS, adopt: false })).toEqual({ kind: 'behind', epoch });
    expect(await transport.read('0', 10)).toEqual([{ id, subjects: ['c:tok-1'] }]);
    expect(await transport.renew({ holder: 'h1', epoch, applied: id, leaseMs: LEASE_MS, adopt: false })).toEqual({ kind: 'granted', epoch, applied: id, leaseMs: LEASE_MS });
    // A holder that empties its cache takes everything so far as applied.
    expect(await transport.renew({ holder: 'h2', epoch, applied: '0', leaseMs: LEASE_MS, adopt: true })).toEqual({ kind: 'granted', epoch, applied: id, leaseMs: LEASE_MS });
  });

  it('makes a command wait for a live holder until it applied the invalidation, and not for one whose lease ended', async () => {
    const { epoch } = await transport.renew({ holder: 'h1', epoch: '', applied: '0', leaseMs: LEASE_MS, adopt: false });
    await transport.renew({ holder: 'h1', epoch, applied: '0', leaseMs: LEASE_MS, adopt: true });
    await pastYoungEpoch();
    await transport.renew({ holder: 'h1', epoch, applied: '0', leaseMs: LEASE_MS, adopt: true });
    const published = await transport.publish(['u:user-1']);
    expect(await transport.pending(published.epoch, published.id)).toEqual({ holders: 1, youngForMs: 0 });
    await transport.renew({ holder: 'h1', epoch, applied: published.id, leaseMs: LEASE_MS, adopt: false });
    expect(await transport.pending(published.epoch, published.id)).toEqual({ holders: 0, youngForMs: 0 });

    const next = await transport.publish(['u:user-1']);
    expect((await transport.pending(next.epoch, next.id)).holders).toBe(1);
    await pollUntil(async () => (await transport.pending(next.epoch, next.id)).holders === 0, 'the lease of h1, which did not apply it, to end', 2 * LEASE_MS);
  });

  it('after Redis lost its keys, makes commands wait until no lease from before can be alive', async () => {
    const { epoch } = await transport.renew({ holder: 'h1', epoch: '', applied: '0', leaseMs: LEASE_MS, adopt: false });
    await transport.renew({ holder: 'h1', epoch, applied: '0', leaseMs: LEASE_MS, adopt: true });
    const before = await transport.publish(['c:tok-1']);
    await deleteRedisPrefix(redis, keyPrefix);
    const pending = await transport.pending(before.epoch, before.id);
    expect(pending.holders).toBe(0);
    expect(pending.youngForMs).toBeGreaterThan(LEASE_MS / 2);
    // The holder learns the epoch is new, and joins it with an empty cache.
    const renewed = await transport.renew({ holder: 'h1', epoch, applied: before.id, leaseMs: LEASE_MS, adopt: false });
    expect(renewed.kind).toBe('new_epoch');
    expect(renewed.epoch).not.toBe(epoch);
  });
});

describe('LeaseFencedCache and CacheInvalidations on Redis', () => {
  it('serves a credential from the cache until a command invalidates it, and the command answers once it is dropped', async () => {
    const cache = openVerificationCache(redis, keyPrefix, { leaseMs: LEASE_MS });
    opened.push(cache);
    const invalidations = new CacheInvalidations({ transport });
    await pollUntil(() => cache.leased(), 'the cache to hold a lease', 5000);
    expect(cache.offer('hash-1', cache.ticket(), records('tok-1'))).toBe(true);
    expect(cache.offer('hash-2', cache.ticket(), records('tok-2'))).toBe(true);
    expect(cache.lookup('hash-1')).toBeDefined();

    await pastYoungEpoch();
    await invalidations.invalidate(['c:tok-1']);
    // Dropped by the time the command answered; the other credential is still served.
    expect(cache.lookup('hash-1')).toBeUndefined();
    expect(cache.lookup('hash-2')).toBeDefined();
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, invalidations: 1, entries: 1, leased: true });
  });

  it('waits for the invalidation the script of the change wrote, publishing none more', async () => {
    const cache = openVerificationCache(redis, keyPrefix, { leaseMs: LEASE_MS });
    opened.push(cache);
    await pollUntil(() => cache.leased(), 'the cache to hold a lease', 5000);
    expect(cache.offer('hash-1', cache.ticket(), records('tok-1'))).toBe(true);
    await pastYoungEpoch();
    // As the projection's apply script writes it, beside the change: the entry, and the epoch it was written in.
    const keys = verificationCacheKeys(keyPrefix);
    const id = (await redis.xadd(keys.invalidations, '*', 's', 'c:tok-1'))!;
    const epoch = (await redis.hget(keys.epoch, 'id'))!;
    await new CacheInvalidations({ transport }).invalidate(['c:tok-1'], { epoch, id });
    expect(cache.lookup('hash-1')).toBeUndefined();
    expect(await redis.xlen(keys.invalidations)).toBe(1);
  });

  it('makes a command wait for a holder that stopped answering until its lease ended, and the holder serves nothing meanwhile', async () => {
    // A holder that holds its lease and then hears nothing more, as a paused (SIGSTOP) verifier.
    let silent = false;
    const unlessSilent = <T>(answer: Promise<T>): Promise<T> => answer.then((value) => (silent ? new Promise<T>(() => undefined) : value));
    const cache = new LeaseFencedCache({
      transport: {
        renew: (request) => unlessSilent(transport.renew(request)),
        read: (after, waitMs) => unlessSilent(transport.read(after, waitMs)),
      },
      leaseMs: LEASE_MS,
    });
    cache.start();
    await pollUntil(() => cache.leased(), 'the cache to hold a lease', 5000);
    cache.offer('hash-1', cache.ticket(), records('tok-1'));
    await pastYoungEpoch();
    silent = true;
    const invalidated = new CacheInvalidations({ transport }).invalidate(['c:tok-1']);
    let answered = false;
    void invalidated.then(() => (answered = true));
    // While the silent holder's lease runs, the command waits; it still serves from its cache then (it may: the command has not answered).
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 4));
    expect({ answered, leased: cache.leased() }).toEqual({ answered: false, leased: true });
    await invalidated;
    // It answered only once the lease ended, and by then the holder itself had stopped serving, never having applied the invalidation.
    expect(cache.leased()).toBe(false);
    expect(cache.lookup('hash-1')).toBeUndefined();
    expect(cache.stats().invalidations).toBe(0);
  });

  it('forgets a holder that closed: a command waits for it no longer, though its lease has not run out', async () => {
    const cache = openVerificationCache(redis, keyPrefix, { leaseMs: LEASE_MS });
    await pollUntil(() => cache.leased(), 'the cache to hold a lease', 5000);
    await pastYoungEpoch();
    await cache.close();
    const { epoch, id } = await transport.publish(['c:tok-1']);
    expect(await transport.pending(epoch, id)).toEqual({ holders: 0, youngForMs: 0 });
    expect(await redis.hlen(verificationCacheKeys(keyPrefix).holders)).toBe(0);
  });

  it('drops every entry and stops serving when the connection reading the log is lost', async () => {
    const readerName = uniqueTestId('cache-reader');
    const own = new RedisLeaseTransport(redis, keyPrefix, { maxLeaseMs: LEASE_MS, readerName });
    const cache = new LeaseFencedCache({ transport: own, leaseMs: LEASE_MS });
    own.whenConnectionLost(() => cache.loseLease());
    cache.start();
    opened.push({ close: async () => (await Promise.all([cache.stop(), own.close()]), undefined) });
    await pollUntil(() => cache.leased(), 'the cache to hold a lease', 5000);
    cache.offer('hash-1', cache.ticket(), records('tok-1'));
    let reader: string | undefined;
    await pollUntil(
      async () => (reader = ((await redis.client('LIST')) as string).split('\n').find((line) => line.includes(` name=${readerName} `))) !== undefined,
      'the connection reading the log',
      5000,
    );
    await redis.client('KILL', 'ID', /\bid=(\d+)/.exec(reader!)![1]!);
    await pollUntil(() => cache.stats().leaseLosses > 0, 'the cache to lose its lease', 5000);
    expect(cache.lookup('hash-1')).toBeUndefined();
    // And holds a lease again once reconnected, with an empty cache.
    await pollUntil(() => cache.leased(), 'the cache to hold a lease again', 5000);
    expect(cache.stats().entries).toBe(0);
  });
});
