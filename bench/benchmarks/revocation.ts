// Revocation: tokens revoked one after another while several processes verify them as
// fast as they can, over HTTP through the gateway and directly with the verifier library
// (the zero-window test's hammer, apps/gateway/e2e/support/verification-hammer.mjs, forked
// as is). Counts accepts of verifications started after a revoke answered (must be 0) and
// times each revoke, request to answer. Then the cost of the verification caches' lease
// protocol alone: four gateways (the system's and three more), each holding the token in its
// cache, and the token revoked with nothing else running; each gateway asked right after the
// answer; and the same with one of the four paused (SIGSTOP) through each revoke, which then
// waits out the paused one's lease, and asked once continued (SIGCONT).
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_LEASE_MS } from '@warden/token-verifier';
import { ApiClient, TEST_REDIS_URL } from '@warden/testing';
import type { BenchContext, Row } from '../support/context';
import { startGateway } from '../support/processes';
import { ms } from '../support/format';
import { LatencySamples } from '../support/stats';

const HAMMER = path.resolve(__dirname, '../../apps/gateway/e2e/support/verification-hammer.mjs');
const LOOPS_PER_CHANNEL = 4;
const BEFORE_FIRST_REVOKE_MS = 1000;
const BETWEEN_REVOKES_MS = 100;
const AFTER_LAST_REVOKE_MS = 500;

interface Counts {
  acceptedBefore: number;
  refusedBefore: number;
  acceptedAfter: number;
  refusedAfter: number;
  unexpected: number;
}
type HammerMessage = { type: 'started' } | { type: 'revoked-received' } | { type: 'report'; counts: Counts[] };

