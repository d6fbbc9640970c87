import type { PrincipalView } from '@warden/contracts';
import { Acceptance, LeaseFencedCache } from '../lease-fenced-cache';
import { Invalidation, LeaseTransport, RenewRequest } from '../lease-protocol';

/** An accepted verification of API token `credentialId` of `userId` in `organizationId`, as the cache keeps it; `fields` set what a test is about. */
export function acceptanceOf(credentialId: string, userId = 'user-1', organizationId = 'org-1', fields: Partial<PrincipalView> = {}): Acceptance {
  return {
    view: {
      userId,
      organizationId,
      accountType: 'service_external',
      roles: ['viewer'],
      teams: [],
      permissions: { 'tokens:read': 'organization' },
      isSuperAdmin: false,
      platformAdmin: false,
      credential: { kind: 'api_token', id: credentialId, expiresAt: null },
      ...fields,
    },
    untilMs: Infinity,
  };
}

/** A transport a test answers by hand: it grants every renewal (1 s) while `grant`, and answers reads with `deliver`. */
export class HandTransport implements LeaseTransport {
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

/** Lets the promises chained on what was answered run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A cache holding its lease for good (a clock that stands still), for tests of what it keeps. */
export async function leasedCache(maxEntries = 1000): Promise<LeaseFencedCache> {
  const cache = new LeaseFencedCache({ transport: new HandTransport(), leaseMs: 1000, maxEntries, monotonic: () => 0, sleep: () => new Promise(() => undefined) });
  cache.start();
  await settle();
  if (!cache.leased()) throw new Error('the hand transport grants a lease');
  return cache;
}
