// Route sweep: every GET route of the route table (apps/gateway/e2e/route-access.ts), its
// path parameters filled with ids made in setup, driven through the gateway by the platform
// admin's login key (autocannon, keep-alive, 50 connections) against a bare Fastify handler
// doing one indexed PostgreSQL SELECT of a stored JSON document as large as the route's
// answer; the four paged listings at page 1 and page 500, 20 and 100 per page; and
// `POST /tokens`, `POST /users`, `POST /tokens/:id/revoke` (10 connections) against one
// INSERT per transaction. Each system and its baseline alternate in the same run.
//
// So that deep pages exist, setup bulk-inserts events into the services' own event stores
// (`--sweep-rows` organizations, accounts and tokens of the root organization: 50,000 at full
// size, where page 500 of 100 is the last full page; 10,000 at quick size, where the deep page
// of 100 is page 100), as their commands would have appended them, and waits for the relay
// and the projections (the users listing, the credential read model, the audit log) to catch up
// before anything is measured.
import { Client, Pool } from 'pg';
import { ApiClient, freePort, pollUntil } from '@warden/testing';
import { ROUTE_ACCESS } from '../../apps/gateway/e2e/route-access';
import { DOCUMENTS_PER_SIZE, DOCUMENTS_TABLE_SQL } from '../targets/baseline-select';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { ms, rate, rateRow, times } from '../support/format';
import { load } from '../support/load';
import { startTarget, stopTarget } from '../support/processes';
import { MIN_DOCUMENT_BYTES, PAGED_LISTINGS, deepPage, PagedListing, SweepIds, fillPath, getRoutes, paddedDocument, pageQuery, spread } from '../support/routes';
import { Summary } from '../support/stats';
import { BASELINE_TABLE_SQL, insertRun } from './issue';
import { benchDatabase } from './replay';

const PAGE_SIZES = [20, 100];
const CORRELATION = 'sweep-benchmark';
const SELECT_BASELINE = 'bare Fastify: one SELECT by primary key of a stored JSON document of the same size';

type SweepContext = BenchContext & { admin: ApiClient; adminKey: string; serviceAccountId: string };

/** Events of `count` new streams of one type, appended in one statement as the service's command would have. */
async function bulkAppend(
  pg: Client,
  schema: 'users' | 'tokens',
  type: string,
  streamPrefix: string,
  count: number,
  data: string,
  metadataOrganization: string,
): Promise<void> {
  await pg.query(
    `INSERT INTO "${schema}".events (event_id, stream_id, version, type, schema_version, data, metadata)
     SELECT gen_random_uuid(), '${streamPrefix}' || t.id, 1, '${type}',
       (SELECT max(schema_version) FROM "${schema}".events WHERE type = '${type}'),
       ${data},
       jsonb_build_object('correlationId', '${CORRELATION}', 'actorType', 'service_internal', 'organizationId', ${metadataOrganization})
     FROM (SELECT i, gen_random_uuid()::text AS id, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
           FROM generate_series(1, $1::int) AS i) AS t`,
    [count],
  );
}