function nextMessage<T extends HammerMessage['type']>(worker: ChildProcess, type: T): Promise<Extract<HammerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: HammerMessage) => {
      if (message.type !== type) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message as Extract<HammerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`a verification hammer exited (${code}) before sending ${type}`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchRevocation(ctx: BenchContext & { admin: ApiClient; serviceAccountId: string }): Promise<Row[]> {
  const { options, system, log, admin } = ctx;
  const revokeMs = new LatencySamples();
  const total: Counts = { acceptedBefore: 0, refusedBefore: 0, acceptedAfter: 0, refusedAfter: 0, unexpected: 0 };
  for (let run = 1; run <= options.runs; run++) {
    const credentials: { id: string; key: string }[] = [];
    for (let n = 0; n < options.revocations; n++) {
      const issued = await admin.post<{ id: string; token: string }>('/tokens', { user_id: ctx.serviceAccountId, name: `revoked by the benchmark ${run}-${n}` });
      if (issued.status !== 201) throw new Error(`issuing a token to revoke failed: ${issued.status} ${JSON.stringify(issued.body)}`);
      credentials.push({ id: issued.body.id, key: issued.body.token });
    }
    const hammers = Array.from({ length: options.hammerProcesses }, () =>
      fork(HAMMER, [], { execArgv: [], env: { ...process.env, WARDEN_DIST: options.dist }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    try {
      await Promise.all(
        hammers.map((worker) => {
          const started = nextMessage(worker, 'started');
          worker.send({
            type: 'start',
            url: `${system.gatewayUrl}/auth/whoami`,
            redisUrl: TEST_REDIS_URL,
            keyPrefix: system.env.REDIS_KEY_PREFIX,
            credentials,
            concurrency: LOOPS_PER_CHANNEL,
          });
          return started;
        }),
      );
      await sleep(BEFORE_FIRST_REVOKE_MS);
      for (const [n, credential] of credentials.entries()) {
        const requested = performance.now();
        const status = (await admin.post(`/tokens/${credential.id}/revoke`)).status;
        revokeMs.add(performance.now() - requested);
        if (status !== 200) throw new Error(`revoke answered ${status}`);
        await Promise.all(
          hammers.map((worker) => {
            const received = nextMessage(worker, 'revoked-received');
            worker.send({ type: 'revoked', credential: credential.id });
            return received;
          }),
        );
        await sleep(n === credentials.length - 1 ? AFTER_LAST_REVOKE_MS : BETWEEN_REVOKES_MS);
      }
      const reports = await Promise.all(
        hammers.map((worker) => {
          const report = nextMessage(worker, 'report');
          worker.send({ type: 'stop' });
          return report;
        }),
      );
      const counts = reports.flatMap((report) => report.counts);
      for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts.reduce((sum, c) => sum + c[key], 0);
      log(
        `revocation run ${run}/${options.runs}: ${credentials.length} revokes; accepted after ${counts.reduce((s, c) => s + c.acceptedAfter, 0)}, ` +
          `refused after ${counts.reduce((s, c) => s + c.refusedAfter, 0)}, unexpected ${counts.reduce((s, c) => s + c.unexpected, 0)}`,
      );
    } finally {
      for (const worker of hammers) if (worker.exitCode === null) worker.kill();
    }
  }
  const verifications = Object.values(total).reduce((sum, n) => sum + n, 0);
  const met = total.acceptedAfter === 0 && total.refusedAfter > 0 && total.unexpected === 0;
  return [
    await revokeWithFourGateways(ctx),
    await revokeWithOnePaused(ctx),
    {
      benchmark: 'revocation',
      system:
        `${options.runs} x ${options.revocations} tokens revoked one after another (\`POST /tokens/:id/revoke\`) while ${options.hammerProcesses} processes ` +
        `verify them (${LOOPS_PER_CHANNEL} HTTP loops on \`/auth/whoami\` + ${LOOPS_PER_CHANNEL} library loops each)`,
      systemFigure:
        `**${total.acceptedAfter} accepts after the revoke answered** (${total.refusedAfter} refusals after, ${total.acceptedBefore} accepts before, ` +
        `${total.unexpected} unexpected, ${verifications} verifications); revoke request to answer p50 ${ms(revokeMs.percentile(50))} / p99 ${ms(revokeMs.percentile(99))} ms (n=${revokeMs.count})`,
      baseline: '-',
      baselineFigure: '-',
      ratio: '-',
      target: '0 accepts after the revoke answered; latency reported',
      verdict: met ? 'met' : 'missed',
    },
  ];
}


/**
 * Tokens revoked one at a time, each held in the caches of `gateways` gateways (the system's
 * and more of their own), nothing else running; each gateway asked right after the answer.
 */
async function revokeWhileCached(
  ctx: BenchContext & { admin: ApiClient; serviceAccountId: string },
  gatewayCount: number,
  { revokes = CACHED_REVOKES, pauseOne = false }: { revokes?: number; pauseOne?: boolean } = {},
): Promise<{ revokeMs: LatencySamples; acceptedAfter: number }> {
  const { options, system, admin } = ctx;
  const extra = await Promise.all(Array.from({ length: gatewayCount - 1 }, () => startGateway(system, options, { VERIFICATION_CACHE: 'on' })));
  const gateways = [system.gatewayUrl, ...extra.map((gateway) => gateway.url)];
  const revokeMs = new LatencySamples();
  let acceptedAfter = 0;
  try {
    const whoami = async (url: string, key: string) => (await fetch(`${url}/auth/whoami`, { headers: { authorization: `Bearer ${key}` } })).status;
    for (let n = 0; n < revokes; n++) {
      const issued = await admin.post<{ id: string; token: string }>('/tokens', { user_id: ctx.serviceAccountId, name: `revoked while cached ${gatewayCount}-${n}` });
      if (issued.status !== 201) throw new Error(`issuing a token to revoke failed: ${issued.status}`);
      // Each gateway verifies it twice: the second answer is its cache's.
      for (const url of gateways) for (const _ of [1, 2]) if ((await whoami(url, issued.body.token)) !== 200) throw new Error('a fresh token was refused');
      // Paused holding the token in its cache; continued once the revoke answered, then asked like the others.
      const paused = pauseOne ? extra[0] : undefined;
      if (paused) process.kill(paused.pid, 'SIGSTOP');
      let status: number;
      try {
        const requested = performance.now();
        status = (await admin.post(`/tokens/${issued.body.id}/revoke`)).status;
        revokeMs.add(performance.now() - requested);
      } finally {
        if (paused) process.kill(paused.pid, 'SIGCONT');
      }
      if (status !== 200) throw new Error(`revoke answered ${status}`);
      for (const url of gateways) if ((await whoami(url, issued.body.token)) === 200) acceptedAfter++;
      await sleep(20);
    }
  } finally {
    await Promise.all(extra.map((gateway) => gateway.stop()));
  }
  return { revokeMs, acceptedAfter };
}

const CACHED_REVOKES = 40;
// Each waits out a lease (2 s by default).
const PAUSED_REVOKES = 10;

/** The same revokes with four gateways holding the token, against one. */
async function revokeWithFourGateways(ctx: BenchContext & { admin: ApiClient; serviceAccountId: string }): Promise<Row> {
  const one = await revokeWhileCached(ctx, 1);
  const four = await revokeWhileCached(ctx, 4);
  const p50 = four.revokeMs.percentile(50);
  return {
    benchmark: 'revocation',
    system: `${CACHED_REVOKES} tokens revoked one at a time, each held in the verification caches of four gateways (and the tokens service's), nothing else running`,
    systemFigure: `revoke request to answer p50 ${ms(p50)} / p99 ${ms(four.revokeMs.percentile(99))} ms (n=${four.revokeMs.count}); ${four.acceptedAfter} accepts after the answer`,
    baseline: 'the same with one gateway',
    baselineFigure: `p50 ${ms(one.revokeMs.percentile(50))} / p99 ${ms(one.revokeMs.percentile(99))} ms; ${one.acceptedAfter} accepts after`,
    ratio: `${(p50 / one.revokeMs.percentile(50)).toFixed(2)}x p50`,
    target: 'p50 <= 20 ms; 0 accepts after the answer',
    verdict: p50 <= 20 && four.acceptedAfter === 0 && one.acceptedAfter === 0 ? 'met' : 'missed',
  };
}

/** Revokes with one of four gateways paused through each: the answer waits for its lease to run out, and no more. */
async function revokeWithOnePaused(ctx: BenchContext & { admin: ApiClient; serviceAccountId: string }): Promise<Row> {
  const leaseMs = Number(ctx.system.env['VERIFICATION_CACHE_LEASE_MS'] ?? DEFAULT_LEASE_MS);
  const paused = await revokeWhileCached(ctx, 4, { revokes: PAUSED_REVOKES, pauseOne: true });
  const p99 = paused.revokeMs.percentile(99);
  return {
    benchmark: 'revocation',
    system: `${PAUSED_REVOKES} tokens revoked one at a time, each held in the verification caches of four gateways, one of them paused (SIGSTOP) until the revoke answered, then asked once continued`,
    systemFigure: `revoke request to answer p50 ${ms(paused.revokeMs.percentile(50))} / p99 ${ms(p99)} ms (n=${paused.revokeMs.count}); ${paused.acceptedAfter} accepts after the answer, the continued gateway's included`,
    baseline: "the gateways' lease",
    baselineFigure: `${leaseMs} ms`,
    ratio: `${(p99 / leaseMs).toFixed(2)}x the lease (p99)`,
    target: 'p99 <= the lease + 50 ms; 0 accepts after the answer',
    verdict: p99 <= leaseMs + 50 && paused.acceptedAfter === 0 ? 'met' : 'missed',
  };
}
