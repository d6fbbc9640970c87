// Scale-out: verify over HTTP with two gateway instances (the system's and one more,
// same environment) against one, autocannon splitting the same 50 connections over them.
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateFigure, ratioOf, times } from '../support/format';
import { load, loadTogether } from '../support/load';
import { startGateway } from '../support/processes';

export async function benchScaleOut(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const second = await startGateway(system, options);
  const headers = { authorization: `Bearer ${token}` };
  const half = Math.max(1, Math.floor(options.connections / 2));
  try {
    const summaries = await alternate(
      options,
      'scale-out',
      {
        two: (seconds) =>
          loadTogether([
            { url: `${system.gatewayUrl}/auth/whoami`, connections: half, seconds, headers, expectedStatus: 200 },
            { url: `${second.url}/auth/whoami`, connections: options.connections - half, seconds, headers, expectedStatus: 200 },
          ]),
        one: (seconds) => load({ url: `${system.gatewayUrl}/auth/whoami`, connections: options.connections, seconds, headers, expectedStatus: 200 }),
      },
      log,
    );
    return [
      {
        benchmark: 'scale-out',
        system: `two gateway instances, ${half} + ${options.connections - half} connections, \`GET /auth/whoami\``,
        systemFigure: rateFigure(summaries.two),
        baseline: `one gateway instance, ${options.connections} connections`,
        baselineFigure: rateFigure(summaries.one),
        ratio: times(ratioOf(summaries.two.median.perSecond, summaries.one.median.perSecond)),
        target: 'reported (2 cores: at most ~1.8x)',
        verdict: 'reported',
      },
    ];
  } finally {
    await second.stop();
  }
}
