// A process of its own verifying one token many times at once, for the usage policy's
// concurrency test: it prints how many verifications were accepted and why the others were
// refused, as one line of JSON. Started by usage-policy.int-spec.ts.
import { createWardenVerifier } from '../src/warden-verifier';

async function main(): Promise<void> {
  const { KEY_PREFIX, TOKEN, COUNT, CLIENT_ADDRESS, NOW, REDIS_URL, REDIS_CLUSTER_NODES } = process.env;
  const verify = createWardenVerifier({
    keyPrefix: KEY_PREFIX!,
    redisUrl: REDIS_URL!,
    ...(REDIS_CLUSTER_NODES && { redisClusterNodes: REDIS_CLUSTER_NODES.split(',') }),
    clock: () => new Date(Number(NOW)),
    lastUseFlushMs: 60_000,
  });
  const results = await Promise.all(Array.from({ length: Number(COUNT) }, () => verify(TOKEN!, { clientAddress: CLIENT_ADDRESS ?? null })));
  const counts: Record<string, number> = {};
  for (const result of results) {
    const outcome = result.ok ? 'ok' : result.reason;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  await verify.close();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}

void main();
