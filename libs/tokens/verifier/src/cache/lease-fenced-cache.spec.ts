import { LeaseFencedCache } from './lease-fenced-cache';
import { HandTransport, acceptanceOf as records, settle } from './test/acceptances';

// The cache's own bookkeeping, over a transport the test answers by hand and a clock it moves.

describe('LeaseFencedCache', () => {
  let now: number;
  let transport: HandTransport;
  let cache: LeaseFencedCache;

  beforeEach(async () => {
    now = 0;
    transport = new HandTransport();
    cache = new LeaseFencedCache({ transport, leaseMs: 1000, maxEntries: 3, monotonic: () => now, sleep: () => new Promise(() => undefined) });
    cache.start();
    await settle();
  });

  it('serves nothing until a lease is granted, counting the lease from when it was asked', async () => {
    expect(transport.renewals.map(({ epoch, adopt }) => ({ epoch, adopt }))).toEqual([
      { epoch: '', adopt: true },
      { epoch: 'e1', adopt: true },
    ]);
    expect(cache.leased()).toBe(true);
    expect(cache.offer('h1', cache.ticket(), records('t1'))).toBe(true);
    expect(cache.lookup('h1')!.view()).toEqual(records('t1').view);
    // The lease ends 1% short of what was granted, on the holder's clock.
    now = 989;
    expect(cache.lookup('h1')).toBeDefined();
    now = 990;
    expect(cache.lookup('h1')).toBeUndefined();
    expect(cache.offer('h2', cache.ticket(), records('t2'))).toBe(false);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, leased: false });
  });

  it('drops what an invalidation names, by credential, user or organization, and everything for *', async () => {
    cache.offer('h1', cache.ticket(), records('t1', 'user-1', 'org-1'));
    cache.offer('h2', cache.ticket(), records('t2', 'user-2', 'org-1'));
    cache.offer('h3', cache.ticket(), records('t3', 'user-3', 'org-2'));
    transport.deliver([{ id: '5-0', subjects: ['c:t1'] }]);
    await settle();
    expect(['h1', 'h2', 'h3'].map((hash) => cache.lookup(hash) !== undefined)).toEqual([false, true, true]);
    transport.deliver([{ id: '6-0', subjects: ['o:org-1'] }]);
    await settle();
    expect(['h2', 'h3'].map((hash) => cache.lookup(hash) !== undefined)).toEqual([false, true]);
    transport.deliver([{ id: '7-0', subjects: ['u:user-3'] }]);
    await settle();
    expect(cache.lookup('h3')).toBeUndefined();
    cache.offer('h4', cache.ticket(), records('t4', 'user-4', 'org-4'));
    transport.deliver([{ id: '8-0', subjects: ['*'] }]);
    await settle();
    expect(cache.stats()).toMatchObject({ entries: 0, invalidations: 4 });
    // What it applied is what it tells Redis at its next renewal.
    expect(transport.renewals.at(-1)).toMatchObject({ applied: '8-0', adopt: false });
  });

  it('keeps nothing a read started before an invalidation was applied', async () => {
    const ticket = cache.ticket();
    transport.deliver([{ id: '5-0', subjects: ['c:unrelated'] }]);
    await settle();
    expect(cache.offer('h1', ticket, records('t1'))).toBe(false);
    expect(cache.offer('h1', cache.ticket(), records('t1'))).toBe(true);
  });

  it('evicts the oldest entry beyond its size, and forgets an evicted entry in its indexes', async () => {
    for (const n of [1, 2, 3, 4]) cache.offer(`h${n}`, cache.ticket(), records(`t${n}`, `user-${n}`));
    expect(cache.lookup('h1')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1 });
    transport.deliver([{ id: '5-0', subjects: ['u:user-1'] }]);
    await settle();
    expect(cache.stats().entries).toBe(3);
  });

  it("keeps one frozen copy of an owner's roles, teams and permissions per narrowing while they read the same, and a new one after the owner's invalidation", async () => {
    const narrowed = (credentialId: string) =>
      records(credentialId, 'user-1', 'org-1', { permissions: {}, credential: { kind: 'api_token', id: credentialId, expiresAt: null, permissions: ['users:read'] } });
    cache.offer('h1', cache.ticket(), records('t1'));
    cache.offer('h2', cache.ticket(), records('t2'));
    const [first, second] = [cache.lookup('h1')!, cache.lookup('h2')!];
    expect(second.view().roles).toBe(first.view().roles);
    expect(second.view().permissions).toBe(first.view().permissions);
    expect(second.view()).toEqual(records('t2').view);
    expect([first.view().roles, first.view().teams, first.view().permissions].every((shared) => Object.isFrozen(shared))).toBe(true);
    expect(first.view()).not.toBe(first.view());
    // Another narrowing of the same owner is not shared with the unnarrowed one.
    cache.offer('h3', cache.ticket(), narrowed('t3'));
    expect(cache.lookup('h3')!.view()).toEqual(narrowed('t3').view);
    expect(cache.lookup('h3')!.view().permissions).not.toBe(first.view().permissions);
    // The owner's roles changed, its invalidation not applied yet: each entry keeps what its own read saw.
    const renamed = records('t4', 'user-1', 'org-1', { roles: ['admin'] });
    cache.offer('h4', cache.ticket(), renamed);
    expect(cache.lookup('h4')!.view().roles).toEqual(['admin']);
    expect(cache.lookup('h2')!.view().roles).toEqual(['viewer']);
  });

  it("ends every entry of an invalidated owner or organization at once, and keeps new ones apart from them", async () => {
    cache.offer('h1', cache.ticket(), records('t1', 'user-1', 'org-1'));
    transport.deliver([{ id: '5-0', subjects: ['u:user-1'] }]);
    await settle();
    cache.offer('h2', cache.ticket(), records('t2', 'user-1', 'org-1'));
    expect(cache.lookup('h1')).toBeUndefined();
    expect(cache.lookup('h2')).toBeDefined();
    transport.deliver([{ id: '6-0', subjects: ['o:org-1'] }]);
    await settle();
    cache.offer('h3', cache.ticket(), records('t3', 'user-1', 'org-1'));
    expect([cache.lookup('h2'), cache.lookup('h3')].map((found) => found !== undefined)).toEqual([false, true]);
    // An unknown kind of subject drops everything (failing closed).
    transport.deliver([{ id: '7-0', subjects: ['x:whatever'] }]);
    await settle();
    expect(cache.lookup('h3')).toBeUndefined();
  });

  it("indexes both secrets of a token in its rotation's grace, and drops both with the token", async () => {
    cache.offer('old', cache.ticket(), records('t1'));
    cache.offer('new', cache.ticket(), records('t1'));
    expect([cache.lookup('old'), cache.lookup('new')].every((found) => found !== undefined)).toBe(true);
    transport.deliver([{ id: '5-0', subjects: ['c:t1'] }]);
    await settle();
    expect([cache.lookup('old'), cache.lookup('new')]).toEqual([undefined, undefined]);
    expect(cache.stats().entries).toBe(0);
  });

  it('empties itself and counts a lease loss when the connection is lost, and when its lease runs out before a renewal', async () => {
    cache.offer('h1', cache.ticket(), records('t1'));
    cache.loseLease();
    expect(cache.stats()).toMatchObject({ entries: 0, leaseLosses: 1, leased: false });
    // The next renewal, once the read ends, adopts: its cache is empty.
    transport.deliver([]);
    await settle();
    expect(transport.renewals.at(-1)).toMatchObject({ adopt: true });
    expect(cache.leased()).toBe(true);
    // A renewal refused (behind) does not extend the lease; past its end the cache is emptied before asking again.
    transport.grant = false;
    cache.offer('h2', cache.ticket(), records('t2'));
    now = 2000;
    transport.deliver([]);
    await settle();
    expect(cache.stats()).toMatchObject({ entries: 0, leaseLosses: 2, leased: false });
  });

  it("counts its lease on the monotonic clock only: a wall clock that jumps a day either way changes nothing", async () => {
    const real = new LeaseFencedCache({ transport: new HandTransport(), leaseMs: 1000, sleep: () => new Promise(() => undefined) });
    real.start();
    await settle();
    real.offer('h1', real.ticket(), records('t1'));
    jest.useFakeTimers({ doNotFake: ['performance', 'nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      for (const jump of [86_400_000, -86_400_000]) {
        jest.setSystemTime(Date.now() + jump);
        expect(real.leased()).toBe(true);
        expect(real.lookup('h1')).toBeDefined();
      }
    } finally {
      jest.useRealTimers();
    }
  });
});
