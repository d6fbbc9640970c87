// The audit log on real PostgreSQL and NATS JetStream: the hash chain under racing
// instances, tamper detection at the right record, redelivery, catch-up after downtime,
// the backfill from the event stores, the queries, and a user as of a moment.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { EventMetadata, NewEvent, RecordedEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { encodePublishedEvent, ensureEventsStream, eventSubject, silentMessagingLog } from '@warden/messaging';
import { TEST_DATABASE_URL, TEST_NATS_URL, deleteStreamQuietly, pollUntil, readAllCommitted, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { userDecider, userStreamId } from '@warden/users-domain';
import { createLogger } from '@warden/platform';
import { NatsConnection, connect } from 'nats';
import { Pool } from 'pg';
import { register } from 'prom-client';
import { UserAsOf } from './as-of/user-as-of';
import { GENESIS_HASH } from './audit-log/audit-chain';
import { AuditChainCheck } from './audit-log/audit-chain-check';
import { AuditIngestor } from './audit-log/audit-ingestor';
import { auditRecordOf } from './audit-log/audit-record';
import { AuditRecordRepository } from './audit-log/audit-record.repository';
import { AuditBackfill } from './backfill/audit-backfill';
import { SourceEventStores } from './backfill/source-event-stores';

const ORG_A = randomUUID();
const ORG_B = randomUUID();

let pools: Pool[];
let pool: Pool;
let schema: string;
let records: AuditRecordRepository;
let sql: (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

beforeEach(async () => {
  schema = uniqueTestId('audit');
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 8 });
  pools = [pool];
  records = new AuditRecordRepository(pool, schema);
  await records.migrate();
  sql = async (text, values) => (await pool.query(text.replaceAll('$schema', quoteIdentifier(schema)), values)).rows;
});

afterEach(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  for (const opened of pools) await opened.end();
});

function newPool(): Pool {
  const opened = new Pool({ connectionString: TEST_DATABASE_URL, max: 8 });
  pools.push(opened);
  return opened;
}

let position = 0;
function event(overrides: Omit<Partial<RecordedEvent>, 'metadata'> & { metadata?: Partial<EventMetadata> } = {}, service = 'users') {
  position += 1;
  const base: RecordedEvent = {
    id: randomUUID(),
    type: 'UserProfileChanged',
    schemaVersion: 1,
    streamId: `user-${randomUUID()}`,
    version: 1,
    position: `${String(position).padStart(20, '0')}:${String(position).padStart(20, '0')}`,
    recordedAt: new Date().toISOString(),
    data: { userId: 'u', changedAt: new Date().toISOString() },
    metadata: { correlationId: `corr-${position}`, actorId: 'admin-1', actorType: 'user', organizationId: ORG_A },
  };
  return { ...base, ...overrides, metadata: { ...base.metadata, ...overrides.metadata } as EventMetadata, service };
}

async function chainRows(chain: string) {
  return sql(`SELECT event_id::text, chain_sequence::int AS seq, previous_hash, hash FROM $schema.audit_records WHERE chain = $1 ORDER BY chain_sequence`, [chain]);
}

