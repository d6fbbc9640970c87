// Last uses: how fast the tokens service turns the uses the gateways noted into TokenUsed
// events, the one write a verification leads to. N tokens are issued and each is verified
// once through the gateway; the gateway leaves the uses in Redis, and the tokens service's
// next flush (TOKEN_USE_FLUSH_INTERVAL_MS) records one TokenUsed per token, one command after
// another. The rate is the events of the largest burst over the time between its first and
// its last event's commit (a burst ends at a gap over 2 s: uses that missed a flush wait for
// the next one, and that wait is the interval, not the loop).
import { Client } from 'pg';
import type { ApiClient } from '@warden/testing';
import { pollUntil } from '@warden/testing';
import type { BenchContext, Row } from '../support/context';

const IN_FLIGHT = 10;
const BURST_GAP_MS = 2_000;

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The largest run of commit times with no gap over BURST_GAP_MS: its size and its span in ms. */
export function largestBurst(times: number[]): { events: number; spanMs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { events: 0, spanMs: 0 };
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i]! - sorted[i - 1]! > BURST_GAP_MS) {
      const burst = { events: i - start, spanMs: sorted[i - 1]! - sorted[start]! };
      if (burst.events > best.events) best = burst;
      start = i;
    }
  }
  return best;
}

export async function benchTokenUses(ctx: BenchContext & { admin: ApiClient; serviceAccountId: string }): Promise<Row[]> {
  const { options, system, log, admin } = ctx;
  const count = options.tokenUses;
  const issued: { id: string; token: string }[] = [];
  const numbers = Array.from({ length: count }, (_, n) => n);
  await eachLimited(numbers, IN_FLIGHT, async (n) => {
    const answer = await admin.post<{ id: string; token: string }>('/tokens', { user_id: ctx.serviceAccountId, name: `used once by the benchmark ${n}` });
    if (answer.status !== 201) throw new Error(`token uses: issuing a token failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    issued.push({ id: answer.body.id, token: answer.body.token });
  });
  log(`token uses: ${count} tokens issued; verifying each once`);
  await eachLimited(issued, IN_FLIGHT, async ({ token }) => {
    const answer = await fetch(`${system.gatewayUrl}/auth/whoami`, { headers: { authorization: `Bearer ${token}` } });
    if (answer.status !== 200) throw new Error(`token uses: a verification answered ${answer.status}`);
  });
  const client = new Client({ connectionString: system.env['DATABASE_URL'] });
  client.on('error', () => undefined); // reported by the query that fails, if any
  await client.connect();
  try {
    const streams = issued.map(({ id }) => `token-${id}`);
    const commits = async () =>
      (
        await client.query<{ at: Date }>(`SELECT recorded_at AS at FROM tokens.events WHERE type = 'TokenUsed' AND stream_id = ANY($1)`, [streams])
      ).rows.map((row) => row.at.getTime());
    let times: number[] = [];
    await pollUntil(
      async () => (times = await commits()).length >= count,
      `a TokenUsed event for each of the ${count} tokens`,
      120_000,
      250,
    );
    const burst = largestBurst(times);
    const rate = burst.spanMs > 0 ? (burst.events - 1) / (burst.spanMs / 1000) : Number.NaN;
    log(`token uses: ${times.length} TokenUsed events, the largest burst ${burst.events} in ${burst.spanMs} ms`);
    return [
      {
        benchmark: 'token uses',
        system: `the tokens service turning ${count.toLocaleString('en')} last uses (each token verified once through the gateway) into TokenUsed events at its flush, one command after another`,
        systemFigure: `${Math.round(rate)} events/s (${burst.events} events in ${(burst.spanMs / 1000).toFixed(2)} s)`,
        baseline: '-',
        baselineFigure: '-',
        ratio: '-',
        target: 'reported (distinct tokens used per flush interval the log can take: docs/scaling.md)',
        verdict: 'reported',
      },
    ];
  } finally {
    await client.end();
  }
}
