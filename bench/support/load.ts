// One autocannon run (the HTTP benchmarks' load generator), reduced to the figures of a run.
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { RunFigures } from './stats';

export interface LoadRun {
  url: string;
  connections: number;
  /** Either a duration or an amount of requests. */
  seconds?: number;
  amount?: number;
  method?: 'GET' | 'POST';
  /** `[<id>]` in it is replaced by a fresh id per request. */
  body?: string;
  headers: Record<string, string>;
  expectedStatus: number;
  /** Asked once per request for its path (each request a resource of its own); the url's path otherwise. */
  nextPath?: () => string;
}

export async function load(run: LoadRun): Promise<RunFigures> {
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    pipelining: 1,
    ...(run.amount ? { amount: run.amount } : { duration: run.seconds ?? 5 }),
    method: run.method ?? 'GET',
    headers: run.body ? { 'content-type': 'application/json', ...run.headers } : run.headers,
    ...(run.body && { body: run.body, idReplacement: true }),
    ...(run.nextPath && { requests: [{ setupRequest: (request) => ({ ...request, path: run.nextPath!() }) }] }),
  });
  const expected = result.statusCodeStats[String(run.expectedStatus)]?.count ?? 0;
  const all = Object.values(result.statusCodeStats).reduce((sum, s) => sum + s.count, 0);
  return { perSecond: all / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, failures: all - expected + result.errors + result.timeouts };
}

/** Two runs at once (one per target), as one: rates add up, latencies are the worse of the two. */
export async function loadTogether(runs: LoadRun[]): Promise<RunFigures> {
  const figures = await Promise.all(runs.map(load));
  return {
    perSecond: figures.reduce((sum, f) => sum + f.perSecond, 0),
    p50Ms: Math.max(...figures.map((f) => f.p50Ms)),
    p99Ms: Math.max(...figures.map((f) => f.p99Ms)),
    failures: figures.reduce((sum, f) => sum + f.failures, 0),
  };
}

/**
 * Each path once, `inFlight` requests at a time on as many keep-alive connections, with the
 * headers `headersOf` gives it: where every request must differ (a token each) and none may
 * be sent twice, which autocannon's `amount` split between connections does not promise.
 * Failures are answers other than `expectedStatus` and requests that got none.
 */
export async function requestEach<T>(
  url: string,
  items: readonly T[],
  inFlight: number,
  headersOf: (item: T) => Record<string, string>,
  expectedStatus: number,
): Promise<{ perSecond: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  let next = 0;
  let failures = 0;
  const once = (item: T) =>
    new Promise<number>((resolve) => {
      const request = httpRequest(url, { agent, headers: headersOf(item) }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      });
      request.on('error', () => resolve(0));
      request.end();
    });
  const loop = async () => {
    while (next < items.length) {
      if ((await once(items[next++]!)) !== expectedStatus) failures++;
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: inFlight }, loop));
  } finally {
    agent.destroy();
  }
  return { perSecond: items.length / ((performance.now() - started) / 1000), failures };
}