/** Alters the audit table the way someone with database access could: past the append-only trigger. */
async function tamper(statement: string, values: unknown[] = []): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(statement.replaceAll('$schema', quoteIdentifier(schema)), values);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('the audit hash chain', () => {
  it('stays one unbroken chain per organization when several instances append at once', async () => {
    const instances = [records, new AuditRecordRepository(newPool(), schema), new AuditRecordRepository(newPool(), schema)];
    const events = Array.from({ length: 120 }, (_, index) => event({ metadata: { organizationId: index % 4 === 0 ? ORG_B : ORG_A } }));
    // every event handed to two instances at once, as a redelivery racing the first delivery would be
    const outcomes = await Promise.all(
      events.flatMap((published, index) => [
        instances[index % 3]!.record(auditRecordOf(published)),
        instances[(index + 1) % 3]!.record(auditRecordOf(published)),
      ]),
    );

    expect(outcomes.filter(Boolean)).toHaveLength(120);
    const chainA = await chainRows(ORG_A);
    const chainB = await chainRows(ORG_B);
    expect(chainA.map((row) => row.seq)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    expect(chainB.map((row) => row.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(chainA[0]!.previous_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < chainA.length; i++) expect(chainA[i]!.previous_hash).toBe(chainA[i - 1]!.hash);
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 90, chains: 1 });
    expect(await records.verify()).toEqual({ intact: true, records: 120, chains: 2 });
  });

  it('changes nothing, the chain included, when an event is recorded again', async () => {
    const first = event();
    expect(await records.record(auditRecordOf(first))).toBe(true);
    await records.record(auditRecordOf(event()));
    const before = await sql(`SELECT * FROM $schema.audit_records ORDER BY sequence`);
    const headBefore = await sql(`SELECT * FROM $schema.audit_chain_heads`);

    expect(await records.record(auditRecordOf(first))).toBe(false);

    expect(await sql(`SELECT * FROM $schema.audit_records ORDER BY sequence`)).toEqual(before);
    expect(await sql(`SELECT * FROM $schema.audit_chain_heads`)).toEqual(headBefore);
  });

  it("keeps each event's schema version as the store holds it, and its chain covers it", async () => {
    const current = event({ type: 'UserProfileChanged', schemaVersion: 2 });
    await records.record(auditRecordOf(current));
    await records.record(auditRecordOf(event()));

    const listed = (await records.list({ organization_id: ORG_A, order: 'oldest', limit: 10 })).results;
    expect(listed.map((record) => [record.event_id, record.schema_version])).toEqual([
      [current.id, 2],
      [expect.any(String), 1],
    ]);
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 2, chains: 1 });

    // Read as version 1, its data would be taken for the shape it had then.
    await tamper(`UPDATE $schema.audit_records SET schema_version = 1 WHERE event_id = $1`, [current.id]);
    expect(await records.verify(ORG_A)).toMatchObject({ intact: false, first_broken: { sequence: 1, event_id: current.id, reason: 'hash_mismatch' } });
  });

  it('chains records without an organization under platform', async () => {
    await records.record(auditRecordOf(event({ metadata: { organizationId: undefined } })));

    expect(await chainRows('platform')).toHaveLength(1);
    expect(await records.verify('platform')).toEqual({ intact: true, records: 1, chains: 1 });
  });

  describe('altered behind the service\'s back', () => {
    let ids: string[];

    beforeEach(async () => {
      const events = Array.from({ length: 5 }, () => event());
      for (const published of events) await records.record(auditRecordOf(published));
      await records.record(auditRecordOf(event({ metadata: { organizationId: ORG_B } })));
      ids = events.map((published) => published.id);
    });

    it('refuses an UPDATE or DELETE through the service\'s own connection', async () => {
      await expect(sql(`UPDATE $schema.audit_records SET actor_id = 'x'`)).rejects.toThrow(/append-only/);
      await expect(sql(`DELETE FROM $schema.audit_records`)).rejects.toThrow(/append-only/);
    });

    it('names the record whose data was changed', async () => {
      await tamper(`UPDATE $schema.audit_records SET data = data || '{"roles": ["WARDEN_SUPER_ADMIN"]}' WHERE event_id = $1`, [ids[2]]);

      expect(await records.verify(ORG_A)).toEqual({
        intact: false,
        records: 2,
        chains: 1,
        first_broken: { chain: ORG_A, sequence: 3, event_id: ids[2], reason: 'hash_mismatch' },
      });
      // the other organization's chain is untouched, and `all` reports the broken one
      expect(await records.verify(ORG_B)).toMatchObject({ intact: true, records: 1 });
      expect(await records.verify()).toMatchObject({ intact: false, first_broken: { chain: ORG_A, sequence: 3 } });
    });

    it('names the record after a deleted one', async () => {
      await tamper(`DELETE FROM $schema.audit_records WHERE event_id = $1`, [ids[1]]);

      expect(await records.verify(ORG_A)).toMatchObject({ intact: false, first_broken: { sequence: 3, event_id: ids[2], reason: 'sequence_gap' } });
    });

    it('names the record whose stored hash was changed', async () => {
      await tamper(`UPDATE $schema.audit_records SET hash = repeat('a', 64) WHERE event_id = $1`, [ids[3]]);

      expect(await records.verify(ORG_A)).toMatchObject({ intact: false, first_broken: { sequence: 4, event_id: ids[3], reason: 'hash_mismatch' } });
    });

    it('is walked in the background, which says so in its metrics and its log', async () => {
      const logged: Array<Record<string, unknown>> = [];
      const destination = new Writable({
        write(chunk, _encoding, done) {
          logged.push(JSON.parse(String(chunk)));
          done();
        },
      });
      const check = new AuditChainCheck(() => records.verify(), createLogger({ service: 'audit-spec', level: 'info', destination }), () => new Date('2031-01-01T00:00:00Z'));
      const metric = async (name: string) => (await register.getSingleMetricAsString(name)).split('\n').find((line) => line.startsWith(name));
      await check.check();
      expect(await metric('warden_audit_chain_broken')).toBe('warden_audit_chain_broken 0');
      expect(await metric('warden_audit_chain_records_checked')).toBe('warden_audit_chain_records_checked 6');
      expect(await metric('warden_audit_chain_last_check_timestamp_seconds')).toBe('warden_audit_chain_last_check_timestamp_seconds 1924992000');
      await tamper(`UPDATE $schema.audit_records SET hash = repeat('a', 64) WHERE event_id = $1`, [ids[3]]);
      await check.check();
      expect(await metric('warden_audit_chain_broken')).toBe('warden_audit_chain_broken 1');
      expect(logged.find((line) => line['msg'] === 'audit chain broken')).toMatchObject({ firstBroken: { chain: ORG_A, sequence: 4 } });
    });

    it('catches the deletion of the newest record against the chain head', async () => {
      await tamper(`DELETE FROM $schema.audit_records WHERE event_id = $1`, [ids[4]]);

      expect(await records.verify(ORG_A)).toMatchObject({ intact: false, first_broken: { sequence: 5, event_id: null, reason: 'missing_tail' } });
    });
  });
});

