import { randomUUID } from 'node:crypto';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import type { Result } from 'ioredis';
import { FinishedRecord, IDEMPOTENCY_TTL_SECONDS, IdempotencyRecord } from './idempotency-key';

// The records of idempotency keys in Redis, shared by every gateway instance. A first
// request takes its key with a short lock (SET NX PX, in a script that hands back the
// record a retry finds instead); its answer then replaces the lock for 24 hours, or the lock
// is released so a retry runs again. Both only act while the lock is still this request's,
// so a request that outlived its lock never overwrites the one that took the key after it.

const IDEMPOTENCY_BEGIN = loadRedisScript(__dirname, 'idempotency-begin-1.lua');
const IDEMPOTENCY_FINISH = loadRedisScript(__dirname, 'idempotency-finish-1.lua');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** null when the key was free and is now this request's, otherwise the record found. */
    wardenIdempotencyBegin(recordKey: string, inProgress: string, lockMs: string): Result<string | null, Context>;
    /** 1 when done, 0 when the lock was lost; `finished` '' releases the key. */
    wardenIdempotencyFinish(recordKey: string, lock: string, finished: string, ttlSeconds: string): Result<number, Context>;
  }
}

/** A key this request holds: finish it with its answer, or release it. */
export interface HeldKey {
  readonly recordKey: string;
  readonly lock: string;
}

export type BeginResult = { held: true; key: HeldKey } | { held: false; record: IdempotencyRecord };

export class IdempotencyStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly lockMs: number,
    private readonly ttlSeconds: number = IDEMPOTENCY_TTL_SECONDS,
  ) {
    defineRedisScripts(redis, [IDEMPOTENCY_BEGIN, IDEMPOTENCY_FINISH]);
  }

  /** Takes the key for this request, or answers the record a retry finds. */
  async begin(recordKey: string, fingerprint: string): Promise<BeginResult> {
    const lock = randomUUID();
    const inProgress: IdempotencyRecord = { state: 'in_progress', fingerprint, lock };
    const found = await this.redis.wardenIdempotencyBegin(recordKey, JSON.stringify(inProgress), String(this.lockMs));
    return found === null ? { held: true, key: { recordKey, lock } } : { held: false, record: JSON.parse(found) as IdempotencyRecord };
  }

  /** Keeps the first request's answer for the retries; false if the lock was lost meanwhile. */
  async finish(key: HeldKey, record: FinishedRecord): Promise<boolean> {
    const done = await this.redis.wardenIdempotencyFinish(key.recordKey, key.lock, JSON.stringify(record), String(this.ttlSeconds));
    return done === 1;
  }

  /** Frees the key without an answer, so a retry runs the request again. */
  async release(key: HeldKey): Promise<boolean> {
    const done = await this.redis.wardenIdempotencyFinish(key.recordKey, key.lock, '', '0');
    return done === 1;
  }
}
