import { INVALIDATION_LOG_RETENTION_MS, verificationCacheKeys } from '@warden/contracts';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import { Cluster, type Result } from 'ioredis';
import { DEFAULT_LEASE_MS, Invalidation, InvalidationTransport, LeaseTransport, RenewReply, RenewRequest } from './lease-protocol';

// The lease protocol over the deployment's Redis: three keys under the verification tag (on
// a cluster, in the slot of the read models the verifiers read, so a lease and the records it
// fences live and fail over together), changed only by the scripts beside this file.
//   <prefix>{verification}:cache:epoch           hash {id, startedAt, maxLeaseMs}
//   <prefix>{verification}:cache:holders         hash: holder -> `<applied>|<lease end ms>`
//   <prefix>{verification}:cache:invalidations   stream of {s: subjects}, trimmed by age
// A verifier reads the stream on a connection of its own (a blocking XREAD), and takes the
// loss of that connection as the loss of its lease: a Redis restarted empty closes it first.

const RENEW = loadRedisScript(__dirname, 'renew-verification-lease-3.lua');
const PUBLISH = loadRedisScript(__dirname, 'publish-invalidation-3.lua');
const AWAIT = loadRedisScript(__dirname, 'await-invalidation-3.lua');

/** Holders whose lease ended this long ago are forgotten. */
const FORGET_HOLDERS_AFTER_MS = 60_000;
const READ_BATCH = 1000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    wardenRenewVerificationLease(
      epochKey: string,
      holdersKey: string,
      logKey: string,
      holder: string,
      epoch: string,
      applied: string,
      leaseMs: number,
      adopt: string,
      maxLeaseMs: number,
    ): Result<[string, string, string?, number?], Context>;
    wardenPublishInvalidation(epochKey: string, holdersKey: string, logKey: string, subjects: string, maxLeaseMs: number, retentionMs: number): Result<[string, string], Context>;
    wardenAwaitInvalidation(epochKey: string, holdersKey: string, logKey: string, epoch: string, id: string, maxLeaseMs: number, forgetMs: number): Result<[number, number], Context>;
  }
}

export interface RedisLeaseTransportOptions {
  /** The longest lease an epoch grants, and how long a new epoch makes commands wait (the deployment's lease; DEFAULT_LEASE_MS). */
  maxLeaseMs?: number;
  /** The name of the connection reading the log, in CLIENT LIST (default `warden-verification-cache`). */
  readerName?: string;
}

export class RedisLeaseTransport implements LeaseTransport, InvalidationTransport {
  private readonly keys: [string, string, string];
  private readonly maxLeaseMs: number;
  private reader: RedisClient | undefined;
  private connectionLost: () => void = () => undefined;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly options: RedisLeaseTransportOptions = {},
  ) {
    const keys = verificationCacheKeys(keyPrefix);
    this.keys = [keys.epoch, keys.holders, keys.invalidations];
    this.maxLeaseMs = options.maxLeaseMs ?? DEFAULT_LEASE_MS;
    defineRedisScripts(redis, [RENEW, PUBLISH, AWAIT]);
  }

  async renew({ holder, epoch, applied, leaseMs, adopt }: RenewRequest): Promise<RenewReply> {
    const [kind, replyEpoch, replyApplied, granted] = await this.redis.wardenRenewVerificationLease(
      ...this.keys,
      holder,
      epoch,
      applied,
      leaseMs,
      adopt ? 'adopt' : '',
      this.maxLeaseMs,
    );
    if (kind === 'granted') return { kind, epoch: replyEpoch, applied: replyApplied!, leaseMs: Number(granted) };
    if (kind === 'behind' || kind === 'new_epoch') return { kind, epoch: replyEpoch };
    throw new Error(`unexpected answer to a lease renewal: ${String(kind)}`);
  }

  async read(after: string, waitMs: number): Promise<Invalidation[]> {
    const reply = (await this.readerConnection().xread('COUNT', READ_BATCH, 'BLOCK', waitMs, 'STREAMS', this.keys[2], after)) as
      | [string, [string, string[]][]][]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => ({ id, subjects: (fields[fields.indexOf('s') + 1] ?? '*').split(' ').filter(Boolean) }));
  }

  async publish(subjects: readonly string[]): Promise<{ epoch: string; id: string }> {
    const [epoch, id] = await this.redis.wardenPublishInvalidation(...this.keys, subjects.join(' '), this.maxLeaseMs, INVALIDATION_LOG_RETENTION_MS);
    return { epoch, id };
  }

  async pending(epoch: string, id: string): Promise<{ holders: number; youngForMs: number }> {
    const [holders, youngForMs] = await this.redis.wardenAwaitInvalidation(...this.keys, epoch, id, this.maxLeaseMs, FORGET_HOLDERS_AFTER_MS);
    return { holders, youngForMs };
  }

  async release(holder: string): Promise<void> {
    await this.redis.hdel(this.keys[1], holder);
  }

  /** Told when the connection reading the log is lost: a holder drops its lease (a Redis restarted empty closes it first). */
  whenConnectionLost(listener: () => void): void {
    this.connectionLost = listener;
  }

  /** Closes the connection reading the log (the client given is the caller's). */
  close(): void {
    const reader = this.reader;
    this.reader = undefined;
    reader?.disconnect();
  }

  private readerConnection(): RedisClient {
    if (this.reader) return this.reader;
    // A blocking read holds its connection: never the shared, auto-pipelined one.
    const connectionName = this.options.readerName ?? 'warden-verification-cache';
    const reader: RedisClient =
      this.redis instanceof Cluster
        ? this.redis.duplicate(undefined, { redisOptions: { ...this.redis.options.redisOptions, connectionName } })
        : this.redis.duplicate({ connectionName });
    reader.on('error', () => undefined);
    reader.on('close', () => this.connectionLost());
    this.reader = reader;
    return reader;
  }
}
