import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { CredentialRecord, OrganizationPolicyRecord, PrincipalRecord } from '@warden/contracts';
import { invalidationSubject } from './cache-invalidations';
import { DEFAULT_LEASE_MS, Invalidation, LEASE_CLOCK_RATE_MARGIN, LeaseTransport, invalidationBefore } from './lease-protocol';

// A verifier's in-process cache of what verifications decide on, fenced by a lease
// (lease-protocol.ts says why a command's answer is then final for every cache). A hit costs
// the SHA-256 the caller already did and one map lookup; the decision is made again on every
// hit, with the clock of that moment, so expiry and the end of a rotation's grace need no
// invalidation. Only credentials without a usage policy are kept: a rate limit or credits are
// counted in Redis at each use.
//
// One loop per cache: read the invalidation log (waiting up to a quarter of the lease for
// one), drop what each names, tell Redis what was applied, which renews the lease. While the
// lease is not fresh nothing is served from the cache, and before asking for a lease again
// the cache is emptied. A read of Redis that started before an invalidation was applied
// cannot fill the cache after it (the ticket of `offer`).
//
// Most of what an entry holds is its owner's record and its organization's policy, the same
// for every credential of that owner (parsed anew by each verification that read them): an
// entry keeps the copy the cache already holds when it is equal, so 100,000 tokens of one
// service account hold one owner record, not 100,000.

/** What a verification decided on, as the read models held it, kept for the next ones. */
export interface CachedRecords {
  credential: CredentialRecord;
  owner: PrincipalRecord;
  policy: OrganizationPolicyRecord | null;
}

export interface LeaseFencedCacheOptions {
  transport: LeaseTransport;
  /** The lease asked for (ms; Redis grants at most the epoch's longest, DEFAULT_LEASE_MS unless set by the deployment). */
  leaseMs?: number;
  /** Most entries kept; the oldest are evicted first (default 100,000). */
  maxEntries?: number;
  /** This holder's name in Redis (a random one by default). */
  holder?: string;
  /** A monotonic clock in ms (performance.now); a simulation gives its own. */
  monotonic?: () => number;
  /** Called with what failed in the loop (it goes on: the lease runs out on its own meanwhile). */
  onError?: (error: unknown) => void;
  /** How long to wait after a failure before trying again (ms, default 100). */
  retryMs?: number;
  /** How the loop sleeps (a simulation gives its own). */
  sleep?: (ms: number) => Promise<void>;
}

/** The cache's counters since it started, for the metrics. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries evicted to stay within `maxEntries`. */
  evictions: number;
  /** Leases that ended without being renewed (Redis unreachable, behind, paused, an epoch lost). */
  leaseLosses: number;
  /** Invalidations applied. */
  invalidations: number;
  entries: number;
  /** Whether the lease is fresh now (the cache is in use). */
  leased: boolean;
}

export const DEFAULT_CACHE_ENTRIES = 100_000;

export class LeaseFencedCache {
  readonly holder: string;
  private readonly entries = new Map<string, CachedRecords>();
  /** The hashes of the entries each subject names: most name one (a credential's own `c:`), kept as the hash itself, not a set of one. */
  private readonly bySubject = new Map<string, string | Set<string>>();
  /** The owner record (`u:` subject) and the policy (`o:` subject) entries share, while an entry of that subject is kept. */
  private readonly shared = new Map<string, PrincipalRecord | OrganizationPolicyRecord>();
  /** Bumped by every drop: a read that started under another generation does not fill the cache. */
  private generation = 0;
  private leaseEndsAt = Number.NEGATIVE_INFINITY;
  private epoch = '';
  private applied = '0';
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly maxEntries: number;
  private readonly monotonic: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly counts = { hits: 0, misses: 0, evictions: 0, leaseLosses: 0, invalidations: 0 };

