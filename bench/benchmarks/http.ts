// Verify over HTTP: the gateway authenticating `GET /api/v1/auth/whoami` (answered from the
// verification alone, no service behind it) with an API token, against a bare Fastify
// handler doing one SHA-256 and one Redis GET; and, as a second system row, a NestJS app
// using the published verifier library's guard. autocannon, keep-alive, 50 connections.
import { TEST_REDIS_URL, freePort } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { load } from '../support/load';
import { startGateway, startTarget, stopTarget } from '../support/processes';

export const BARE_FASTIFY = 'bare Fastify: SHA-256 + one ioredis GET (auto-pipelining)';

export async function benchHttp(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const redisConfig = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX };
  const [baselinePort, libraryPort] = [await freePort(), await freePort()];
  const baseline = await startTarget(options, 'baseline-http.ts', { port: baselinePort, ...redisConfig });
  const library = await startTarget(options, 'library-guard-http.ts', { port: libraryPort, ...redisConfig });
  // Node refuses --cpu-prof in NODE_OPTIONS, so startSystem's processes cannot be profiled:
  // with --cpu-prof the gateway measured is one more instance, started with the flag.
  const profiled = options.cpuProf ? await startGateway(system, options) : undefined;
  const gatewayUrl = profiled?.url ?? system.gatewayUrl;
  const headers = { authorization: `Bearer ${token}` };
  const run = (url: string) => (seconds: number) => load({ url, connections: options.connections, seconds, headers, expectedStatus: 200 });
  try {
    const summaries = await alternate(
      options,
      'http',
      {
        gateway: run(`${gatewayUrl}/auth/whoami`),
        baseline: run(`http://127.0.0.1:${baselinePort}/verify`),
        library: run(`http://127.0.0.1:${libraryPort}/whoami`),
      },
      log,
    );
    return [
      rateRow('verify over HTTP', 'gateway `GET /api/v1/auth/whoami`, API token, 50 keep-alive connections', BARE_FASTIFY, summaries.gateway, summaries.baseline, 0.8, 2),
      rateRow('verify over HTTP', 'NestJS 11 + Fastify + `WardenAuthGuard` (the library), `GET /whoami`', BARE_FASTIFY, summaries.library, summaries.baseline, 0.8, 2),
    ];
  } finally {
    await Promise.all([stopTarget(baseline), stopTarget(library), profiled?.stop()]);
  }
}