describe('the JetStream ingestor', () => {
  let nc: NatsConnection;
  let stream: string;
  let subjectPrefix: string;
  const ingestors: AuditIngestor[] = [];

  beforeEach(async () => {
    const id = uniqueTestId('auding');
    stream = `S_${id}`;
    subjectPrefix = `${id}.events`;
    nc = await connect({ servers: TEST_NATS_URL });
    await ensureEventsStream(await nc.jetstreamManager(), { stream, subjectPrefix, duplicateWindowMs: 60_000 });
  });

  afterEach(async () => {
    for (const ingestor of ingestors.splice(0)) await ingestor.stop();
    await deleteStreamQuietly(await nc.jetstreamManager(), stream);
    await nc.close();
  });

  function ingestor(repository = records): AuditIngestor {
    const instance = new AuditIngestor({ nats: nc, stream, subjectPrefix, records: repository, log: silentMessagingLog, durable: 'audit' });
    ingestors.push(instance);
    return instance;
  }

  async function publish(published: ReturnType<typeof event>, msgID = published.id): Promise<void> {
    await nc.jetstream().publish(eventSubject(subjectPrefix, published.service, published.type), encodePublishedEvent(published, published.service), { msgID });
  }

  const count = async () => Number((await sql(`SELECT count(*) FROM $schema.audit_records`))[0]!.count);

  it('two instances sharing the durable consumer build one intact chain, and a republished event is recorded once', async () => {
    await ingestor().start();
    await ingestor(new AuditRecordRepository(newPool(), schema)).start();
    const events = Array.from({ length: 60 }, () => event());
    for (const published of events) await publish(published);
    // past JetStream's deduplication (another message id): only the audit log can refuse it
    for (const published of events.slice(0, 10)) await publish(published, `again-${published.id}`);

    await pollUntil(async () => ingestors.reduce((sum, one) => sum + one.status().handled, 0) === 70, 'every message to be handled');
    expect(await count()).toBe(60);
    expect(ingestors.every((one) => one.status().handled > 0)).toBe(true);
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 60, chains: 1 });
  });

  it('catches up after downtime from its durable consumer, losing nothing', async () => {
    const first = ingestor();
    await first.start();
    const before = Array.from({ length: 3 }, () => event());
    for (const published of before) await publish(published);
    await pollUntil(async () => (await count()) === 3, 'the first events');
    await first.stop();

    const whileDown = Array.from({ length: 7 }, () => event({}, 'tokens'));
    for (const published of whileDown) await publish(published);
    expect(await count()).toBe(3);

    await ingestor().start();
    await pollUntil(async () => (await count()) === 10, 'the events published while down');
    const stored = await sql(`SELECT event_id::text FROM $schema.audit_records`);
    expect(stored.map((row) => row.event_id).sort()).toEqual([...before, ...whileDown].map((published) => published.id).sort());
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 10, chains: 1 });
  });
});