  constructor(private readonly options: LeaseFencedCacheOptions) {
    this.holder = options.holder ?? randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(this.leaseMs >= 100)) throw new RangeError('the verification cache lease is at least 100 ms');
    this.maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
    if (!(this.maxEntries >= 1)) throw new RangeError('the verification cache keeps at least 1 entry');
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
  }

  /** Starts the loop that holds the lease. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops the loop (the lease then runs out in Redis; nothing is served from the cache any more). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leaseEndsAt = Number.NEGATIVE_INFINITY;
    this.drop([invalidationSubject.everything]);
    await this.running;
  }

  /** Whether the lease is fresh: only then is anything served from, or put in, the cache. */
  leased(now = this.monotonic()): boolean {
    return now < this.leaseEndsAt;
  }

  /** The records of the credential with this hash, when cached and the lease is fresh. */
  lookup(hash: string): CachedRecords | undefined {
    const found = this.leased() ? this.entries.get(hash) : undefined;
    if (found) this.counts.hits++;
    else this.counts.misses++;
    return found;
  }

  /** Taken before reading Redis; `offer` keeps what was read only if nothing was dropped since. */
  ticket(): number {
    return this.generation;
  }

  /** Keeps what a verification read (and accepted), unless an invalidation was applied since `ticket` or the lease is not fresh. */
  offer(hash: string, ticket: number, records: CachedRecords): boolean {
    if (ticket !== this.generation || !this.leased()) return false;
    if (this.entries.has(hash)) this.remove(hash);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
      this.counts.evictions++;
    }
    const kept = this.sharing(records);
    this.entries.set(hash, kept);
    for (const subject of subjectsOf(kept)) {
      const hashes = this.bySubject.get(subject);
      if (hashes === undefined) this.bySubject.set(subject, hash);
      else if (typeof hashes !== 'string') hashes.add(hash);
      else if (hashes !== hash) this.bySubject.set(subject, new Set([hashes, hash]));
    }
    return true;
  }

  /**
   * The records as kept: the owner and the policy already held for the credential's owner and
   * organization when equal to the ones read (else the ones read, shared from now on), and the
   * credential's owner and organization ids the owner record's own strings.
   */
  private sharing({ credential, owner, policy }: CachedRecords): CachedRecords {
    if (owner.userId === credential.userId && owner.organizationId === credential.organizationId) {
      owner = this.share(invalidationSubject.user(credential.userId), owner);
      credential = { ...credential, userId: owner.userId, organizationId: owner.organizationId };
    }
    if (policy !== null && policy.organizationId === credential.organizationId) policy = this.share(invalidationSubject.organization(credential.organizationId), policy);
    return { credential, owner, policy };
  }

  private share<T extends PrincipalRecord | OrganizationPolicyRecord>(subject: string, record: T): T {
    const known = this.shared.get(subject);
    if (known !== undefined && isDeepStrictEqual(known, record)) return known as T;
    // Another record (an invalidation of one of the two is on its way): entries kept from now on share this one.
    this.shared.set(subject, record);
    return record;
  }

  /** The lease ends now (the connection to Redis was lost): nothing is served until it is granted again. */
  loseLease(): void {
    if (this.leaseEndsAt !== Number.NEGATIVE_INFINITY) this.counts.leaseLosses++;
    this.leaseEndsAt = Number.NEGATIVE_INFINITY;
    this.drop([invalidationSubject.everything]);
  }

  stats(): CacheStats {
    return { ...this.counts, entries: this.entries.size, leased: this.leased() };
  }

  private async loop(): Promise<void> {
    const readWaitMs = Math.max(10, Math.floor(this.leaseMs / 4));
    while (!this.stopped) {
      try {
        await this.renew();
        if (this.stopped) break;
        this.apply(await this.options.transport.read(this.applied, readWaitMs));
      } catch (error) {
        if (this.stopped) break;
        this.options.onError?.(error);
        await this.sleep(this.options.retryMs ?? 100);
      }
    }
  }

  /** Drops what the invalidations name, in order. */
  private apply(invalidations: readonly Invalidation[]): void {
    for (const invalidation of invalidations) {
      if (!invalidationBefore(this.applied, invalidation.id)) continue;
      this.drop(invalidation.subjects);
      this.applied = invalidation.id;
      this.counts.invalidations++;
    }
  }

  /** Tells Redis what was applied; a lease granted ends, for this holder, `lease` after the request was sent. */
  private async renew(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const sentAt = this.monotonic();
      const adopt = !this.leased(sentAt);
      // Emptied before the lease is asked for again.
      if (adopt) this.loseLease();
      const reply = await this.options.transport.renew({ holder: this.holder, epoch: this.epoch, applied: this.applied, leaseMs: this.leaseMs, adopt });
      if (this.stopped) return;
      if (reply.kind === 'new_epoch') {
        // Redis lost what it knew (or this holder is new): start over in its epoch.
        this.loseLease();
        this.epoch = reply.epoch;
        this.applied = '0';
        continue;
      }
      if (reply.kind === 'behind') return;
      if (adopt) {
        // Invalidations published before the grant count as applied: a read of Redis in flight
        // since before them must not fill the cache.
        this.drop([invalidationSubject.everything]);
        this.applied = reply.applied;
      }
      this.leaseEndsAt = sentAt + reply.leaseMs * (1 - LEASE_CLOCK_RATE_MARGIN);
      return;
    }
  }

  private drop(subjects: readonly string[]): void {
    this.generation++;
    for (const subject of subjects) {
      if (subject === invalidationSubject.everything) {
        this.entries.clear();
        this.bySubject.clear();
        this.shared.clear();
        return;
      }
      const hashes = this.bySubject.get(subject);
      if (hashes === undefined) continue;
      for (const hash of typeof hashes === 'string' ? [hashes] : [...hashes]) this.remove(hash);
    }
  }

  private remove(hash: string): void {
    const records = this.entries.get(hash);
    if (!records) return;
    this.entries.delete(hash);
    for (const subject of subjectsOf(records)) {
      const hashes = this.bySubject.get(subject);
      if (typeof hashes !== 'string') hashes?.delete(hash);
      if (hashes === hash || (typeof hashes === 'object' && hashes.size === 0)) {
        this.bySubject.delete(subject);
        this.shared.delete(subject);
      }
    }
  }
}

/** What an invalidation may name a cached credential by. */
function subjectsOf({ credential }: CachedRecords): string[] {
  return [
    invalidationSubject.credential(credential.credentialId),
    invalidationSubject.user(credential.userId),
    invalidationSubject.organization(credential.organizationId),
  ];
}
