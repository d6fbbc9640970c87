// `npm run bench [-- <name>...] [-- --runs=3 --seconds=5 --connections=50 --cpu-prof]`
//
// Verification benchmarks of issue 4 / issue 6, each against its baseline measured in the
// same run, alternating system and baseline, after a warm-up; prints a table and rewrites
// the figures section of BENCHMARKS.md. Benchmarks print figures; nothing here is a test.
// Names: http, nats, in-process (all by default).
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { NatsConnection, connect, headers as natsHeaders } from 'nats';
import { Client } from 'pg';
import { ApiClient, RunningSystem, TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL, freePort, startSystem } from '@warden/testing';
import { LatencySamples, RunFigures, Summary, summarize } from './support/stats';

const ROOT = path.resolve(__dirname, '..');
const BENCHMARKS = ['http', 'nats', 'in-process'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = option('runs', 3);
const SECONDS = option('seconds', 5);
const WARMUP_SECONDS = option('warmup', 2);
const CONNECTIONS = option('connections', 50);
const CPU_PROF = args.includes('--cpu-prof');
const selected = args.filter((a) => !a.startsWith('--'));
for (const name of selected) if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`unknown benchmark ${name}; known: ${BENCHMARKS.join(', ')}`);
const wanted = (name: BenchmarkName) => selected.length === 0 || selected.includes(name);

interface Row {
  benchmark: string;
  system: string;
  baseline: string;
  target: number | null;
  systemSummary?: Summary;
  baselineSummary?: Summary;
  note?: string;
}

const children: ChildProcess[] = [];

/** Forks one of bench/targets/*.ts and waits for it to say it is ready. */
async function startTarget(file: string, config: Record<string, unknown>): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'targets', file), [JSON.stringify(config)], {
    execArgv: ['-r', path.join(__dirname, 'support/register-ts.cjs'), ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'tmp/profiles')}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
  });
  return child;
}

async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

// ---------------------------------------------------------------- HTTP (autocannon)

async function httpRun(url: string, key: string, expectedStatus: number, seconds: number): Promise<RunFigures> {
  const result = await autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: seconds, headers: { authorization: `Bearer ${key}` } });
  const expected = result.statusCodeStats[String(expectedStatus)]?.count ?? 0;
  const all = Object.values(result.statusCodeStats).reduce((sum, s) => sum + s.count, 0);
  return { perSecond: all / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, failures: all - expected + result.errors + result.timeouts };
}

/**
 * The gateway has no authenticated route that answers without a service behind it yet;
 * `GET /api/v1/auth/whoami` is proposed. Until it exists, `GET /api/v1/users/-` is used:
 * the global guard verifies the key (a 401 otherwise), then ParseUUIDPipe answers 400
 * before any NATS request, so the route costs verification plus a problem document.
 */
async function gatewayRoute(system: RunningSystem, key: string): Promise<{ url: string; status: number; label: string }> {
  const whoami = `${system.gatewayUrl}/auth/whoami`;
  const probe = await fetch(whoami, { headers: { authorization: `Bearer ${key}` } });
  if (probe.status === 200) return { url: whoami, status: 200, label: 'gateway GET /api/v1/auth/whoami' };
  const fallback = `${system.gatewayUrl}/users/-`;
  const [authenticated, anonymous] = await Promise.all([
    fetch(fallback, { headers: { authorization: `Bearer ${key}` } }),
    fetch(fallback),
  ]);
  if (authenticated.status !== 400 || anonymous.status !== 401) {
    throw new Error(`cannot find a cheap authenticated gateway route (users/-: ${authenticated.status} with a key, ${anonymous.status} without)`);
  }
  return { url: fallback, status: 400, label: 'gateway GET /api/v1/users/- (verify, then 400 from ParseUUIDPipe; no NATS)' };
}

