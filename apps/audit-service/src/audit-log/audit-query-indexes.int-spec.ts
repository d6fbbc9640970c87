// Every filter of the audit queries (GET /audit/events and a subject's history) is answered
// by an index scan: on a log of tens of thousands of records, the plan PostgreSQL picks for
// each query the repository sends reads no table sequentially and sorts nothing it did not
// find through an index, and the page holds what the filter asks for.
import { randomUUID } from 'node:crypto';
import { ListAuditEventsRequest } from '@warden/contracts';
import { quoteIdentifier } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, uniqueTestId } from '@warden/testing';
import { Pool } from 'pg';
import { AuditRecordRepository } from './audit-record.repository';

const RECORDS = 40_000;
const ORGS = Array.from({ length: 20 }, () => randomUUID());
const TYPES = ['UserCreated', 'UserProfileChanged', 'TokenIssued', 'TokenRevoked', 'SessionStarted', 'SessionEnded', 'TeamCreated', 'RoleCreated'];

describe('the audit queries on a large log', () => {
  let pool: Pool;
  let schema: string;
  let records: AuditRecordRepository;
  const sent: { text: string; values: unknown[] }[] = [];

  beforeAll(async () => {
    schema = uniqueTestId('auditidx');
    pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
    // The repository's pool, noting each query it sends (to ask PostgreSQL for its plan).
    const noting = {
      query: (text: string, values?: unknown[]) => {
        sent.push({ text, values: values ?? [] });
        return pool.query(text, values);
      },
      connect: () => pool.connect(),
    } as unknown as Pool;
    records = new AuditRecordRepository(noting, schema);
    await records.migrate();
    const s = quoteIdentifier(schema);
    // Records as the ingestor would have chained them (the chain is not what this test reads).
    await pool.query(
      `INSERT INTO ${s}.audit_records (chain, chain_sequence, event_id, event_type, service, stream_id, stream_version, position, recorded_at,
         actor_id, actor_type, organization_id, correlation_id, data, previous_hash, hash)
       SELECT 'org-' || ($1::text[])[i % 20 + 1], i, gen_random_uuid(), ($2::text[])[i % 8 + 1], 'users',
         CASE WHEN i % 3 = 0 THEN 'user-' ELSE 'token-' END || 'subject-' || (i % 4000), 1, lpad(i::text, 20, '0'),
         timestamptz '2026-01-01' + i * interval '1 second',
         'actor-' || (i % 300), 'user', ($1::text[])[i % 20 + 1], 'corr-' || (i / 3),
         jsonb_build_object('userId', 'user-data-' || (i % 5000), 'tokenId', 'token-data-' || (i % 7000), 'sessionId', 'session-data-' || (i % 9000)),
         repeat('0', 64), repeat('0', 64)
       FROM generate_series(1, $3::int) AS i`,
      [ORGS, TYPES, RECORDS],
    );
    await pool.query(`VACUUM ANALYZE ${s}.audit_records`);
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await pool.end();
  });

  /** The plan of the last list query sent, as JSON text. */
  async function planOfLast(): Promise<string> {
    const { text, values } = sent[sent.length - 1]!;
    const { rows } = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
    return JSON.stringify(rows[0]!['QUERY PLAN']);
  }

  const cases: [string, Omit<ListAuditEventsRequest, 'limit'>, (record: Record<string, unknown>) => boolean][] = [
    ['no filter (the platform admin)', {}, () => true],
    ['no filter, newest first', { order: 'newest' }, () => true],
    ['an organization', { organization_id: ORGS[3] }, (r) => r['organization_id'] === ORGS[3]],
    ['an actor', { actor_id: 'actor-17' }, (r) => r['actor_id'] === 'actor-17'],
    ['an event type', { event_type: 'TokenRevoked' }, (r) => r['event_type'] === 'TokenRevoked'],
    ['an organization and an event type', { organization_id: ORGS[5], event_type: 'SessionEnded' }, (r) => r['event_type'] === 'SessionEnded' && r['organization_id'] === ORGS[5]],
    ['a correlation', { correlation_id: 'corr-1200' }, (r) => r['correlation_id'] === 'corr-1200'],
    ['a time range', { from: '2026-01-01T05:00:00Z', to: '2026-01-01T06:00:00Z' }, () => true],
    ['a subject by its stream', { subject_id: 'subject-42' }, () => true],
    ['a user named in the data', { subject_id: 'user-data-77' }, () => true],
    ['a session named in the data, in an organization (a history)', { subject_id: 'session-data-123', organization_id: ORGS[3] }, (r) => r['organization_id'] === ORGS[3]],
  ];

  it.each(cases)('answers %s from an index, the page matching the filter', async (_what, filter, matches) => {
    const page = await records.list({ ...filter, limit: 20 });
    expect(page.results.length).toBeGreaterThan(0);
    expect(page.results.every((record) => matches(record as unknown as Record<string, unknown>))).toBe(true);
    const plan = await planOfLast();
    expect(plan).not.toContain('"Node Type":"Seq Scan"');
    // A deep page (after a cursor) is as cheap: the cursor is a bound on the same index.
    if (page.next_cursor !== null) {
      await records.list({ ...filter, limit: 20, cursor: page.next_cursor });
      expect(await planOfLast()).not.toContain('"Node Type":"Seq Scan"');
    }
  });
});