/** `count` each of organizations, accounts and tokens (of the root organization), through the event stores. */
async function bulkData(ctx: SweepContext, rootOrganization: string, count: number): Promise<{ tokens: string[]; lastUser: string }> {
  const pg = new Client({ connectionString: ctx.system.env.DATABASE_URL });
  pg.on('error', () => undefined); // reported by the query that fails, if any
  await pg.connect();
  try {
    const root = pg.escapeLiteral(rootOrganization);
    await bulkAppend(
      pg, 'users', 'OrganizationCreated', 'organization-', count,
      `jsonb_build_object('organizationId', t.id, 'name', 'Sweep organization ' || t.i, 'serviceInternalLimit', 1, 'serviceExternalLimit', 5, 'createdAt', t.at)`,
      't.id',
    );
    await bulkAppend(
      pg, 'users', 'UserCreated', 'user-', count,
      `jsonb_build_object('userId', t.id, 'organizationId', ${root}, 'accountType', 'user', 'username', 'sweep-' || t.i || '@bench',
         'firstName', 'Sweep', 'lastName', 'Person ' || t.i, 'roles', '[]'::jsonb, 'teams', '[]'::jsonb, 'passwordHash', NULL, 'createdAt', t.at)`,
      root,
    );
    await bulkAppend(
      pg, 'tokens', 'TokenIssued', 'token-', count,
      `jsonb_build_object('tokenId', t.id, 'organizationId', ${root}, 'ownerId', ${pg.escapeLiteral(ctx.serviceAccountId)}, 'name', 'sweep token ' || t.i,
         'visibility', 'private', 'allowedOrigins', '[]'::jsonb, 'expiresAt', NULL, 'permissions', NULL,
         'secretHash', encode(sha256(convert_to('sweep-secret-' || t.id, 'UTF8')), 'hex'), 'lastFour', lpad((t.i % 10000)::text, 4, '0'), 'issuedAt', t.at)`,
      root,
    );
    const bulk = (schema: string, type: string, id: string) =>
      pg.query<{ id: string }>(`SELECT data->>'${id}' AS id FROM ${schema}.events WHERE type = $1 AND metadata->>'correlationId' = $2 ORDER BY global_position`, [type, CORRELATION]);
    const [tokens, users] = [await bulk('tokens', 'TokenIssued', 'tokenId'), await bulk('users', 'UserCreated', 'userId')];
    return { tokens: tokens.rows.map((row) => row.id), lastUser: users.rows.at(-1)!.id };
  } finally {
    await pg.end();
  }
}

/** The cursor of page `page` of the audit log (oldest first), walked once the log holds that many. */
async function auditCursor(admin: ApiClient, perPage: number, page: number, log: (line: string) => void): Promise<string> {
  let cursor: string | undefined;
  for (let n = 1; n < page; n++) {
    const query = pageQuery('/api/v1/audit/events', n, perPage, cursor);
    // the audit log may still be catching up: the page again until a next one exists
    await pollUntil(
      async () => {
        const answer = await admin.get<{ next_cursor: string | null }>(`/audit/events${query}`);
        if (answer.status !== 200) throw new Error(`walking the audit log: ${answer.status} ${JSON.stringify(answer.body)}`);
        cursor = answer.body.next_cursor ?? cursor;
        return answer.body.next_cursor !== null;
      },
      `page ${n + 1} of the audit log at ${perPage} per page`,
      600_000,
      1_000,
    );
    if ((n + 1) % 100 === 0) log(`sweep: audit log walked to page ${n + 1} at ${perPage} per page`);
  }
  return cursor!;
}

async function total(admin: ApiClient, path: string): Promise<number> {
  const answer = await admin.get<{ pagination: { total: number } }>(path);
  return answer.status === 200 ? answer.body.pagination.total : 0;
}

/** A route's row; a route whose measuring threw is a missed row saying why, and the sweep goes on. */
async function measured(rows: Row[], route: string, log: (line: string) => void, measure: () => Promise<Row>): Promise<void> {
  try {
    rows.push(await measure());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`sweep: ${route} failed: ${reason}`);
    rows.push({ benchmark: 'route sweep', system: route, systemFigure: 'n/a', baseline: '-', baselineFigure: '-', ratio: 'n/a', target: '-', verdict: 'missed', note: `${route} could not be measured: ${reason}` });
  }
}

/** A row of the system against a baseline with an upper bound on the system's p50 as well. */
function withP50Limit(row: Row, system: Summary, limitMs: number): Row {
  const p50Met = system.median.p50Ms <= limitMs;
  return { ...row, target: `${row.target}, p50 <= ${limitMs} ms`, verdict: row.verdict === 'met' && p50Met ? 'met' : 'missed' };
}

