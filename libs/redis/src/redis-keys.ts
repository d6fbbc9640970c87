import type { Redis } from 'ioredis';
import { RedisClient, isRedisCluster } from './redis-client';

// Walking and deleting keys by pattern on one Redis or a whole cluster: SCAN answers for the
// node it is sent to, so on a cluster every master is scanned; a multi-key command must stay
// within one slot there, so keys found across slots are deleted one command each (still one
// write per node with auto-pipelining).

const DELETE_BATCH = 500;

/** `text` escaped for SCAN's glob: it matches itself only. */
export function globEscaped(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The glob of every key that starts with `prefix`. */
export function keysStartingWith(prefix: string): string {
  return `${globEscaped(prefix)}*`;
}

/** Every key matching the glob `pattern`, on every master of a cluster; sorted, each once. */
export async function scanKeys(client: RedisClient, pattern: string, count = 1000): Promise<string[]> {
  const nodes: Redis[] = isRedisCluster(client) ? client.nodes('master') : [client];
  const keys = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      for (const key of batch) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...keys].sort();
}

/**
 * Deletes keys (UNLINK: freed in the background). `sameSlot`: the caller knows they share a
 * hash tag, so a cluster takes them in multi-key commands as one Redis does.
 */
export async function unlinkKeys(client: RedisClient, keys: readonly string[], options: { sameSlot?: boolean } = {}): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    if (!isRedisCluster(client) || options.sameSlot) await client.unlink(...batch);
    else await Promise.all(batch.map((key) => client.unlink(key)));
  }
}
