// One autocannon run (the HTTP benchmarks' load generator), reduced to the figures of a run.
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
