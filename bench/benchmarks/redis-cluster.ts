// Verify over HTTP on a Redis Cluster: the services started a second time, on a Redis Cluster
// of six redis-server processes the benchmark starts (three masters, a replica each), against
// the run's system on the single Redis; `GET /auth/whoami` with an API token of each system,
// 50 keep-alive connections, the two alternating. Every key a verification reads shares one
// hash tag, so each verification is still one round trip, to one master.
import { RunningSystem, startRedisCluster, startSystem } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { credentials } from '../support/credentials';
import { rateFigure, ratioOf, times } from '../support/format';
import { load } from '../support/load';

export async function benchRedisCluster(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  log('redis-cluster: starting a Redis Cluster of six nodes, and the services again on it');
  const cluster = await startRedisCluster();
  let onCluster: RunningSystem | undefined;
  try {
    const first = cluster.nodes[0]!;
    onCluster = await startSystem({ LOG_LEVEL: 'warn', REDIS_URL: `redis://${first.host}:${first.port}`, REDIS_CLUSTER_NODES: cluster.nodeList });
    const clusterToken = (await credentials(onCluster)).token;
    const verify = (url: string, bearer: string) => (seconds: number) =>
      load({ url: `${url}/auth/whoami`, connections: options.connections, seconds, headers: { authorization: `Bearer ${bearer}` }, expectedStatus: 200 });
    const summaries = await alternate(
      options,
      'redis-cluster',
      { cluster: verify(onCluster.gatewayUrl, clusterToken), single: verify(system.gatewayUrl, token) },
      log,
    );
    return [
      {
        benchmark: 'verify over HTTP, Redis Cluster',
        system: `gateway on a Redis Cluster (3 masters + 3 replicas, REDIS_CLUSTER_NODES), \`GET /auth/whoami\`, ${options.connections} connections`,
        systemFigure: rateFigure(summaries.cluster),
        baseline: 'the same gateway build on the single Redis',
        baselineFigure: rateFigure(summaries.single),
        ratio: times(ratioOf(summaries.cluster.median.perSecond, summaries.single.median.perSecond)),
        target: 'reported (2 cores shared with six redis-server processes: below 1x expected)',
        verdict: 'reported',
      },
    ];
  } finally {
    await onCluster?.stop();
    await cluster.stop();
  }
}
