// The HTTP benchmarks' baseline: a bare Fastify handler doing one SHA-256 and one Redis GET
// of the presented key's credential record, nothing else. Its Redis client is configured as
// the gateway's (auto-pipelining), so the ratio measures what Warden adds, not a setting.
// With `fromMap`, the same handler answers from an in-process Map instead (what a cache hit
// can cost at best): a record read from Redis at its first request, kept for every later one.
import { hash } from 'node:crypto';
import Fastify from 'fastify';
import { credentialGenerationPrefix, credentialKey } from '@warden/contracts';
import Redis from 'ioredis';
import { targetConfig } from './target-config';

const { port, redisUrl, keyPrefix, fromMap } = targetConfig();
const redis = new Redis(redisUrl, { enableAutoPipelining: true });
const app = Fastify();
const records = new Map<string, string>();

const read = async (hashed: string): Promise<string | null> => {
  if (!fromMap) return redis.get(keyPrefix + credentialGenerationPrefix('') + credentialKey(hashed));
  const kept = records.get(hashed);
  if (kept !== undefined) return kept;
  const record = await redis.get(keyPrefix + credentialGenerationPrefix('') + credentialKey(hashed));
  if (record !== null) records.set(hashed, record);
  return record;
};

app.get('/verify', async (request, reply) => {
  const key = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  const record = key === undefined ? null : await read(hash('sha256', key, 'hex'));
  if (record === null) return reply.code(401).send({ active: false });
  return { active: true };
});

void app.listen({ port, host: '127.0.0.1' }).then(() => process.send?.({ ready: true }));

// Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
