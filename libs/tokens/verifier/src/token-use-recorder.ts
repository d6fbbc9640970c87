import type { Redis } from 'ioredis';
import { TOKEN_LAST_USED_KEY } from '@warden/contracts';

// Last use of each API token, without an event per request: whoever verifies (the
// gateway, the tokens service's NATS verify, a service using this library) notes uses in
// memory, and every interval merges them into one Redis hash (keeping the later of its
// own and another verifier's), which the tokens service turns into events.

const MERGE_COMMAND = 'wardenMergeTokenUses';
// KEYS[1] the hash; ARGV pairs of token id and epoch milliseconds.
const MERGE_SCRIPT = `
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 0
`;

export class TokenUseRecorder {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    if (!(MERGE_COMMAND in redis)) redis.defineCommand(MERGE_COMMAND, { numberOfKeys: 1, lua: MERGE_SCRIPT });
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
      await (this.redis as unknown as Record<string, (key: string, ...args: string[]) => Promise<number>>)[MERGE_COMMAND]!.call(
        this.redis,
        this.keyPrefix + TOKEN_LAST_USED_KEY,
        ...args,
      );
    } catch (error) {
      for (const [tokenId, at] of uses) this.record(tokenId, at); // try again next time
      throw error;
    }
  }
}
