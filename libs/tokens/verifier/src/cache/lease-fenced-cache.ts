import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { PrincipalView } from '@warden/contracts';
import { invalidationSubject } from './cache-invalidations';
import { DEFAULT_LEASE_MS, Invalidation, LEASE_CLOCK_RATE_MARGIN, LeaseTransport, invalidationBefore } from './lease-protocol';

// A verifier's in-process cache of accepted verifications, fenced by a lease
// (lease-protocol.ts says why a command's answer is then final for every cache). A hit costs
// the SHA-256 the caller already did, one map lookup and a new principal's view: what
// the verification decided is kept with the moment it stops holding (the credential's
// effective expiry, a rotation's grace end included), so nothing but the clock and a public
// token's origins is checked again, and expiry needs no invalidation. Only credentials without
// a usage policy are kept: a rate limit or credits are counted in Redis at each use.
//
// One loop per cache: read the invalidation log (waiting up to a quarter of the lease for
// one), drop what each names, tell Redis what was applied, which renews the lease. While the
// lease is not fresh nothing is served from the cache, and before asking for a lease again
// the cache is emptied. A read of Redis that started before an invalidation was applied
// cannot fill the cache after it (the ticket of `offer`).
//
// An entry is small: what the view holds of the owner is one frozen copy per owner (and
// narrowing), shared by the owner's credentials, and an invalidation of an owner or an
// organization ends the validity of what they share at once, in one step, rather than
// visiting each of their entries (the entries go when next looked up, or are evicted first).

/** An accepted verification, as the ones of the same secret answer it while the cache may. */
export interface Acceptance {
  /** The principal as the verification answered it (its credential included). */
  view: PrincipalView;
  /** When the decision stops holding: the credential's effective expiry (epoch ms; Infinity for none). */
  untilMs: number;
  /** A public token's origins: the decision holds only for a request from one of them. */
  allowedOrigins?: readonly string[];
}

/** An acceptance as kept. */
export interface CachedVerification {
  readonly kind: PrincipalView['credential']['kind'];
  readonly untilMs: number;
  readonly allowedOrigins: readonly string[] | undefined;
  /** The principal as the verification answered it: a new object each time, its roles, teams, permissions and narrowing frozen and shared. */
  view(): PrincipalView;
}

// What an owner's entries share, and whether an invalidation of the owner (`owner`) or of its
// organization (`organization`) ended it; a new scope is made for what is kept after.
interface OwnerScope {
  userId: string;
  organizationId: string;
  valid: boolean;
  organization: { valid: boolean; owners: number };
  /** What the view holds of the owner, per kind of credential and narrowing. */
  shared: Map<string, SharedFields>;
  /** Entries kept in this scope: the scope is forgotten with its last one. */
  entries: number;
}

interface SharedFields extends Pick<PrincipalView, 'accountType' | 'roles' | 'teams' | 'permissions' | 'isSuperAdmin' | 'platformAdmin'> {
  kind: PrincipalView['credential']['kind'];
  narrowing: string[] | undefined;
}

// An entry holds the credential's own fields and points at what it shares with its owner's
// other entries: about a third of the memory of a view per entry. The expiry's text is not
// kept when its time gives it back (it does for every expiry Warden writes): it is made again
// at the entry's first hit and kept from then on, so 40 bytes an entry are spent only on
// credentials the cache serves, and a hit formats no date.
class Entry implements CachedVerification {
  constructor(
    readonly scope: OwnerScope,
    readonly shared: Readonly<SharedFields>,
    readonly id: string,
    readonly untilMs: number,
    /** The expiry's text; undefined until the first hit when `untilMs` gives it back. */
    private expiry: string | null | undefined,
    readonly allowedOrigins: readonly string[] | undefined,
  ) {}

  get kind(): PrincipalView['credential']['kind'] {
    return this.shared.kind;
  }

  view(): PrincipalView {
    const { scope, shared, id } = this;
    const expiresAt = this.expiry === undefined ? (this.expiry = new Date(this.untilMs).toISOString()) : this.expiry;
    const { kind } = shared;
    return {
      userId: scope.userId,
      organizationId: scope.organizationId,
      accountType: shared.accountType,
      roles: shared.roles,
      teams: shared.teams,
      permissions: shared.permissions,
      isSuperAdmin: shared.isSuperAdmin,
      platformAdmin: shared.platformAdmin,
      credential: shared.narrowing === undefined ? { kind, id, expiresAt } : { kind, id, expiresAt, permissions: shared.narrowing },
    };
  }
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
  private readonly entries = new Map<string, Entry>();
  /** The hashes of each credential's cached secrets: one, or two during a rotation's grace (kept as the hash itself, not a set of one). */
  private readonly byCredential = new Map<string, string | Set<string>>();
  /** The scope of each owner with entries, and of each organization with owners that have. */
  private readonly owners = new Map<string, OwnerScope>();
  private readonly organizations = new Map<string, OwnerScope['organization']>();
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

  /**
   * Stops serving and the loop, then tells Redis this holder is gone, so that commands stop
   * waiting for it (should that fail, its lease runs out there on its own).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leaseEndsAt = Number.NEGATIVE_INFINITY;
    this.drop([invalidationSubject.everything]);
    await this.running;
    // After the loop: no renewal of this holder is in flight any more to register it again.
    await this.options.transport.release?.(this.holder).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Whether the lease is fresh: only then is anything served from, or put in, the cache. */
  leased(now = this.monotonic()): boolean {
    return now < this.leaseEndsAt;
  }