async function benchHttp(system: RunningSystem, key: string, rows: Row[]): Promise<void> {
  const redisConfig = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX };
  const baselinePort = await freePort();
  const libraryPort = await freePort();
  const baseline = await startTarget('baseline-http.ts', { port: baselinePort, ...redisConfig });
  const library = await startTarget('library-guard-http.ts', { port: libraryPort, ...redisConfig });
  try {
    const route = await gatewayRoute(system, key);
    const targets = {
      gateway: { url: route.url, status: route.status },
      library: { url: `http://127.0.0.1:${libraryPort}/whoami`, status: 200 },
      baseline: { url: `http://127.0.0.1:${baselinePort}/verify`, status: 200 },
    };
    for (const [name, target] of Object.entries(targets)) {
      log(`http: warming up ${name}`);
      await httpRun(target.url, key, target.status, WARMUP_SECONDS);
    }
    const runs: Record<keyof typeof targets, RunFigures[]> = { gateway: [], library: [], baseline: [] };
    for (let run = 1; run <= RUNS; run++) {
      for (const name of ['gateway', 'baseline', 'library', 'baseline'] as const) {
        // the baseline runs between each system variant, so each is compared with its neighbours
        const figures = await httpRun(targets[name].url, key, targets[name].status, SECONDS);
        runs[name].push(figures);
        log(`http run ${run}/${RUNS} ${name}: ${figures.perSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, failures ${figures.failures}`);
      }
    }
    const baselineSummary = summarize(runs.baseline);
    const bare = 'bare Fastify: SHA-256 + one ioredis GET';
    rows.push({ benchmark: 'verify over HTTP', system: route.label, baseline: bare, target: 0.8, systemSummary: summarize(runs.gateway), baselineSummary });
    rows.push({
      benchmark: 'verify over HTTP',
      system: 'NestJS 11 + Fastify + WardenAuthGuard (library), GET /whoami',
      baseline: bare,
      target: 0.8,
      systemSummary: summarize(runs.library),
      baselineSummary,
    });
  } finally {
    await Promise.all([stopTarget(baseline), stopTarget(library)]);
  }
}

// ---------------------------------------------------------------- NATS (one driver for both)

/**
 * Keeps `inFlight` requests outstanding on one shared reply subscription, publishing each
 * request with a reply subject (DESIGN.md: nc.request() caps the requester at 11-14k/s; the
 * shared subscription does not). The same driver and message serve system and baseline.
 */
async function natsRun(nc: NatsConnection, subject: string, body: Uint8Array, seconds: number, inFlight = CONNECTIONS): Promise<RunFigures> {
  const inbox = `_INBOX.bench.${randomUUID().replace(/-/g, '')}`;
  const subscription = nc.subscribe(`${inbox}.*`);
  const headers = natsHeaders();
  headers.set('x-correlation-id', 'benchmark');
  const sentAt = new Float64Array(inFlight);
  const samples = new LatencySamples();
  const decoder = new TextDecoder();
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const send = (slot: number) => {
    sentAt[slot] = performance.now();
    nc.publish(subject, body, { reply: `${inbox}.${slot}`, headers });
  };
  for (let slot = 0; slot < inFlight; slot++) send(slot);
  let outstanding = inFlight;
  for await (const msg of subscription) {
    const slot = Number(msg.subject.slice(inbox.length + 1));
    const now = performance.now();
    samples.add(now - sentAt[slot]!);
    if (!decoder.decode(msg.data).includes('"active":true')) failures++;
    if (now < end) send(slot);
    else if (--outstanding === 0) break;
  }
  subscription.unsubscribe();
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: samples.count / elapsed, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99), failures };
}

