// Replaying the audit log on real PostgreSQL from two services' event stores: a swap yields
// the same records (by event id and content) while verification runs and events keep being
// ingested, the chain verifies after it, and a compare finds nothing on an intact log and
// each record altered, deleted or forged behind the service's back.
import { randomUUID } from 'node:crypto';
import { NewEvent, RecordedEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, readAllCommitted, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { Pool } from 'pg';
import { auditRecordOf } from '../audit-log/audit-record';
import { AuditRecordRepository } from '../audit-log/audit-record.repository';
import { SourceEventStores } from '../backfill/source-event-stores';
import { AuditLogReplay } from './audit-log-replay';

const ORG_A = randomUUID();
const ORG_B = randomUUID();

let schema: string;
let pool: Pool;
let records: AuditRecordRepository;
let users: PostgresEventStore;
let tokens: PostgresEventStore;
let sources: SourceEventStores;
let replay: AuditLogReplay;
let ingested: Set<string>;

beforeEach(async () => {
  schema = uniqueTestId('auditreplay');
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 10 });
  records = new AuditRecordRepository(pool, schema);
  await records.migrate();
  users = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: `${schema}_users`, logger: silentStoreLogger });
  tokens = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: `${schema}_tokens`, logger: silentStoreLogger });
  sources = new SourceEventStores(pool, [{ service: 'users', schema: `${schema}_users` }, { service: 'tokens', schema: `${schema}_tokens` }], silentStoreLogger);
  replay = new AuditLogReplay({ pool, schema, sources, pageSize: 7, settleMs: 300, settlePollMs: 25 });
  ingested = new Set();
});

afterEach(async () => {
  await sources.close();
  await users.close();
  await tokens.close();
  for (const name of [schema, `${schema}_users`, `${schema}_tokens`]) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
  await pool.end();
});

const s = () => quoteIdentifier(schema);

const newEvent = (type: string, data: NewEvent['data'], organizationId: string | undefined): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: `corr-${randomUUID()}`, actorId: 'admin-1', actorType: 'user', ...(organizationId ? { organizationId } : {}) },
});

/** A user with a secret in its first event, and a token of theirs, in each organization (and one without). */
async function appendHistory(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const organizationId = i % 5 === 4 ? undefined : i % 3 === 0 ? ORG_B : ORG_A;
    const userId = randomUUID();
    const tokenId = randomUUID();
    await users.append({
      streamId: `user-${userId}`,
      expectedVersion: 'no_stream',
      events: [
        newEvent('UserCreated', { userId, organizationId: organizationId ?? null, username: `svc-${i}@acme`, passwordHash: '$argon2id$secret-hash', roles: [], teams: [] }, organizationId),
        ...(i % 2 === 0 ? [newEvent('UserDeactivated', { userId, deactivatedAt: new Date().toISOString() }, organizationId)] : []),
      ],
    });
    await tokens.append({
      streamId: `token-${tokenId}`,
      expectedVersion: 'no_stream',
      events: [newEvent('TokenIssued', { tokenId, ownerId: userId, secretHash: 'sha256-of-the-secret', name: `t${i}` }, organizationId)],
    });
  }
}

/** What the ingestor would record of every committed event not recorded yet, in an order unlike the stores' (interleaved, newest first). */
async function ingest(): Promise<number> {
  const fresh = (events: RecordedEvent[], service: string) => events.filter((event) => !ingested.has(event.id)).map((event) => ({ ...event, service }));
  const pending = [...fresh(await readAllCommitted(tokens, 10_000), 'tokens'), ...fresh(await readAllCommitted(users, 10_000), 'users')].reverse();
  for (const event of pending) {
    await records.record(auditRecordOf(event));
    ingested.add(event.id);
  }
  return pending.length;
}