describe('the backfill from the event stores', () => {
  let usersSchema: string;
  let store: PostgresEventStore;
  let sources: SourceEventStores;

  beforeEach(async () => {
    usersSchema = `${schema}_users`;
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: usersSchema, logger: silentStoreLogger });
    // the tokens schema does not exist: a service not started yet is skipped, not created
    sources = new SourceEventStores(pool, [{ service: 'users', schema: usersSchema }, { service: 'tokens', schema: `${schema}_tokens` }], silentStoreLogger);
  });

  afterEach(async () => {
    await sources.close();
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(usersSchema)} CASCADE`);
  });

  const newEvent = (type: string, data: NewEvent['data'], organizationId = ORG_A): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: `corr-${randomUUID()}`, actorId: 'admin-1', actorType: 'user', organizationId },
  });

  it('records events that reached the store but never JetStream, once, from its checkpoint', async () => {
    const userId = randomUUID();
    // never relayed: there is no JetStream message for any of these
    await store.append({
      streamId: userStreamId(userId),
      expectedVersion: 'no_stream',
      events: [
        newEvent('UserCreated', { userId, organizationId: ORG_A, username: 'svc@acme', passwordHash: '$argon2id$secret-hash', roles: [], teams: [] }),
        newEvent('UserDeactivated', { userId, deactivatedAt: new Date().toISOString() }),
      ],
    });
    // one of them also came through JetStream already
    const [created] = await store.readStream(userStreamId(userId));
    await records.record(auditRecordOf({ ...created!, service: 'users' }));

    // Another test file's open transaction may hold the global log back: wait until it is readable.
    await readAllCommitted(store);
    const backfill = new AuditBackfill({ records, sources, log: silentMessagingLog, pageSize: 1 });
    const report = await backfill.run();

    expect(report.sources).toEqual([
      { service: 'users', read: 2, recorded: 1, checkpoint: expect.any(String) },
      { service: 'tokens', read: 0, recorded: 0, checkpoint: null },
    ]);
    expect(await sql(`SELECT to_regclass($1) AS missing`, [`${schema}_tokens.events`])).toEqual([{ missing: null }]);
    const stored = await sql(`SELECT event_type, data FROM $schema.audit_records ORDER BY chain_sequence`);
    expect(stored.map((row) => row.event_type)).toEqual(['UserCreated', 'UserDeactivated']);
    expect(JSON.stringify(stored)).not.toContain('secret-hash');
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 2, chains: 1 });

    // the next run starts from the checkpoint: it reads only what is new
    await store.append({ streamId: userStreamId(userId), expectedVersion: 2, events: [newEvent('UserReactivated', { userId, reactivatedAt: new Date().toISOString() })] });
    await readAllCommitted(store);
    expect((await backfill.run()).sources[0]).toMatchObject({ service: 'users', read: 1, recorded: 1 });
    expect((await backfill.run()).sources[0]).toMatchObject({ read: 0, recorded: 0 });
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 3, chains: 1 });
  });

  it('in the background, records what JetStream did not deliver once it is older than the settle window, and leaves younger events to the consumer', async () => {
    const userId = randomUUID();
    await store.append({
      streamId: userStreamId(userId),
      expectedVersion: 'no_stream',
      events: [newEvent('UserCreated', { userId, organizationId: ORG_A, username: 'svc@acme', passwordHash: '$argon2id$x', roles: [], teams: [] })],
    });
    await readAllCommitted(store);
    const [created] = await store.readStream(userStreamId(userId));
    const committedAt = Date.parse(created!.recordedAt);
    let now = committedAt + 1_000;
    const backfill = new AuditBackfill({ records, sources, log: silentMessagingLog, now: () => now });
    const recordedBefore = await backfillRecordedTotal('users');

    // committed a second ago: the consumer's, not yet the backfill's; the checkpoint stays before it
    expect((await backfill.run(5_000)).sources[0]).toEqual({ service: 'users', read: 0, recorded: 0, checkpoint: null });
    expect(await sql(`SELECT count(*)::int AS n FROM $schema.audit_records`)).toEqual([{ n: 0 }]);

    // never delivered, six seconds on: the backfill records it, and counts it
    now = committedAt + 6_000;
    expect((await backfill.run(5_000)).sources[0]).toEqual({ service: 'users', read: 1, recorded: 1, checkpoint: created!.position });
    expect(await sql(`SELECT event_id::text AS id FROM $schema.audit_records`)).toEqual([{ id: created!.id }]);
    expect((await backfillRecordedTotal('users')) - recordedBefore).toBe(1);

    // an event the consumer recorded in time is read, found recorded, and not counted
    await store.append({ streamId: userStreamId(userId), expectedVersion: 1, events: [newEvent('UserDeactivated', { userId, deactivatedAt: new Date().toISOString() })] });
    await readAllCommitted(store);
    const deactivated = (await store.readStream(userStreamId(userId)))[1]!;
    await records.record(auditRecordOf({ ...deactivated, service: 'users' }));
    now = Date.parse(deactivated.recordedAt) + 6_000;
    expect((await backfill.run(5_000)).sources[0]).toEqual({ service: 'users', read: 1, recorded: 0, checkpoint: deactivated.position });
    expect((await backfillRecordedTotal('users')) - recordedBefore).toBe(1);
    expect(await records.verify(ORG_A)).toEqual({ intact: true, records: 2, chains: 1 });
  });

  it('answers a user as of a moment by folding the store with the users decider', async () => {
    const userId = randomUUID();
    const at = new Date().toISOString();
    const [createdEvent] = userDecider.decide(
      { type: 'CreateUser', userId, organizationId: ORG_A, accountType: 'service_external', username: 'docusign@acme', roles: [], passwordHash: '$argon2id$x', at },
      { status: 'absent' },
    );
    const before = new Date(Date.now() - 1);
    await store.append({ streamId: userStreamId(userId), expectedVersion: 'no_stream', events: [newEvent(createdEvent!.type, createdEvent!.data)] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const whileActive = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.append({ streamId: userStreamId(userId), expectedVersion: 1, events: [newEvent('UserDeactivated', { userId, deactivatedAt: new Date().toISOString() })] });
    const asOf = new UserAsOf(sources, 'users');

    expect(await asOf.at({ user_id: userId, at: whileActive.toISOString(), organization_id: ORG_A })).toEqual({
      user_id: userId,
      at: whileActive.toISOString(),
      status: 'active',
      organization_id: ORG_A,
      account_type: 'service_external',
      username: 'docusign@acme',
      roles: [],
      teams: [],
      version: 1,
    });
    expect(await asOf.at({ user_id: userId, at: new Date().toISOString() })).toMatchObject({ status: 'deactivated', version: 2 });
    expect(await asOf.at({ user_id: userId, at: before.toISOString(), organization_id: ORG_A })).toMatchObject({ status: 'absent', version: 0 });
    // another organization's user is not found, at any moment
    await expect(asOf.at({ user_id: userId, at: whileActive.toISOString(), organization_id: ORG_B })).rejects.toMatchObject({ code: 'user_not_found' });
    await expect(asOf.at({ user_id: randomUUID(), at: whileActive.toISOString() })).rejects.toMatchObject({ code: 'user_not_found' });
  });
});

describe('audit queries', () => {
  const userId = randomUUID();
  const tokenId = randomUUID();
  let events: ReturnType<typeof event>[];

  beforeEach(async () => {
    const t0 = Date.UTC(2025, 5, 1, 12, 0, 0);
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    events = [
      event({ type: 'UserCreated', streamId: `user-${userId}`, recordedAt: at(0), data: { userId } }),
      event({ type: 'SessionStarted', streamId: `session-${randomUUID()}`, recordedAt: at(1), data: { userId, keyHash: 'k' }, metadata: { actorId: userId } }, 'tokens'),
      event({ type: 'TokenIssued', streamId: `token-${tokenId}`, recordedAt: at(2), data: { ownerId: userId }, metadata: { actorId: userId } }, 'tokens'),
      event({ type: 'UserDeactivated', streamId: `user-${userId}`, recordedAt: at(3), data: { userId } }),
      event({ type: 'UserCreated', streamId: `user-${randomUUID()}`, recordedAt: at(4), data: { userId: 'someone' }, metadata: { organizationId: ORG_B } }),
    ];
    // stored out of time order, as a late backfill would: queries go by event time
    for (const published of [events[3]!, events[0]!, events[2]!, events[1]!, events[4]!]) await records.record(auditRecordOf(published));
  });

  const ids = (page: { results: { event_id: string }[] }) => page.results.map((record) => record.event_id);

  it('filters by organization, actor, subject, type and time range', async () => {
    const base = { organization_id: ORG_A, limit: 50 };
    expect(ids(await records.list(base))).toEqual(events.slice(0, 4).map((e) => e.id));
    expect(ids(await records.list({ ...base, actor_id: userId }))).toEqual([events[1]!.id, events[2]!.id]);
    expect(ids(await records.list({ ...base, subject_id: userId }))).toEqual([events[0]!.id, events[1]!.id, events[3]!.id]);
    expect(ids(await records.list({ ...base, subject_id: tokenId }))).toEqual([events[2]!.id]);
    expect(ids(await records.list({ ...base, event_type: 'UserDeactivated' }))).toEqual([events[3]!.id]);
    expect(ids(await records.list({ ...base, from: events[1]!.recordedAt, to: events[3]!.recordedAt }))).toEqual([events[1]!.id, events[2]!.id]);
    expect(ids(await records.list({ organization_id: ORG_B, subject_id: userId, limit: 50 }))).toEqual([]);
  });

  it('pages with an opaque cursor, oldest or newest first', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await records.list({ organization_id: ORG_A, order: 'newest', limit: 3, cursor });
      seen.push(...ids(page));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(events.slice(0, 4).map((e) => e.id).reverse());

    const first = await records.list({ organization_id: ORG_A, order: 'oldest', limit: 2 });
    expect(first.next_cursor).not.toBeNull();
    await expect(records.list({ organization_id: ORG_A, order: 'newest', limit: 2, cursor: first.next_cursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
    await expect(records.list({ organization_id: ORG_A, limit: 2, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });

  it('shows each record with its place in the chain and no secret', async () => {
    const [record] = (await records.list({ organization_id: ORG_A, event_type: 'SessionStarted', limit: 1 })).results;
    expect(record).toMatchObject({ service: 'tokens', data: { userId, keyHash: '[redacted]' }, chain_sequence: 4 });
    expect(record!.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the audit schema migrations', () => {
  it('set aside the records of a database migrated before the chain, for the backfill to record again', async () => {
    const legacy = uniqueTestId('auditold');
    const s = quoteIdentifier(legacy);
    // what the earlier hand-written migration left: the table, and no migration history
    await pool.query(`CREATE SCHEMA ${s}`);
    await pool.query(
      `CREATE TABLE ${s}.audit_records (sequence bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, event_type text NOT NULL,
         service text NOT NULL, stream_id text NOT NULL, stream_version bigint NOT NULL, position text NOT NULL,
         recorded_at timestamptz NOT NULL, actor_id text, actor_type text, organization_id text, correlation_id text,
         client_address text, user_agent text, data jsonb NOT NULL, stored_at timestamptz NOT NULL DEFAULT now())`,
    );
    await pool.query(`CREATE INDEX audit_records_organization ON ${s}.audit_records (organization_id, sequence)`);
    await pool.query(
      `INSERT INTO ${s}.audit_records (event_id, event_type, service, stream_id, stream_version, position, recorded_at, data)
       VALUES ($1, 'UserCreated', 'users', 'user-1', 1, 'p', now(), '{}')`,
      [randomUUID()],
    );
    try {
      const repository = new AuditRecordRepository(pool, legacy);
      await repository.migrate();
      await repository.migrate();

      expect((await pool.query(`SELECT count(*)::int AS n FROM ${s}.audit_records_unchained`)).rows).toEqual([{ n: 1 }]);
      expect(await repository.record(auditRecordOf(event()))).toBe(true);
      expect(await repository.verify()).toEqual({ intact: true, records: 1, chains: 1 });
    } finally {
      await pool.query(`DROP SCHEMA ${s} CASCADE`);
    }
  });
});

/** The backfill's counter of events it had to record for `service`, as the metrics endpoint shows it. */
async function backfillRecordedTotal(service: string): Promise<number> {
  const metric = await register.getSingleMetric('warden_audit_backfill_recorded_total')?.get();
  return metric?.values.find((value) => value.labels.service === service)?.value ?? 0;
}