async function benchNats(system: RunningSystem, key: string, rows: Row[]): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const prefix = system.env.NATS_SUBJECT_PREFIX;
  const systemSubject = `${prefix}.tokens.verify`;
  const baselineSubject = `${prefix}.bench.baseline-verify`;
  // Nest's NATS packet, as the platform's ServiceClient sends it: a pattern, an id, the envelope.
  const encode = (pattern: string) =>
    new TextEncoder().encode(
      JSON.stringify({ pattern, id: randomUUID(), data: { context: { correlationId: 'benchmark', actorType: 'service_internal' }, payload: { token: key } } }),
    );
  const baseline = await startTarget('baseline-nats.ts', { natsUrl: TEST_NATS_URL, subject: baselineSubject, redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX });
  try {
    const systemAvailable = await nc.request(systemSubject, encode('tokens.verify'), { timeout: 2000 }).then(
      () => true,
      () => false,
    );
    const bodies = { system: encode('tokens.verify'), baseline: encode('bench.baseline-verify') };
    const subjects = { system: systemSubject, baseline: baselineSubject };
    const variants = systemAvailable ? (['system', 'baseline'] as const) : (['baseline'] as const);
    for (const name of variants) await natsRun(nc, subjects[name], bodies[name], WARMUP_SECONDS);
    const runs: Record<'system' | 'baseline', RunFigures[]> = { system: [], baseline: [] };
    for (let run = 1; run <= RUNS; run++) {
      for (const name of variants) {
        const figures = await natsRun(nc, subjects[name], bodies[name], SECONDS);
        runs[name].push(figures);
        log(`nats run ${run}/${RUNS} ${name}: ${figures.perSecond.toFixed(0)} replies/s, p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms, failures ${figures.failures}`);
      }
    }
    rows.push({
      benchmark: 'verify over NATS',
      system: `tokens-service, subject <prefix>.tokens.verify (${CONNECTIONS} in flight)`,
      baseline: 'bare NATS responder: SHA-256 + one ioredis GET',
      target: 0.7,
      systemSummary: systemAvailable ? summarize(runs.system) : undefined,
      baselineSummary: summarize(runs.baseline),
      note: systemAvailable ? undefined : 'tokens.verify not answered by this build (API tokens not merged yet): baseline only',
    });
  } finally {
    await stopTarget(baseline);
    await nc.close();
  }
}

// ---------------------------------------------------------------- in-process

async function benchInProcess(system: RunningSystem, key: string, rows: Row[]): Promise<void> {
  const measureIn = (child: ChildProcess, run: Record<string, unknown>) =>
    new Promise<RunFigures>((resolve) => {
      child.once('message', (message: { figures: RunFigures }) => resolve(message.figures));
      child.send(run);
    });
  for (const inFlight of [1, CONNECTIONS]) {
    const processes = {
      system: fork(path.join(__dirname, 'targets/in-process.ts'), [], { execArgv: ['-r', path.join(__dirname, 'support/register-ts.cjs')] }),
      baseline: fork(path.join(__dirname, 'targets/in-process.ts'), [], { execArgv: ['-r', path.join(__dirname, 'support/register-ts.cjs')] }),
    };
    children.push(processes.system, processes.baseline);
    const common = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX, key, inFlight };
    try {
      for (const variant of ['system', 'baseline'] as const) await measureIn(processes[variant], { ...common, variant, durationMs: WARMUP_SECONDS * 1000 });
      const runs: Record<'system' | 'baseline', RunFigures[]> = { system: [], baseline: [] };
      for (let run = 1; run <= RUNS; run++) {
        for (const variant of ['system', 'baseline'] as const) {
          const figures = await measureIn(processes[variant], { ...common, variant, durationMs: SECONDS * 1000 });
          runs[variant].push(figures);
          log(`in-process (${inFlight} in flight) run ${run}/${RUNS} ${variant}: ${figures.perSecond.toFixed(0)}/s, p50 ${figures.p50Ms.toFixed(3)} ms, p99 ${figures.p99Ms.toFixed(3)} ms, failures ${figures.failures}`);
        }
      }
      rows.push({
        benchmark: 'verify in-process',
        system: `verifyCredential, ${inFlight} in flight`,
        baseline: `SHA-256 + one ioredis GET, ${inFlight} in flight`,
        target: 0.9,
        systemSummary: summarize(runs.system),
        baselineSummary: summarize(runs.baseline),
      });
    } finally {
      await Promise.all([stopTarget(processes.system), stopTarget(processes.baseline)]);
    }
  }
}

