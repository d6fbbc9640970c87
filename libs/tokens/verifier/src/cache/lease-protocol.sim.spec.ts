// A deterministic simulation of the verification cache's lease protocol: several verifiers
// (the real LeaseFencedCache), commands (the real CacheInvalidations) and a model of Redis
// (what the three Lua scripts do, atomically, on Redis' clock), over a fake clock and a fake
// network whose every message takes a random time. Seeded schedules mix verifications,
// revocations, verifiers paused for longer than their lease (SIGSTOP), Redis restarted with
// nothing kept, lost connections and clocks that run at different rates. The invariant: a
// verification that starts after a revocation answered never accepts the revoked token.
import { CacheInvalidations } from './cache-invalidations';
import { LeaseFencedCache } from './lease-fenced-cache';
import { Invalidation, InvalidationTransport, LeaseTransport, RenewReply, RenewRequest, invalidationBefore } from './lease-protocol';
import { acceptanceOf } from './test/acceptances';

const LEASE_MS = 2000;
const RUN_MS = 20_000;

/** mulberry32: the same schedule for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Virtual time: callbacks run in time order, each followed by every promise it settled. */
class Scheduler {
  now = 0;
  private queue: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;

  at(at: number, run: () => void): void {
    const event = { at: Math.max(at, this.now), seq: this.seq++, run };
    // After every event due at the same time or earlier (a later seq sorts last among equals).
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.queue[middle]!.at <= event.at) low = middle + 1;
      else high = middle;
    }
    this.queue.splice(low, 0, event);
  }

  after(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.now + ms, resolve));
  }

  async runUntil(end: number): Promise<void> {
    while (this.queue.length > 0 && this.queue[0]!.at <= end) {
      const next = this.queue.shift()!;
      this.now = next.at;
      next.run();
      // Let every continuation the callback settled run before the clock moves.
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.now = end;
  }
}

/** What the Lua scripts keep and do, run at the moment a request reaches "Redis". */
class RedisModel {
  epoch: { id: string; startedAt: number; maxLeaseMs: number } | undefined;
  holders = new Map<string, { applied: string; endsAt: number }>();
  log: Invalidation[] = [];
  revoked = new Set<string>();
  private ids = 0;
  private epochs = 0;
  private published: (() => void)[] = [];

  constructor(
    private readonly scheduler: Scheduler,
    /** A broken protocol for the test of the test: commands are told nobody has to apply their invalidation. */
    private readonly nobodyPending = false,
  ) {}

  restart(): void {
    this.epoch = undefined;
    this.holders.clear();
    this.log = [];
    this.revoked.clear();
  }

  private ensureEpoch(maxLeaseMs: number) {
    if (!this.epoch) {
      this.epoch = { id: `e${++this.epochs}`, startedAt: this.scheduler.now, maxLeaseMs };
      this.holders.clear();
      this.log = [];
    }
    return this.epoch;
  }

  private last(): string {
    return this.log.at(-1)?.id ?? '0';
  }

  renew(request: RenewRequest): RenewReply {
    const epoch = this.ensureEpoch(LEASE_MS);
    if (epoch.id !== request.epoch) return { kind: 'new_epoch', epoch: epoch.id };
    let applied = request.adopt ? this.last() : request.applied;
    const held = this.holders.get(request.holder);
    if (held && invalidationBefore(applied, held.applied)) applied = held.applied;
    if (invalidationBefore(applied, this.last())) {
      this.holders.set(request.holder, { applied, endsAt: held?.endsAt ?? 0 });
      return { kind: 'behind', epoch: epoch.id };
    }
    const leaseMs = Math.min(request.leaseMs, epoch.maxLeaseMs);
    this.holders.set(request.holder, { applied, endsAt: this.scheduler.now + leaseMs });
    return { kind: 'granted', epoch: epoch.id, applied, leaseMs };
  }

  read(after: string): Invalidation[] {
    return this.log.filter((entry) => invalidationBefore(after, entry.id));
  }

  publish(subjects: readonly string[]): { epoch: string; id: string } {
    const epoch = this.ensureEpoch(LEASE_MS);
    const id = `${this.scheduler.now}-${this.ids++}`;
    this.log.push({ id, subjects: [...subjects] });
    const waiting = this.published;
    this.published = [];
    for (const wake of waiting) wake();
    return { epoch: epoch.id, id };
  }

  /** Resolves at the next publish (a blocking XREAD's wake-up). */
  nextPublish(): Promise<void> {
    return new Promise((resolve) => this.published.push(resolve));
  }

