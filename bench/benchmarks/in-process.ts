// Verify in-process: the verifier library's `verifyCredential`, without and with its
// lease-fenced cache, against one SHA-256 and one Redis GET, each in a process of its own, at
// 1 and at 50 verifications in flight.
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

export async function benchInProcess(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const rows: Row[] = [];
  for (const inFlight of [1, options.connections]) {
    const processes = { system: forkTarget(options, 'in-process.ts'), cached: forkTarget(options, 'in-process.ts'), baseline: forkTarget(options, 'in-process.ts') };
    const common = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX, key: token, inFlight };
    try {
      const run = (variant: 'system' | 'cached' | 'baseline') => (seconds: number) => measureIn(processes[variant], { ...common, variant, durationMs: seconds * 1000 });
      const summaries = await alternate(
        options,
        `in-process (${inFlight} in flight)`,
        { system: run('system'), cached: run('cached'), baseline: run('baseline') },
        log,
      );
      const baseline = `SHA-256 + one ioredis GET, ${inFlight} in flight`;
      rows.push(
        rateRow('verify in-process', `\`verifyCredential\`, cache off, ${inFlight} in flight`, baseline, summaries.system, summaries.baseline, 0.9),
        rateRow('verify in-process', `\`verifyCredential\` with its lease-fenced cache, ${inFlight} in flight`, baseline, summaries.cached, summaries.baseline, 2),
      );
    } finally {
      await Promise.all([stopTarget(processes.system), stopTarget(processes.cached), stopTarget(processes.baseline)]);
    }
  }
  return rows;
}