  /** The accepted verification of the secret with this hash, when cached and the lease is fresh. */
  lookup(hash: string): CachedVerification | undefined {
    let found = this.leased() ? this.entries.get(hash) : undefined;
    if (found !== undefined && !(found.scope.valid && found.scope.organization.valid)) {
      // Its owner or organization was invalidated since it was kept.
      this.remove(hash);
      found = undefined;
    }
    if (found) this.counts.hits++;
    else this.counts.misses++;
    return found;
  }

  /** Taken before reading Redis; `offer` keeps what was read only if nothing was dropped since. */
  ticket(): number {
    return this.generation;
  }

  /** Keeps an accepted verification, unless an invalidation was applied since `ticket` or the lease is not fresh. */
  offer(hash: string, ticket: number, acceptance: Acceptance): boolean {
    if (ticket !== this.generation || !this.leased()) return false;
    if (this.entries.has(hash)) this.remove(hash);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
      this.counts.evictions++;
    }
    const entry = this.kept(acceptance);
    this.entries.set(hash, entry);
    const { id } = entry;
    const hashes = this.byCredential.get(id);
    if (hashes === undefined) this.byCredential.set(id, hash);
    else if (typeof hashes !== 'string') hashes.add(hash);
    else if (hashes !== hash) this.byCredential.set(id, new Set([hashes, hash]));
    return true;
  }

  /**
   * The entry for an acceptance, with the owner's ids and what the view holds of the owner
   * (frozen) the copies already kept for that owner and narrowing when equal to the ones read
   * (else the ones read, shared from now on: an invalidation of the owner is on its way).
   */
  private kept({ view, untilMs, allowedOrigins }: Acceptance): Entry {
    const scope = this.scopeOf(view.userId, view.organizationId);
    const { kind, id, expiresAt, permissions: narrowing } = view.credential;
    const key = narrowing === undefined ? kind : `${kind} ${narrowing.join(' ')}`;
    const read: SharedFields = {
      accountType: view.accountType,
      roles: view.roles,
      teams: view.teams,
      permissions: view.permissions,
      isSuperAdmin: view.isSuperAdmin,
      platformAdmin: view.platformAdmin,
      kind,
      narrowing,
    };
    let shared = scope.shared.get(key);
    if (shared === undefined || !isDeepStrictEqual(shared, read)) {
      // Copies of what was read, frozen (the read itself is the caller's).
      shared = Object.freeze({
        ...read,
        roles: frozenCopy(read.roles),
        teams: frozenCopy(read.teams),
        permissions: Object.freeze({ ...read.permissions }),
        narrowing: narrowing === undefined ? undefined : frozenCopy(narrowing),
      });
      scope.shared.set(key, shared);
    }
    scope.entries++;
    const expiry = expiresAt !== null && Number.isFinite(untilMs) && new Date(untilMs).toISOString() === expiresAt ? undefined : expiresAt;
    return new Entry(scope, shared, id, untilMs, expiry, allowedOrigins === undefined ? undefined : frozenCopy(allowedOrigins));
  }

  private scopeOf(userId: string, organizationId: string): OwnerScope {
    let organization = this.organizations.get(organizationId);
    if (organization === undefined) this.organizations.set(organizationId, (organization = { valid: true, owners: 0 }));
    let scope = this.owners.get(userId);
    // An invalidated owner's scope is no longer in the map: a new one is made for it.
    if (scope === undefined || scope.organization !== organization) {
      scope = { userId, organizationId, valid: true, organization, shared: new Map(), entries: 0 };
      organization.owners++;
      this.owners.set(userId, scope);
    }
    return scope;
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
      const colon = subject.indexOf(':');
      const kind = colon < 0 ? subject : subject.slice(0, colon + 1);
      const id = subject.slice(colon + 1);
      if (kind === SUBJECT_KINDS.credential) {
        const hashes = this.byCredential.get(id);
        if (hashes !== undefined) for (const hash of typeof hashes === 'string' ? [hashes] : [...hashes]) this.remove(hash);
      } else if (kind === SUBJECT_KINDS.user) {
        const scope = this.owners.get(id);
        if (scope !== undefined) {
          scope.valid = false;
          this.owners.delete(id);
        }
      } else if (kind === SUBJECT_KINDS.organization) {
        const organization = this.organizations.get(id);
        if (organization !== undefined) {
          organization.valid = false;
          this.organizations.delete(id);
        }
      } else {
        // Everything, or a subject this version does not know: failing closed, all of it (no
        // entry is left to point at the scopes forgotten with it).
        this.entries.clear();
        this.byCredential.clear();
        this.owners.clear();
        this.organizations.clear();
        return;
      }
    }
  }

  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    const { id } = entry;
    const hashes = this.byCredential.get(id);
    if (hashes === hash) this.byCredential.delete(id);
    else if (typeof hashes === 'object') {
      hashes.delete(hash);
      if (hashes.size === 1) this.byCredential.set(id, hashes.values().next().value as string);
    }
    const { scope } = entry;
    if (--scope.entries > 0) return;
    if (this.owners.get(scope.userId) === scope) this.owners.delete(scope.userId);
    const { organization } = scope;
    if (--organization.owners === 0 && this.organizations.get(scope.organizationId) === organization) this.organizations.delete(scope.organizationId);
  }
}

function frozenCopy<T>(items: readonly T[]): T[] {
  return Object.freeze([...items]) as T[];
}

// The prefix of each kind of subject an invalidation names (cache-invalidations.ts).
const SUBJECT_KINDS = {
  credential: invalidationSubject.credential(''),
  user: invalidationSubject.user(''),
  organization: invalidationSubject.organization(''),
};