  pending(epochId: string, id: string): { holders: number; youngForMs: number } {
    const epoch = this.ensureEpoch(LEASE_MS);
    const asked = epoch.id === epochId ? id : '0';
    if (this.nobodyPending) return { holders: 0, youngForMs: 0 };
    let holders = 0;
    for (const held of this.holders.values()) if (held.endsAt > this.scheduler.now && invalidationBefore(held.applied, asked)) holders++;
    return { holders, youngForMs: Math.max(0, epoch.startedAt + epoch.maxLeaseMs - this.scheduler.now) };
  }
}

/** A verifier process: its network to Redis, its clock, and whether it is paused (SIGSTOP). */
class Verifier {
  paused = false;
  connected = true;
  private held: (() => void)[] = [];
  readonly cache: LeaseFencedCache;

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
    private readonly redis: RedisModel,
    private readonly rand: () => number,
    clockRate: number,
  ) {
    const transport: LeaseTransport = {
      renew: (request) => this.call(() => this.redis.renew(request)),
      // A blocking read: answered once there is something after `after`, or when the wait ends.
      read: (after, waitMs) =>
        this.call(async () => {
          if (this.redis.read(after).length === 0) await Promise.race([this.redis.nextPublish(), this.scheduler.after(waitMs)]);
          return this.redis.read(after);
        }),
    };
    this.cache = new LeaseFencedCache({
      transport,
      holder: name,
      leaseMs: LEASE_MS,
      maxEntries: 2,
      monotonic: () => this.scheduler.now * clockRate,
      sleep: (ms) => this.sleep(ms),
    });
  }

  /** A round trip: a random delay each way, now and then a long one; nothing is delivered to a paused process until it resumes. */
  async call<T>(atRedis: () => T | Promise<T>): Promise<T> {
    await this.deliver(this.networkDelay());
    if (!this.connected) throw new Error('Connection is closed.');
    const answer = await atRedis();
    await this.deliver(this.networkDelay());
    if (!this.connected) throw new Error('Connection is closed.');
    return answer;
  }

  private networkDelay(): number {
    return this.rand() < 0.01 ? 100 + this.rand() * 500 : this.rand() * 3;
  }

  sleep(ms: number): Promise<void> {
    return this.deliver(ms);
  }

  private async deliver(ms: number): Promise<void> {
    await this.scheduler.after(ms);
    if (this.paused) await new Promise<void>((resolve) => this.held.push(resolve));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }

  /** The connection is cut (its owner sees the socket close) and comes back after `ms`. */
  disconnect(ms: number): void {
    this.connected = false;
    this.cache.loseLease();
    this.scheduler.at(this.scheduler.now + ms, () => (this.connected = true));
  }

  /** A verification as verifyCredential makes it: the cache, or the read model and an offer. */
  async verify(token: string): Promise<{ accepted: boolean; fromCache: boolean }> {
    const hit = this.cache.lookup(token);
    if (hit) return { accepted: true, fromCache: true };
    const ticket = this.cache.ticket();
    const revoked = await this.call(() => this.redis.revoked.has(token));
    if (!revoked) this.cache.offer(token, ticket, acceptanceOf(token, `owner-${token}`, 'org'));
    return { accepted: !revoked, fromCache: false };
  }
}


interface SimulationOutcome {
  /** Verifications that started after their token's revocation answered, and accepted it. */
  violations: string[];
  hits: number;
  revokes: number;
  /** The longest a revocation waited, request to answer (virtual ms). */
  longestRevokeMs: number;
  /** Revocations still waiting at the end. */
  unanswered: number;
}

