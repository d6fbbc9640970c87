import { InvalidationTransport } from './lease-protocol';

// The command's side of the lease protocol (lease-protocol.ts): after a command that reduced
// a credential's power has changed the read model, it publishes what the caches must drop and
// answers only once every verifier holding a lease has dropped it or its lease has ended.

/** Subjects an invalidation names: a credential, a user (its principal record), an organization (its policy), or everything. */
export const invalidationSubject = {
  credential: (credentialId: string) => `c:${credentialId}`,
  user: (userId: string) => `u:${userId}`,
  organization: (organizationId: string) => `o:${organizationId}`,
  everything: '*',
} as const;

/** Waits between two asks of who has still to apply the invalidation (ms): holders answer within a round trip or two. */
const POLL_MS = [1, 1, 2, 2, 3, 5, 5, 10];
/** Far past any lease: no holder can keep its lease without applying, so this is a broken Redis, not a slow verifier. */
const GIVE_UP_MS = 30_000;

export class CacheInvalidationTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(`the verification caches did not apply an invalidation within ${waitedMs} ms`);
  }
}

export interface CacheInvalidationsOptions {
  transport: InvalidationTransport;
  /** How the wait sleeps and measures (a simulation gives its own). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class CacheInvalidations {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: CacheInvalidationsOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Publishes the invalidation and resolves once no cache can serve what it names. `written`:
   * an entry of the log, in its epoch, that names all of `subjects` already and was written
   * after what they changed (the very script that applied the change wrote it): it is waited
   * for instead of publishing one more, which would make every holder apply two.
   */
  async invalidate(subjects: readonly string[], written?: { epoch: string; id: string }): Promise<void> {
    if (subjects.length === 0) return;
    const { transport } = this.options;
    const started = this.now();
    const { epoch, id } = written ?? (await transport.publish(subjects));
    for (let ask = 0; ; ask++) {
      const { holders, youngForMs } = await transport.pending(epoch, id);
      if (holders === 0 && youngForMs === 0) return;
      const waited = this.now() - started;
      if (waited > GIVE_UP_MS) throw new CacheInvalidationTimeoutError(Math.round(waited));
      await this.sleep(holders > 0 ? POLL_MS[Math.min(ask, POLL_MS.length - 1)]! : youngForMs);
    }
  }
}