/** Every record by event id, without its place in the chain (which follows arrival order). */
async function contents(): Promise<Map<string, unknown>> {
  const { rows } = await pool.query<{ event_id: string; content: unknown }>(
    `SELECT event_id::text, to_jsonb(r) - ARRAY['sequence', 'chain', 'chain_sequence', 'previous_hash', 'hash', 'stored_at'] AS content FROM ${s()}.audit_records r`,
  );
  return new Map(rows.map((row) => [row.event_id, row.content]));
}

const tableNames = async () =>
  (await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((row) => row.name);
const indexNames = async () =>
  (await pool.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((row) => row.name);
const constraintNames = async () =>
  (
    await pool.query<{ name: string }>(
      `SELECT c.conname AS name FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1`,
      [schema],
    )
  ).rows.map((row) => row.name);

/** Alters the audit table the way someone with database access could: past the append-only trigger. */
async function tamper(statement: string, values: unknown[] = []): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(statement.replaceAll('$schema', s()), values);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('the audit log replay', () => {
  it('swaps in the same records, re-chained, with verification and ingestion running throughout', async () => {
    await appendHistory(30);
    await ingest();
    const before = await contents();
    const tablesBefore = await tableNames();
    const indexesBefore = await indexNames();
    const constraintsBefore = await constraintNames();
    expect(before.size).toBe(75);

    // verification keeps answering, and never sees a broken chain, during the whole replay and its swap
    let verifying = true;
    const verifications: { intact: boolean; records: number }[] = [];
    const verifier = (async () => {
      while (verifying) verifications.push(await records.verify());
    })();
    // the services keep appending and the ingestor keeps recording meanwhile
    const writer = (async () => {
      for (let round = 0; round < 4; round++) {
        await appendHistory(2);
        await ingest();
      }
    })();
    const result = await replay.run('swap');
    await writer;
    await ingest();
    verifying = false;
    await verifier;

    expect(result).toMatchObject({ read_model: 'audit-log', mode: 'swap', state: 'succeeded', error: null, report: null, seconds_left: 0 });
    expect(result.events_total).toBeGreaterThanOrEqual(75);
    expect(result.events_done).toBeGreaterThanOrEqual(result.events_total);
    expect(result.events_per_second).toBeGreaterThan(0);
    expect(verifications.length).toBeGreaterThan(0);
    expect(verifications.filter((verification) => !verification.intact)).toEqual([]);
    expect(verifications.every((verification) => verification.records >= 75)).toBe(true);

    // the same records by event id and content; those ingested during the replay all there
    const after = await contents();
    expect(after.size).toBe(75 + 4 * 2 * 2.5);
    for (const [eventId, content] of before) expect(after.get(eventId)).toEqual(content);
    expect([...after.keys()].sort()).toEqual([...ingested].sort());
    expect(JSON.stringify([...after.values()])).not.toMatch(/secret-hash|sha256-of-the-secret/);
    expect(await records.verify()).toEqual({ intact: true, records: 95, chains: 3 });

    // the swapped-in tables are the live ones by every name the code and the migrations use
    expect(await tableNames()).toEqual(tablesBefore);
    expect(await indexNames()).toEqual(indexesBefore);
    expect(await constraintNames()).toEqual(constraintsBefore);
    await expect(pool.query(`UPDATE ${s()}.audit_records SET actor_id = 'x'`)).rejects.toThrow(/append-only/);
    await records.migrate();

    // appends go on after the swap, onto the replayed chains, and a second swap works the same
    await appendHistory(2);
    expect(await ingest()).toBe(5);
    expect(await records.verify()).toEqual({ intact: true, records: 100, chains: 3 });
    expect(await replay.run('swap')).toMatchObject({ state: 'succeeded', events_done: 100 });
    expect(await records.verify()).toEqual({ intact: true, records: 100, chains: 3 });
    expect((await replay.run('compare')).report).toEqual({ compared: 100, differences: [] });
  });

  it('compares: none on an intact log, and each record altered, deleted or forged behind the service\'s back', async () => {
    await appendHistory(12);
    await ingest();
    const intact = await replay.run('compare');
    expect(intact).toMatchObject({ state: 'succeeded', mode: 'compare', report: { compared: 30, differences: [] } });
    expect((await tableNames()).some((name) => name.includes('_replay_'))).toBe(false);

    const [altered, deleted] = (await pool.query<{ event_id: string }>(`SELECT event_id::text FROM ${s()}.audit_records WHERE organization_id = $1 ORDER BY chain_sequence`, [ORG_A]))
      .rows.map((row) => row.event_id);
    await tamper(`UPDATE $schema.audit_records SET data = data || '{"roles": ["WARDEN_SUPER_ADMIN"]}' WHERE event_id = $1`, [altered]);
    await tamper(`DELETE FROM $schema.audit_records WHERE event_id = $1`, [deleted]);
    const forged = randomUUID();
    await tamper(
      `INSERT INTO $schema.audit_records (chain, chain_sequence, event_id, event_type, service, stream_id, stream_version, position, recorded_at, data, previous_hash, hash)
       VALUES ($1, 99, $2, 'TokenRevoked', 'tokens', 'token-x', 2, 'p', now(), '{}', 'x', 'y')`,
      [ORG_B, forged],
    );
    const liveBefore = await contents();

    const report = (await replay.run('compare')).report!;
    expect(report.compared).toBe(31);
    expect(report.differences.map((difference) => difference.key).sort()).toEqual([`audit_records:${altered}`, `audit_records:${deleted}`, `audit_records:${forged}`].sort());
    const byKey = (id: string) => report.differences.find((difference) => difference.key === `audit_records:${id}`)!;
    expect(JSON.parse(byKey(altered).live!)).toMatchObject({ data: { roles: ['WARDEN_SUPER_ADMIN'] } });
    expect(JSON.parse(byKey(altered).replayed!).data.roles).toEqual([]);
    expect(byKey(deleted)).toMatchObject({ live: null, replayed: expect.any(String) });
    expect(byKey(forged)).toMatchObject({ live: expect.any(String), replayed: null });
    // a compare leaves the live log as it found it, and no scratch table behind
    expect(await contents()).toEqual(liveBefore);
    expect((await tableNames()).some((name) => name.includes('_replay_'))).toBe(false);
    expect(await records.verify(ORG_A)).toMatchObject({ intact: false });

    // a swap rebuilds it from the stores: the forged record gone, the others as the stores have them
    await replay.run('swap');
    expect((await replay.run('compare')).report).toEqual({ compared: 30, differences: [] });
    expect(await records.verify()).toEqual({ intact: true, records: 30, chains: 3 });
  });

  it('does not report events still on their way to the live log', async () => {
    await appendHistory(4);
    await ingest();
    await appendHistory(2);
    // the ingestor delivers the newest events while the compare waits for the log to settle
    setTimeout(() => void ingest(), 100);
    const result = await replay.run('compare');
    expect(result.report).toEqual({ compared: 15, differences: [] });
  });

  it('shows its progress while running and fails cleanly, leaving the live log untouched', async () => {
    await appendHistory(6);
    await ingest();
    const started = replay.start('compare');
    expect(started).toMatchObject({ read_model: 'audit-log', mode: 'compare', state: 'running', finished_at: null });
    // a second start joins the run in progress
    expect(replay.start('swap').replay_id).toBe(started.replay_id);
    for (let i = 0; i < 400 && replay.status()!.state === 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(replay.status()).toMatchObject({ replay_id: started.replay_id, state: 'succeeded', events_total: 15, events_done: 15, seconds_left: 0 });

    // the live table gone from under it: the run fails, says why, and drops its scratch tables
    await pool.query(`ALTER TABLE ${s()}.audit_records RENAME TO audit_records_elsewhere`);
    const failed = await replay.run('swap');
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(/audit_records/) });
    expect((await tableNames()).some((name) => name.includes('_replay_'))).toBe(false);
  });
});
