// `npm run bench [-- <name>...] [--size=quick|full] [--runs=3 --seconds=5 --warmup=2 --connections=50 --cpu-prof --no-report ...]`
//
// The benchmarks BENCHMARKS.md describes, each against its baseline measured in the same run, system
// and baseline alternating, after a warm-up; prints a table and rewrites the figures
// section of BENCHMARKS.md. Benchmarks print figures; nothing here is a test.
// Names: http, nats, in-process, issue, append, token-uses, oauth, revocation, replay, scale-out, redis-cluster, memory, console, sweep, token-listing, usage-policy, webhooks (all by default).
import path from 'node:path';
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';
import { benchAppend } from './benchmarks/append';
import { benchConsole } from './benchmarks/console';
import { benchHttp } from './benchmarks/http';
import { benchInProcess } from './benchmarks/in-process';
import { benchIssue } from './benchmarks/issue';
import { benchMemory, benchRedisMemory } from './benchmarks/memory';
import { benchNats } from './benchmarks/nats';
import { benchOAuth } from './benchmarks/oauth';
import { benchReplay } from './benchmarks/replay';
import { benchRevocation } from './benchmarks/revocation';
import { benchRedisCluster } from './benchmarks/redis-cluster';
import { benchScaleOut } from './benchmarks/scale-out';
import { benchSweep } from './benchmarks/sweep';
import { benchTokenListing } from './benchmarks/token-listing';
import { benchTokenUses } from './benchmarks/token-uses';
import { benchUsagePolicy } from './benchmarks/usage-policy';
import { benchWebhooks } from './benchmarks/webhooks';
import type { BenchContext, Row } from './support/context';
import { credentials } from './support/credentials';
import { BenchmarkName, parseOptions } from './support/options';
import { stopAllTargets } from './support/processes';
import { loadAverage, machine, rewriteFigures, table } from './support/report';

const ROOT = path.resolve(__dirname, '..');
const options = parseOptions(process.argv.slice(2), process.env, ROOT);

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const about = await machine();
  const loadBefore = loadAverage();
  log(`${about}; load average ${loadBefore}; benchmarks: ${options.selected.join(', ')}`);
  // The event store and Redis alone need no service running.
  const standalone = (name: BenchmarkName) => name === 'replay' || name === 'append' || name === 'token-listing' || name === 'webhooks' || (name === 'memory' && options.redisOnly);
  const needsSystem = options.selected.some((name) => !standalone(name));
  const rows: Row[] = [];
  let system: RunningSystem | undefined;
  const started = Date.now();
  try {
    let ctx: (BenchContext & { admin: ApiClient; adminKey: string; serviceAccountId: string }) | undefined;
    if (needsSystem) {
      log(`starting the built services (${path.relative(ROOT, options.dist)}/) in a database, subject prefix and Redis prefix of their own`);
      // The admin's login key is taken once, here, and a full run lasts longer than a login
      // key's default hour: past it every request of the admin would be refused, fast.
      system = await startSystem({ LOG_LEVEL: 'warn', SESSION_TTL_SECONDS: String(24 * 60 * 60) });
      const { admin, serviceAccountId, token } = await credentials(system);
      ctx = { options, system, token, log, admin, adminKey: admin.credential!.key, serviceAccountId };
    }
    const benchmarks: Record<BenchmarkName, () => Promise<Row[]>> = {
      http: () => benchHttp(ctx!),
      nats: () => benchNats(ctx!),
      'in-process': () => benchInProcess(ctx!),
      issue: () => benchIssue(ctx!),
      append: () => benchAppend({ options, log }),
      'token-uses': () => benchTokenUses(ctx!),
      oauth: () => benchOAuth(ctx!),
      revocation: () => benchRevocation(ctx!),
      replay: () => benchReplay({ options, system: system!, token: '', log }),
      'scale-out': () => benchScaleOut(ctx!),
      'redis-cluster': () => benchRedisCluster(ctx!),
      memory: () => (options.redisOnly ? benchRedisMemory({ options, log }) : benchMemory(ctx!)),
      console: () => benchConsole(ctx!),
      sweep: () => benchSweep(ctx!),
      'token-listing': () => benchTokenListing({ options, log }),
      'usage-policy': () => benchUsagePolicy(ctx!),
      webhooks: () => benchWebhooks({ options, log }),
    };
    for (const name of options.selected) {
      const began = Date.now();
      try {
        rows.push(...(await benchmarks[name]()));
      } catch (error) {
        // The rows measured before are printed rather than lost with the run; BENCHMARKS.md is left as it is.
        if (rows.length > 0) console.log(`\nThe rows measured before ${name} failed:\n\n${table(rows)}\n`);
        throw error;
      }
      log(`${name} done in ${Math.round((Date.now() - began) / 1000)} s`);
    }
  } finally {
    await stopAllTargets();
    await system?.stop();
  }
  const command = `npm run bench${options.argv.length ? ` -- ${options.argv.join(' ')}` : ''}`;
  const figures = [
    `Run of ${new Date().toISOString()} with \`${command}\`${process.env.WARDEN_DIST ? ` (WARDEN_DIST=${process.env.WARDEN_DIST})` : ''}: ` +
      `${options.size} size, ${options.runs} runs of ${options.seconds} s per variant after ${options.warmupSeconds} s of warm-up, system and baseline alternating; ` +
      `${options.connections} connections or requests in flight; ${Math.round((Date.now() - started) / 60_000)} min in all.`,
    '',
    `Machine: ${about}. Load average (1 min) ${loadBefore} before the run, ${loadAverage()} after it.`,
    '',
    table(rows),
  ].join('\n');
  console.log(`\n${figures}\n`);
  if (options.report) {
    await rewriteFigures(path.join(ROOT, 'BENCHMARKS.md'), figures);
    log('BENCHMARKS.md figures rewritten');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
