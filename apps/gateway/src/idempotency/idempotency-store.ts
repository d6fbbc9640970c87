import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FinishedRecord, IDEMPOTENCY_TTL_SECONDS, IdempotencyRecord } from './idempotency-key';

// The records of idempotency keys in Redis, shared by every gateway instance. A first
// request takes its key with a short lock (SET NX PX, in a script that hands back the
// record a retry finds instead); its answer then replaces the lock for 24 hours, or the lock
// is released so a retry runs again. Both only act while the lock is still this request's,
// so a request that outlived its lock never overwrites the one that took the key after it.

const BEGIN_COMMAND = 'wardenIdempotencyBegin';
const FINISH_COMMAND = 'wardenIdempotencyFinish';

// KEYS[1] the record; ARGV[1] the in-progress record, ARGV[2] the lock's life in ms.
// Returns nil when the key was free and is now locked, otherwise the record found.
const BEGIN_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

// KEYS[1] the record; ARGV[1] the lock id, ARGV[2] the finished record ('' to release), ARGV[3] its life in s.
const FINISH_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' or record['state'] ~= 'in_progress' or record['lock'] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
`;

/** A key this request holds: finish it with its answer, or release it. */
export interface HeldKey {
  readonly recordKey: string;
  readonly lock: string;
}

export type BeginResult = { held: true; key: HeldKey } | { held: false; record: IdempotencyRecord };

type BeginCommand = (recordKey: string, inProgress: string, lockMs: string) => Promise<string | null>;
type FinishCommand = (recordKey: string, lock: string, finished: string, ttlSeconds: string) => Promise<number>;

export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly lockMs: number,
    private readonly ttlSeconds: number = IDEMPOTENCY_TTL_SECONDS,
  ) {
    if (!(BEGIN_COMMAND in redis)) {
      redis.defineCommand(BEGIN_COMMAND, { numberOfKeys: 1, lua: BEGIN_SCRIPT });
      redis.defineCommand(FINISH_COMMAND, { numberOfKeys: 1, lua: FINISH_SCRIPT });
    }
  }

  /** Takes the key for this request, or answers the record a retry finds. */
  async begin(recordKey: string, fingerprint: string): Promise<BeginResult> {
    const lock = randomUUID();
    const inProgress: IdempotencyRecord = { state: 'in_progress', fingerprint, lock };
    const found = await this.command<BeginCommand>(BEGIN_COMMAND)(recordKey, JSON.stringify(inProgress), String(this.lockMs));
    return found === null ? { held: true, key: { recordKey, lock } } : { held: false, record: JSON.parse(found) as IdempotencyRecord };
  }

  /** Keeps the first request's answer for the retries; false if the lock was lost meanwhile. */
  async finish(key: HeldKey, record: FinishedRecord): Promise<boolean> {
    const done = await this.command<FinishCommand>(FINISH_COMMAND)(key.recordKey, key.lock, JSON.stringify(record), String(this.ttlSeconds));
    return done === 1;
  }

  /** Frees the key without an answer, so a retry runs the request again. */
  async release(key: HeldKey): Promise<boolean> {
    const done = await this.command<FinishCommand>(FINISH_COMMAND)(key.recordKey, key.lock, '', '0');
    return done === 1;
  }

  private command<T>(name: string): T {
    const command = (this.redis as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    return ((...args: unknown[]) => command.apply(this.redis, args)) as unknown as T;
  }
}
