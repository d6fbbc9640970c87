import type { Result } from 'ioredis';
import { TOKEN_LAST_USED_KEY } from '@warden/contracts';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';

// Last use of each API token, without an event per request: whoever verifies (the
// gateway, the tokens service's NATS verify, a service using this library) notes uses in
// memory, and every interval merges them into one Redis hash (keeping the later of its
// own and another verifier's), which the tokens service turns into events.

const MERGE_TOKEN_USES = loadRedisScript(__dirname, 'merge-token-uses-1.lua');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** Pairs of token id and epoch milliseconds. */
    wardenMergeTokenUses(lastUsedKey: string, ...tokenUses: string[]): Result<number, Context>;
  }
}

export class TokenUseRecorder {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    defineRedisScripts(redis, [MERGE_TOKEN_USES]);
  }

  record(tokenId: string, at: number): void {
    if ((this.pending.get(tokenId) ?? 0) < at) this.pending.set(tokenId, at);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = this.pending;
    this.pending = new Map();
    const args = [...uses].flatMap(([tokenId, at]) => [tokenId, String(at)]);
    try {
      await this.redis.wardenMergeTokenUses(this.keyPrefix + TOKEN_LAST_USED_KEY, ...args);
    } catch (error) {
      for (const [tokenId, at] of uses) this.record(tokenId, at); // try again next time
      throw error;
    }
  }
}