async function simulate(seed: number, { nobodyPending = false } = {}): Promise<SimulationOutcome> {
  const rand = random(seed);
  const scheduler = new Scheduler();
  const redis = new RedisModel(scheduler, nobodyPending);
  const verifiers = Array.from({ length: 2 + Math.floor(rand() * 3) }, (_, i) => new Verifier(`v${i}`, scheduler, redis, random(seed * 31 + i), 1 + (rand() - 0.5) * 0.01));
  const tokens = ['t1', 't2', 't3'];
  const revokedAt = new Map<string, number>();
  const outcome: SimulationOutcome = { violations: [], hits: 0, revokes: 0, longestRevokeMs: 0, unanswered: 0 };
  const invalidations = new CacheInvalidations({
    transport: {
      publish: async (subjects) => {
        await scheduler.after(rand() * 3);
        const published = redis.publish(subjects);
        await scheduler.after(rand() * 3);
        return published;
      },
      pending: async (epoch, id) => {
        await scheduler.after(rand() * 3);
        const pending = redis.pending(epoch, id);
        await scheduler.after(rand() * 3);
        return pending;
      },
    } satisfies InvalidationTransport,
    sleep: (ms) => scheduler.after(ms),
    now: () => scheduler.now,
  });
  for (const verifier of verifiers) verifier.cache.start();

  // Verifications all along, on every verifier.
  for (let at = 0; at < RUN_MS; at += 1 + rand() * 20) {
    const verifier = verifiers[Math.floor(rand() * verifiers.length)]!;
    const token = tokens[Math.floor(rand() * tokens.length)]!;
    scheduler.at(at, () => {
      if (verifier.paused) return;
      const started = scheduler.now;
      void verifier.verify(token).then(
        ({ accepted, fromCache }) => {
          if (fromCache) outcome.hits++;
          const answeredAt = revokedAt.get(token);
          if (accepted && answeredAt !== undefined && started > answeredAt) {
            outcome.violations.push(`${verifier.name} accepted ${token} at ${started.toFixed(1)} (revoke answered at ${answeredAt.toFixed(1)}${fromCache ? ', from its cache' : ''})`);
          }
        },
        () => undefined,
      );
    });
  }
  // Each token revoked once: the read model first, then the invalidation and its wait.
  for (const token of tokens) {
    scheduler.at(3000 + rand() * (RUN_MS - 8000), () => {
      const requested = scheduler.now;
      outcome.revokes++;
      void (async () => {
        await scheduler.after(rand() * 3);
        redis.revoked.add(token);
        await invalidations.invalidate([`c:${token}`]);
        revokedAt.set(token, scheduler.now);
        outcome.longestRevokeMs = Math.max(outcome.longestRevokeMs, scheduler.now - requested);
      })();
    });
  }
  // Faults; Redis restarted at most once a run (each restart makes the next commands wait a lease).
  let restarted = false;
  for (let fault = 0; fault < 4; fault++) {
    const at = 1000 + rand() * (RUN_MS - 4000);
    const verifier = verifiers[Math.floor(rand() * verifiers.length)]!;
    const kind = rand();
    if (kind < 0.4 || (kind < 0.6 && restarted)) {
      const forMs = rand() * 2 * LEASE_MS;
      scheduler.at(at, () => verifier.pause());
      scheduler.at(at + forMs, () => verifier.resume());
    } else if (kind < 0.6) {
      // Redis restarted with nothing kept: the read model comes back rebuilt (revocations kept),
      // every connection is cut.
      restarted = true;
      scheduler.at(at, () => {
        const revoked = [...redis.revoked];
        redis.restart();
        for (const token of revoked) redis.revoked.add(token);
        for (const each of verifiers) each.disconnect(50 + rand() * 500);
      });
    } else {
      scheduler.at(at, () => verifier.disconnect(rand() * 1000));
    }
  }
  await scheduler.runUntil(RUN_MS);
  outcome.unanswered = outcome.revokes - revokedAt.size;
  for (const verifier of verifiers) verifier.resume();
  const stopping = verifiers.map((verifier) => verifier.cache.stop());
  await scheduler.runUntil(RUN_MS + 10 * LEASE_MS);
  await Promise.all(stopping);
  return outcome;
}

const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

describe('the verification cache lease protocol, simulated', () => {
  it('never accepts a token from a verification that started after its revocation answered, over many interleavings', async () => {
    let hits = 0;
    let longest = 0;
    for (const seed of SEEDS) {
      const outcome = await simulate(seed);
      expect({ seed, violations: outcome.violations, unanswered: outcome.unanswered }).toEqual({ seed, violations: [], unanswered: 0 });
      hits += outcome.hits;
      longest = Math.max(longest, outcome.longestRevokeMs);
    }
    // The caches were used (the property is not met by never caching), and a revocation waited
    // at most about a lease for a paused verifier, plus a young epoch after a restart.
    expect(hits).toBeGreaterThan(1000);
    expect(longest).toBeLessThan(2 * LEASE_MS + 500);
  }, 120_000);

  it('catches commands that answer without waiting for the leases (the test of the test)', async () => {
    const violations = [];
    for (const seed of SEEDS) violations.push(...(await simulate(seed, { nobodyPending: true })).violations);
    expect(violations.length).toBeGreaterThan(0);
  }, 120_000);
});
