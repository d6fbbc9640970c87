// Verify over HTTP: the gateway authenticating `GET /api/v1/auth/whoami` (answered from the
// verification alone, no service behind it) with an API token, its verification cache on (the
// default) and, on a second gateway of the same system, off; against a bare Fastify handler
// doing one SHA-256 and one Redis GET, and the same handler answering from an in-process Map
// (what a cache hit can cost at best); and the published verifier library with its cache, as
// a NestJS app's guard and as a Fastify app's hook. autocannon, keep-alive, 50 connections.
import { TEST_REDIS_URL, freePort } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { load } from '../support/load';
import { startGateway, startTarget, stopTarget } from '../support/processes';

export const BARE_FASTIFY = 'bare Fastify: SHA-256 + one ioredis GET (auto-pipelining)';
const BARE_FASTIFY_MAP = 'bare Fastify: SHA-256 + one in-process Map lookup';

export async function benchHttp(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const redisConfig = { redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX };
  const [baselinePort, mapPort, libraryPort, hookPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const baseline = await startTarget(options, 'baseline-http.ts', { port: baselinePort, ...redisConfig });
  const fromMap = await startTarget(options, 'baseline-http.ts', { port: mapPort, ...redisConfig, fromMap: true });
  const library = await startTarget(options, 'library-guard-http.ts', { port: libraryPort, ...redisConfig, cache: true });
  const hook = await startTarget(options, 'library-hook-http.ts', { port: hookPort, ...redisConfig, cache: true });
  // Node refuses --cpu-prof in NODE_OPTIONS, so startSystem's processes cannot be profiled:
  // the gateways measured are instances of their own, started with the flag when it is given.
  // Both gateways measured are instances of their own, started alike (startSystem's gateway
  // also writes its log lines to a pipe the run reads): only the cache setting differs.
  const cached = await startGateway(system, options, { VERIFICATION_CACHE: 'on' });
  const uncached = await startGateway(system, options, { VERIFICATION_CACHE: 'off' });
  const gatewayUrl = cached.url;
  const headers = { authorization: `Bearer ${token}` };
  const run = (url: string) => (seconds: number) => load({ url, connections: options.connections, seconds, headers, expectedStatus: 200 });
  try {
    const summaries = await alternate(
      options,
      'http',
      {
        gateway: run(`${gatewayUrl}/auth/whoami`),
        uncached: run(`${uncached.url}/auth/whoami`),
        baseline: run(`http://127.0.0.1:${baselinePort}/verify`),
        map: run(`http://127.0.0.1:${mapPort}/verify`),
        library: run(`http://127.0.0.1:${libraryPort}/whoami`),
        hook: run(`http://127.0.0.1:${hookPort}/whoami`),
      },
      log,
    );
    const gateway = 'gateway `GET /api/v1/auth/whoami`, API token, 50 keep-alive connections';
    return [
      rateRow('verify over HTTP', `${gateway}, verification cache on`, BARE_FASTIFY, summaries.gateway, summaries.baseline, 1.0, 1.5),
      rateRow('verify over HTTP', `${gateway}, verification cache on`, BARE_FASTIFY_MAP, summaries.gateway, summaries.map, 0.8),
      rateRow('verify over HTTP', `${gateway}, verification cache off`, BARE_FASTIFY, summaries.uncached, summaries.baseline, 0.6),
      rateRow('verify over HTTP', 'NestJS 11 + Fastify + `WardenAuthGuard` (the library, `cache: true`), `GET /whoami`', BARE_FASTIFY, summaries.library, summaries.baseline, 1.2),
      rateRow('verify over HTTP', 'Fastify + `wardenFastifyHook` (the library\'s `/fastify` entry, `cache: true`), `GET /whoami`', BARE_FASTIFY, summaries.hook, summaries.baseline, 1.2),
    ];
  } finally {
    await Promise.all([stopTarget(baseline), stopTarget(fromMap), stopTarget(library), stopTarget(hook), cached.stop(), uncached.stop()]);
  }
}
