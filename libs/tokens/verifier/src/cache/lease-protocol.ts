// The lease protocol of the verification cache, apart from any transport or clock, so that a
// simulation can run it over a fake Redis and a fake clock (lease-protocol.sim.spec.ts) and
// the verifiers and commands run it over the real one (redis-lease-transport.ts).
//
// A verifier (gateway, tokens service, library) may answer from its in-process cache only
// while it holds a lease that Redis granted it, for about 2 s. Redis grants or extends a lease
// only to a holder that has applied every invalidation published so far. A command that
// reduces a credential's power first changes the read model, then publishes an invalidation
// (in practice the read model's own script writes it with the change: see CacheInvalidations),
// then answers only once every holder whose lease has not ended has applied it. So when the
// command answers, every cache either dropped what the invalidation names or stopped being
// used: no verification accepts from a cache what the read model no longer says.
//
// Leases are judged by two clocks. Redis grants one until `its now + lease` and a command
// counts a holder until Redis' clock passes that end; the holder counts it from the moment it
// *sent* the request, on its monotonic clock, so its lease ends no later than Redis' (less a
// margin for the two clocks' rates: LEASE_CLOCK_RATE_MARGIN). A wall clock that jumps on a
// verifier's host changes nothing; Redis' own clock jumping forward by J shortens every lease
// by J as Redis sees it, the bound the architecture notes give (the lease plus clock drift).

/** An invalidation in the log: what the verifiers drop. */
export interface Invalidation {
  /** Its position in the log (a Redis stream id: `<ms>-<seq>`). */
  id: string;
  /** `c:<credential id>`, `u:<user id>`, `o:<organization id>`, or `*` for everything. */
  subjects: string[];
}

export type RenewReply =
  /** Redis lost the epoch the holder knew (or it knew none): nothing granted; it empties its cache and adopts. */
  | { kind: 'new_epoch'; epoch: string }
  /** Invalidations it has not applied yet: what it applied is recorded, the lease is not extended. */
  | { kind: 'behind'; epoch: string }
  /** `applied` what Redis holds as applied (the last invalidation, when adopting); `leaseMs` the lease granted, counted from the request. */
  | { kind: 'granted'; epoch: string; applied: string; leaseMs: number };

export interface RenewRequest {
  holder: string;
  /** The epoch the holder knows ('' for none yet). */
  epoch: string;
  /** The last invalidation it applied ('0' for none). */
  applied: string;
  leaseMs: number;
  /** Its cache is empty and it takes every invalidation so far as applied. */
  adopt: boolean;
}

/** What a verifier needs of the shared store (Redis). */
export interface LeaseTransport {
  renew(request: RenewRequest): Promise<RenewReply>;
  /** Invalidations after `after`, waiting up to `waitMs` for one; [] when none came. */
  read(after: string, waitMs: number): Promise<Invalidation[]>;
  /**
   * Forgets a holder that stopped serving for good, so that commands stop waiting for it at
   * once rather than when its lease ends (a shutdown; a holder that dies is waited for).
   */
  release?(holder: string): Promise<void>;
}

/** What a command needs of it. */
export interface InvalidationTransport {
  publish(subjects: readonly string[]): Promise<{ epoch: string; id: string }>;
  /** The live holders that have still to apply `id`, and how long until the epoch is older than its longest lease. */
  pending(epoch: string, id: string): Promise<{ holders: number; youngForMs: number }>;
}

/** The lease the verifiers ask for unless configured otherwise, and the longest a new epoch grants. */
export const DEFAULT_LEASE_MS = 2000;
/** A holder ends its lease this much earlier than Redis does, for the two clocks' rates (1%). */
export const LEASE_CLOCK_RATE_MARGIN = 0.01;

/** `<ms>-<seq>` stream ids in order; '0' is before every other. */
export function invalidationBefore(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs < bMs : aSeq < bSeq;
}