// ---------------------------------------------------------------- report

async function machine(): Promise<string> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  const postgres = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await pg.end();
  const redis = new Redis(TEST_REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  const nc = await connect({ servers: TEST_NATS_URL });
  const natsVersion = nc.info?.version;
  await nc.close();
  const cpus = os.cpus();
  return (
    `${cpus.length} cores (${cpus[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average before the run ${os.loadavg()[0]!.toFixed(2)}; ` +
    `Node ${process.version}, PostgreSQL ${postgres}, Redis ${redisVersion}, NATS ${natsVersion}`
  );
}

const rate = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
const ms = (n: number) => (n < 1 ? n.toFixed(3) : n.toFixed(2));

function table(rows: Row[]): string {
  const lines = [
    '| benchmark | the system | req/s median (min-max) | p50 / p99 ms | baseline | baseline req/s median (min-max) | p50 / p99 ms | ratio | target |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const s = row.systemSummary;
    const b = row.baselineSummary;
    const ratio = s && b ? s.median.perSecond / b.median.perSecond : undefined;
    const verdict = ratio === undefined || row.target === null ? '' : ratio >= row.target ? ' met' : ' **missed**';
    const failures = (s?.median.failures ?? 0) + (b?.median.failures ?? 0);
    lines.push(
      [
        '',
        row.benchmark,
        row.system + (row.note ? ` (${row.note})` : '') + (failures ? ` [${failures} failed requests]` : ''),
        s ? `${rate(s.median.perSecond)} (${rate(s.min)}-${rate(s.max)})` : 'n/a',
        s ? `${ms(s.median.p50Ms)} / ${ms(s.median.p99Ms)}` : 'n/a',
        row.baseline,
        b ? `${rate(b.median.perSecond)} (${rate(b.min)}-${rate(b.max)})` : 'n/a',
        b ? `${ms(b.median.p50Ms)} / ${ms(b.median.p99Ms)}` : 'n/a',
        ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}x`,
        row.target === null ? '-' : `>= ${row.target}x${verdict}`,
        '',
      ].join(' | ').trim(),
    );
  }
  return lines.join('\n');
}

const START = '<!-- figures:start (rewritten by npm run bench) -->';
const END = '<!-- figures:end -->';

async function rewriteBenchmarksMd(figures: string): Promise<void> {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const current = await readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${START}\n${END}\n`);
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`BENCHMARKS.md lacks the ${START} ... ${END} markers`);
  await writeFile(file, `${current.slice(0, start + START.length)}\n${figures}\n${current.slice(end)}`);
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function main(): Promise<void> {
  const about = await machine();
  log(about);
  log('starting the built services (dist/) in a database, subject prefix and Redis prefix of their own');
  const system = await startSystem({ LOG_LEVEL: 'warn', ...(CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(ROOT, 'tmp/profiles')}` } : {}) });
  const rows: Row[] = [];
  try {
    const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
    const key = admin.credential!.key;
    if (wanted('http')) await benchHttp(system, key, rows);
    if (wanted('nats')) await benchNats(system, key, rows);
    if (wanted('in-process')) await benchInProcess(system, key, rows);
  } finally {
    await system.stop();
    await Promise.all(children.map(stopTarget));
  }
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const figures = [
    `Run of ${new Date().toISOString()} with \`${command}\` (${RUNS} runs of ${SECONDS} s per variant after ${WARMUP_SECONDS} s of warm-up, ` +
      `system and baseline alternating; ${CONNECTIONS} connections / in flight; the credential is a login session key of the bootstrap admin).`,
    '',
    `Machine: ${about}.`,
    '',
    table(rows),
  ].join('\n');
  console.log(`\n${figures}\n`);
  await rewriteBenchmarksMd(figures);
  log('BENCHMARKS.md figures rewritten');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
