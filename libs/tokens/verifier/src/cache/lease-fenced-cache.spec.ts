import type { CredentialRecord, PrincipalRecord } from '@warden/contracts';
import { CachedRecords, LeaseFencedCache } from './lease-fenced-cache';
import { Invalidation, LeaseTransport, RenewRequest } from './lease-protocol';

// The cache's own bookkeeping, over a transport the test answers by hand and a clock it moves.
function records(credentialId: string, userId = 'user-1', organizationId = 'org-1'): CachedRecords {
  const credential = { kind: 'api_token', credentialId, userId, organizationId, expiresAt: null, status: 'active' } as CredentialRecord;
  return { credential, owner: { userId } as PrincipalRecord, policy: null };
}

class HandTransport implements LeaseTransport {
  renewals: RenewRequest[] = [];
  private reads: ((invalidations: Invalidation[]) => void)[] = [];
  grant = true;

  renew(request: RenewRequest) {
    this.renewals.push(request);
    if (request.epoch === '') return Promise.resolve({ kind: 'new_epoch' as const, epoch: 'e1' });
    return Promise.resolve(this.grant ? { kind: 'granted' as const, epoch: 'e1', applied: request.applied, leaseMs: 1000 } : { kind: 'behind' as const, epoch: 'e1' });
  }

  read(): Promise<Invalidation[]> {
    return new Promise((resolve) => this.reads.push(resolve));
  }

  /** Answers the read in flight with these invalidations. */
  deliver(invalidations: Invalidation[]): void {
    const reads = this.reads;
    this.reads = [];
    for (const resolve of reads) resolve(invalidations);
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

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
    expect(cache.lookup('h1')).toEqual(records('t1'));
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

  it("keeps one copy of an owner's record and of its organization's policy while they read the same, and forgets it with the last entry", async () => {
    const read = (credentialId: string, username = 'robot'): CachedRecords => ({
      credential: { kind: 'api_token', credentialId, userId: 'user-1', organizationId: 'org-1', expiresAt: null, status: 'active' } as CredentialRecord,
      owner: { userId: 'user-1', organizationId: 'org-1', username, status: 'active' } as PrincipalRecord,
      policy: { organizationId: 'org-1', maxTokenLifetimeSeconds: null },
    });
    cache.offer('h1', cache.ticket(), read('t1'));
    cache.offer('h2', cache.ticket(), read('t2'));
    const [first, second] = [cache.lookup('h1')!, cache.lookup('h2')!];
    expect(second.owner).toBe(first.owner);
    expect(second.policy).toBe(first.policy);
    expect(second).toEqual(read('t2'));
    // The owner renamed, its invalidation not applied yet: each entry keeps what its own read saw.
    cache.offer('h3', cache.ticket(), read('t3', 'renamed'));
    expect(cache.lookup('h3')).toEqual(read('t3', 'renamed'));
    expect(cache.lookup('h1')!.owner.username).toBe('robot');
    expect(cache.lookup('h3')!.policy).toBe(first.policy);
    transport.deliver([{ id: '5-0', subjects: ['u:user-1'] }]);
    await settle();
    cache.offer('h4', cache.ticket(), read('t4'));
    expect(cache.lookup('h4')!.owner).not.toBe(first.owner);
    expect(cache.lookup('h4')!.policy).not.toBe(first.policy);
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
});