export async function benchSweep(ctx: SweepContext): Promise<Row[]> {
  const { options, system, admin, log } = ctx;
  const origin = new URL(system.gatewayUrl).origin;
  const headers = { authorization: `Bearer ${ctx.adminKey}` };
  const setupStarted = Date.now();

  // Ids the path parameters take.
  const me = await admin.get<{ organization_id: string }>('/users/me');
  const rootOrganization = me.body.organization_id;
  const tenant = await admin.post<{ id: string }>('/organizations', { name: 'Sweep tenant' });
  const team = await admin.post<{ id: string }>('/teams', { name: 'Sweep team' });
  const token = await admin.post<{ id: string }>('/tokens', { user_id: ctx.serviceAccountId, name: 'swept' });
  // Disabled: nothing is delivered while the sweep runs (its routes read the subscription and its empty delivery log).
  const webhook = await admin.post<{ id: string }>('/webhooks', { url: 'http://127.0.0.1:9/sweep', event_types: ['token.revoked'], enabled: false });
  for (const [what, answer] of [['organization', tenant], ['team', team], ['token', token], ['webhook subscription', webhook]] as const) {
    if (answer.status !== 201) throw new Error(`creating the sweep's ${what} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  const ids: SweepIds = { organizations: rootOrganization, users: ctx.serviceAccountId, teams: team.body.id, tokens: token.body.id, 'read-models': 'tokens', webhooks: webhook.body.id };
  // Routes that need a query: the as-of moment; the export and the chain check of a small organization.
  const now = new Date().toISOString();
  const queries: Record<string, string> = {
    '/api/v1/audit/users/:id/as-of': `?at=${now}`,
    '/api/v1/audit/tokens/:id/as-of': `?at=${now}`,
    '/api/v1/audit/export': `?organization_id=${tenant.body.id}`,
    '/api/v1/audit/verify': `?organization_id=${tenant.body.id}`,
  };

  const rowCount = options.sweepRows;
  log(`sweep: bulk-appending ${rowCount} organizations, ${rowCount} accounts and ${rowCount} tokens`);
  const bulk = await bulkData(ctx, rootOrganization, rowCount);
  const caughtUp = async (what: string, done: () => Promise<boolean>) => {
    await pollUntil(done, what, 1_800_000, 2_000);
    log(`sweep: ${what} after ${Math.round((Date.now() - setupStarted) / 1000)} s`);
  };
  const lists = (path: string) => async () => (await total(admin, `${path}?page_size=1`)) >= rowCount;
  // Each service's events reach the audit log in the order they were appended: its last one there means all of them.
  const audited = (id: string) => async () => (await admin.get<{ results: unknown[] }>(`/audit/events?subject_id=${id}&limit=1`)).body.results?.length === 1;
  await Promise.all([
    caughtUp('the organizations listing caught up', lists('/organizations')),
    caughtUp('the users listing caught up', lists('/users')),
    caughtUp('the tokens listing caught up', lists('/tokens')),
    caughtUp("the audit log has the last account's event", audited(bulk.lastUser)),
    caughtUp("the audit log has the last token's event", audited(bulk.tokens.at(-1)!)),
  ]);
  // As autovacuum would have by now (the shared test server runs without it): planner
  // statistics of the tables the bulk rows went to, so that no plan is chosen on an empty
  // table's, and their visibility maps, so that a page's ids are read from an index alone.
  const analyzer = new Client({ connectionString: system.env.DATABASE_URL });
  analyzer.on('error', () => undefined);
  await analyzer.connect();
  await analyzer.query('VACUUM ANALYZE').finally(() => analyzer.end());
  const deep = Object.fromEntries(PAGE_SIZES.map((perPage) => [perPage, deepPage(rowCount, perPage)]));
  const cursors: Record<number, string> = {};
  for (const perPage of PAGE_SIZES) cursors[perPage] = await auditCursor(admin, perPage, deep[perPage]!, log);
  log(`sweep: setup done in ${Math.round((Date.now() - setupStarted) / 1000)} s`);

  // What is driven: every GET route once (the paged listings below, at their pages), then the listings.
  const targets: { label: string; url: string }[] = [];
  for (const path of getRoutes(ROUTE_ACCESS)) {
    if ((PAGED_LISTINGS as readonly string[]).includes(path)) continue;
    targets.push({ label: `GET ${path}${queries[path] ?? ''}`, url: `${origin}${fillPath(path, ids)}${queries[path] ?? ''}` });
  }
  const paged: { listing: PagedListing; page: string; label: string; url: string }[] = [];
  for (const listing of PAGED_LISTINGS) {
    for (const deepest of [false, true]) {
      for (const perPage of PAGE_SIZES) {
        const page = deepest ? deep[perPage]! : 1;
        const query = pageQuery(listing, page, perPage, page === 1 ? undefined : cursors[perPage]);
        const shown = listing === '/api/v1/audit/events' ? `?limit=${perPage}${page === 1 ? '' : `&cursor=<of page ${page - 1}>`}` : query;
        paged.push({ listing, page: `page ${page} of ${perPage}`, label: `GET ${listing}${shown} (page ${page})`, url: `${origin}${listing}${query}` });
      }
    }
  }

  // The baseline's documents, one size per route: the size of the route's answer now.
  const database = await benchDatabase('sweep');
  const pool = new Pool({ connectionString: database.url, max: options.issueConcurrency });
  pool.on('error', (error) => log(`sweep: baseline pool: ${error.message}`));
  const sizes = new Map<string, number>();
  await pool.query(DOCUMENTS_TABLE_SQL);
  await pool.query(BASELINE_TABLE_SQL);
  for (const { label, url } of [...targets, ...paged]) {
    const answer = await fetch(url, { headers });
    const body = Buffer.from(await answer.arrayBuffer());
    if (answer.status !== 200) throw new Error(`${label} answered ${answer.status}: ${body.toString().slice(0, 500)}`);
    const bytes = Math.max(body.length, MIN_DOCUMENT_BYTES);
    sizes.set(label, bytes);
    await pool.query(
      `INSERT INTO bench_documents (bytes, n, doc) SELECT $1, n, $2 FROM generate_series(0, $3::int - 1) AS n ON CONFLICT DO NOTHING`,
      [bytes, paddedDocument(bytes), DOCUMENTS_PER_SIZE],
    );
  }
  await pool.query('ANALYZE bench_documents');
  const port = await freePort();
  const baseline = await startTarget(options, 'baseline-select.ts', { port, databaseUrl: database.url });

  const rows: Row[] = [];
  const pagedRates: Record<PagedListing, Record<string, number>> = Object.fromEntries(PAGED_LISTINGS.map((l) => [l, {}])) as Record<PagedListing, Record<string, number>>;
  try {
    const get = (url: string) => (seconds: number) => load({ url, connections: options.connections, seconds, headers, expectedStatus: 200 });
    for (const target of [...targets, ...paged]) {
      const bytes = sizes.get(target.label)!;
      await measured(rows, `\`${target.label}\``, log, async () => {
        const summaries = await alternate(options, `sweep ${target.label}`, { system: get(target.url), baseline: get(`http://127.0.0.1:${port}/documents/${bytes}`) }, log);
        const listed = paged.find((p) => p.label === target.label);
        if (listed) pagedRates[listed.listing][listed.page] = summaries.system.median.perSecond;
        const row = rateRow('route sweep', `\`${target.label}\`, ${bytes} B`, SELECT_BASELINE, summaries.system, summaries.baseline, 0.5, 3);
        // autocannon counts no failure for a request still unanswered when a run ends
        const empty = summaries.system.runs.filter((run) => run.perSecond === 0).length;
        return empty > 0 ? { ...row, note: `${target.label}: in ${empty} of ${summaries.system.runs.length} runs no request was answered before the run ended` } : row;
      });
    }
    for (const listing of PAGED_LISTINGS) {
      if (Object.keys(pagedRates[listing]).length === 0) continue;
      const { slowest, fastest, factor } = spread(pagedRates[listing]);
      rows.push({
        benchmark: 'route sweep, paging',
        system: `\`GET ${listing}\`: the slowest of page 1 and the deep page (${PAGE_SIZES.map((n) => `${deep[n]} of ${n}`).join(', ')}), against the fastest`,
        systemFigure: `${slowest}: ${rate(pagedRates[listing][slowest]!)}/s`,
        baseline: 'the fastest of the four',
        baselineFigure: `${fastest}: ${rate(pagedRates[listing][fastest]!)}/s`,
        ratio: Number.isFinite(factor) ? `fastest ${times(factor)} the slowest` : 'no request of the slowest completed',
        target: 'fastest <= 2x the slowest',
        verdict: factor <= 2 ? 'met' : 'missed',
      });
    }

    // The POSTs, 10 in flight each, against one INSERT per transaction.
    const post = (path: string, body: string, expectedStatus: number, nextPath?: () => string) => (seconds: number) =>
      load({ url: `${system.gatewayUrl}${path}`, method: 'POST', body, connections: options.issueConcurrency, seconds, headers, expectedStatus, nextPath });
    const insert = (seconds: number) => insertRun(pool, seconds, options.issueConcurrency);
    const insertLabel = `one INSERT per transaction from Node (pg), ${options.issueConcurrency} connections`;
    const inFlight = `${options.issueConcurrency} connections`;

    await measured(rows, '`POST /api/v1/tokens`', log, async () => {
      const issued = await alternate(options, 'sweep POST /tokens', { system: post('/tokens', JSON.stringify({ user_id: ctx.serviceAccountId, name: 'sweep [<id>]' }), 201), baseline: insert }, log);
      return withP50Limit(rateRow('route sweep', `\`POST /api/v1/tokens\`, ${inFlight}`, insertLabel, issued.system, issued.baseline, 0.25), issued.system, 15);
    });

    const userBody = JSON.stringify({ username: 'sweep-[<id>]@bench', account_type: 'user', first_name: 'Sweep', last_name: 'Created' });
    await measured(rows, '`POST /api/v1/users`', log, async () => {
      const users = await alternate(options, 'sweep POST /users', { system: post('/users', userBody, 201), baseline: insert }, log);
      return { ...rateRow('route sweep', `\`POST /api/v1/users\` (a person, no password), ${inFlight}`, insertLabel, users.system, users.baseline, 0), target: 'reported', verdict: 'reported' };
    });

    // Each revoke a token of its own, from those bulk-appended (never revoked before).
    let next = 0;
    const revokePath = () => {
      const id = bulk.tokens[next++];
      if (id === undefined) throw new Error(`the sweep revoked all ${bulk.tokens.length} tokens it prepared`);
      return `${new URL(system.gatewayUrl).pathname}/tokens/${id}/revoke`;
    };
    await measured(rows, '`POST /api/v1/tokens/:id/revoke`', log, async () => {
      const revoked = await alternate(options, 'sweep POST /tokens/:id/revoke', { system: post('/tokens/:id/revoke', '{}', 200, revokePath), baseline: insert }, log);
      const revokeRow = rateRow('route sweep', `\`POST /api/v1/tokens/:id/revoke\`, a token of its own per request, ${inFlight}`, insertLabel, revoked.system, revoked.baseline, 0);
      return { ...revokeRow, target: `p50 <= 15 ms (p50 ${ms(revoked.system.median.p50Ms)} ms)`, verdict: revoked.system.median.p50Ms <= 15 ? 'met' : 'missed' };
    });
  } finally {
    await stopTarget(baseline);
    await pool.end();
    await database.drop();
  }
  return rows;
}
