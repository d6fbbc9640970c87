// Issue token: `POST /api/v1/tokens` end to end (the gateway, the tokens service's command,
// the event appended, the read model applied before the answer) against one INSERT per
// transaction into PostgreSQL from Node, the same number in flight.
import { Pool } from 'pg';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { load } from '../support/load';
import { RunFigures, closedLoop } from '../support/stats';
import { benchDatabase } from './replay';

/** The baseline's table: one row per issued token. */
export const BASELINE_TABLE_SQL = 'CREATE TABLE bench_tokens (id uuid PRIMARY KEY, data jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())';

/** `concurrency` loops over a pool of as many connections, each INSERT its own transaction. */
export function insertRun(pool: Pool, seconds: number, concurrency: number): Promise<RunFigures> {
  return closedLoop(seconds, concurrency, async () => {
    await pool.query(`INSERT INTO bench_tokens (id, data) VALUES (gen_random_uuid(), $1)`, [
      // about the size of a TokenIssued event's data
      JSON.stringify({ name: 'issued by the baseline', ownerId: crypto.randomUUID(), secretHash: 'f'.repeat(64), lastFour: '0000', issuedAt: new Date().toISOString() }),
    ]);
  });
}

export async function benchIssue(ctx: BenchContext & { adminKey: string; serviceAccountId: string }): Promise<Row[]> {
  const { options, system, log } = ctx;
  const database = await benchDatabase('issue');
  const pool = new Pool({ connectionString: database.url, max: options.issueConcurrency });
  // An idle connection ended by the server (the database dropped, another session's fault
  // test) must not end the benchmark.
  pool.on('error', (error) => log(`issue: baseline pool: ${error.message}`));
  try {
    await pool.query(BASELINE_TABLE_SQL);
    const body = JSON.stringify({ user_id: ctx.serviceAccountId, name: 'issued by the benchmark [<id>]' });
    const summaries = await alternate(
      options,
      'issue',
      {
        system: (seconds) =>
          load({
            url: `${system.gatewayUrl}/tokens`,
            method: 'POST',
            body,
            connections: options.issueConcurrency,
            seconds,
            headers: { authorization: `Bearer ${ctx.adminKey}` },
            expectedStatus: 201,
          }),
        baseline: (seconds) => insertRun(pool, seconds, options.issueConcurrency),
      },
      log,
    );
    return [
      rateRow(
        'issue token',
        `\`POST /api/v1/tokens\` end to end (answered once the read model has it), ${options.issueConcurrency} in flight`,
        `one INSERT per transaction from Node (pg), ${options.issueConcurrency} connections`,
        summaries.system,
        summaries.baseline,
        0.25,
      ),
    ];
  } finally {
    await pool.end();
    await database.drop();
  }
}
