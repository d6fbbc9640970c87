// Verify of a token carrying a usage policy (an IP allowlist of 20 CIDR blocks, the client in
// the last, a rate limit and credits, all applied by the verification script) against a
// plain token of the same account, both with `verifyCredential` in a process of its own, in
// the same run, at 1 and at 50 verifications in flight. The limits are far above what a run
// uses, so every verification is accepted and counted.
import type { ChildProcess } from 'node:child_process';
import { TEST_REDIS_URL } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { forkTarget, stopTarget } from '../support/processes';
import type { RunFigures } from '../support/stats';

const measureIn = (child: ChildProcess, run: Record<string, unknown>) =>
  new Promise<RunFigures>((resolve) => {
    child.once('message', (message: { figures: RunFigures }) => resolve(message.figures));
    child.send(run);
  });

const CLIENT_ADDRESS = '198.51.100.77';
const ALLOWED_IPS = [...Array.from({ length: 10 }, (_, i) => `10.${i}.0.0/16`), ...Array.from({ length: 9 }, (_, i) => `2001:db8:${i}::/48`), '198.51.100.0/24'];

export async function benchUsagePolicy(ctx: BenchContext & { admin: { post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> }; serviceAccountId: string }): Promise<Row[]> {
  const { options, system, token, log, admin, serviceAccountId } = ctx;
  const issued = await admin.post<{ token: string }>('/tokens', {
    user_id: serviceAccountId,
    name: 'usage-policy bench',
    allowed_ips: ALLOWED_IPS,
    rate_limit: { limit: 1_000_000, window_seconds: 1 },
    credits: { remaining: 1_000_000_000 },
  });
  if (issued.status !== 201) throw new Error(`issuing the policy token answered ${issued.status}`);
  const rows: Row[] = [];
  for (const inFlight of [1, options.connections]) {
    const processes = { system: forkTarget(options, 'in-process.ts'), baseline: forkTarget(options, 'in-process.ts') };
    const common = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX, inFlight, variant: 'system', clientAddress: CLIENT_ADDRESS };
    try {
      const runs = {
        system: (seconds: number) => measureIn(processes.system, { ...common, key: issued.body.token, durationMs: seconds * 1000 }),
        baseline: (seconds: number) => measureIn(processes.baseline, { ...common, key: token, durationMs: seconds * 1000 }),
      };
      const summaries = await alternate(options, `usage policy (${inFlight} in flight)`, runs, log);
      rows.push(
        rateRow(
          'verify with a usage policy',
          `\`verifyCredential\` of a token with 20 CIDR blocks, a rate limit and credits, ${inFlight} in flight`,
          `\`verifyCredential\` of a plain token, ${inFlight} in flight`,
          summaries.system,
          summaries.baseline,
          0.9,
        ),
      );
    } finally {
      await Promise.all([stopTarget(processes.system), stopTarget(processes.baseline)]);
    }
  }
  return rows;
}
