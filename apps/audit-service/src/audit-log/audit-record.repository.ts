import {
  AuditChainVerification,
  AuditErrorCode,
  AuditEventsPage,
  AuditOrder,
  AuditRecordView,
  ListAuditEventsRequest,
  WardenError,
} from '@warden/contracts';
import { quoteIdentifier, runMigrations } from '@warden/event-store-postgres';
import { DatabaseError, Pool, PoolClient } from 'pg';
import { AUDIT_MIGRATIONS_COMPONENT, auditMigrations } from './audit-migrations';
import { AuditRecordContent, ChainVerifier, ChainedAuditRecord, GENESIS_HASH, chainOf, chainRecord } from './audit-chain';

const UNIQUE_VIOLATION = '23505';
const VERIFY_PAGE_SIZE = 1000;

/** The audit service's own append-only, hash-chained store, in its PostgreSQL schema. */
export class AuditRecordRepository {
  private readonly records: string;
  private readonly heads: string;
  private readonly checkpoints: string;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    const s = quoteIdentifier(schema);
    this.records = `${s}.audit_records`;
    this.heads = `${s}.audit_chain_heads`;
    this.checkpoints = `${s}.audit_backfill_checkpoints`;
  }

  async migrate(): Promise<void> {
    await runMigrations(this.pool, this.schema, AUDIT_MIGRATIONS_COMPONENT, auditMigrations);
  }

  /**
   * Appends the record to its organization's chain. The chain head row is locked for the
   * transaction, so instances appending to one chain at once take turns, and a redelivered
   * event changes nothing, the chain included: seen already when the head was locked, or,
   * recorded by another instance while this one waited for the lock, refused by the
   * unique event id and rolled back. Returns whether the record was new. Four round trips:
   * each one is a socket write on both sides, and the head stays locked across them.
   */
  async record(content: AuditRecordContent): Promise<boolean> {
    const chain = chainOf(content.organizationId);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      let head = await this.lockedHead(client, chain, content.eventId);
      if (!head) {
        // The chain's first record: its head is made, then locked as any other.
        await client.query(
          `INSERT INTO ${this.heads} (chain, last_sequence, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING`,
          [chain, GENESIS_HASH],
        );
        head = (await this.lockedHead(client, chain, content.eventId))!;
      }
      if (head.known) {
        await client.query('ROLLBACK');
        return false;
      }
      const chained = chainRecord(content, Number(head.last_sequence) + 1, head.last_hash);
      await this.insertAndAdvance(client, chained);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The same event id in another chain cannot be told apart from a replay: keep the first.
      if (error instanceof DatabaseError && error.code === UNIQUE_VIOLATION && error.constraint === 'audit_records_event_id_key') return false;
      throw error;
    } finally {
      client.release();
    }
  }

  /** Which of these event ids the log holds no record of, in one indexed query. */
  async unrecorded(eventIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM ${this.records} WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    const recorded = new Set(rows.map((row) => row.event_id));
    return new Set(eventIds.filter((id) => !recorded.has(id)));
  }

  /** Keyset pages in event time (then storage order); the cursor is opaque to callers. */
  async list(query: ListAuditEventsRequest): Promise<AuditEventsPage> {
    const order: AuditOrder = query.order ?? 'oldest';
    const conditions: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (query.organization_id !== undefined) conditions.push(`organization_id = ${param(query.organization_id)}`);
    if (query.actor_id !== undefined) conditions.push(`actor_id = ${param(query.actor_id)}`);
    if (query.event_type !== undefined) conditions.push(`event_type = ${param(query.event_type)}`);
    if (query.correlation_id !== undefined) conditions.push(`correlation_id = ${param(query.correlation_id)}`);
    if (query.from !== undefined) conditions.push(`recorded_at >= ${param(query.from)}::timestamptz`);
    if (query.to !== undefined) conditions.push(`recorded_at < ${param(query.to)}::timestamptz`);
    if (query.subject_id !== undefined) {
      const id = query.subject_id;
      const streams = param([`user-${id}`, `token-${id}`, `session-${id}`]);
      const subject = param(id);
      conditions.push(
        `(stream_id = ANY(${streams}::text[]) OR data->>'userId' = ${subject} OR data->>'tokenId' = ${subject} OR data->>'sessionId' = ${subject})`,
      );
    }
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, order);
      conditions.push(`(recorded_at, sequence) ${order === 'oldest' ? '>' : '<'} (${param(cursor.recordedAt)}::timestamptz, ${param(cursor.sequence)}::bigint)`);
    }
    const direction = order === 'oldest' ? 'ASC' : 'DESC';
    const limit = param(query.limit + 1);
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT ${ROW_COLUMNS} FROM ${this.records} r ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY r.recorded_at ${direction}, r.sequence ${direction} LIMIT ${limit}`,
      values,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      results: page.map((row) => toView(toRecord(row))),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ order, recordedAt: last.recorded_at.toISOString(), sequence: last.sequence }) : null,
    };
  }

  /**
   * Walks each chain (one, or every one) in chain order inside one read-only snapshot, so
   * appends running meanwhile neither show up half-way nor look like a missing tail.
   */
  async verify(chain?: string): Promise<AuditChainVerification> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // Before the snapshot: a verification meeting a replay's swap waits for it and then
      // reads the swapped-in tables with a snapshot that sees them (heads first, as the swap).
      await client.query(`LOCK TABLE ${this.heads}, ${this.records} IN ACCESS SHARE MODE`);
      const { rows: heads } = await client.query<{ chain: string; last_sequence: string }>(
        `SELECT chain, last_sequence::text FROM ${this.heads} ${chain === undefined ? '' : 'WHERE chain = $1'} ORDER BY chain`,
        chain === undefined ? [] : [chain],
      );
      // A chain whose head was removed still has records to check.
      const { rows: headless } = await client.query<{ chain: string }>(
        `SELECT DISTINCT chain FROM ${this.records} r
         WHERE ${chain === undefined ? 'TRUE' : 'r.chain = $1'} AND NOT EXISTS (SELECT 1 FROM ${this.heads} h WHERE h.chain = r.chain)`,
        chain === undefined ? [] : [chain],
      );
      const chains = [
        ...heads.map((head) => ({ chain: head.chain, headSequence: Number(head.last_sequence) })),
        ...headless.map((row) => ({ chain: row.chain, headSequence: 0 })),
      ];
      let records = 0;
      for (const { chain: name, headSequence } of chains) {
        const verifier = await this.verifyChain(client, name);
        records += verifier.records;
        const broken = verifier.finish(headSequence);
        if (broken) return { intact: false, records, chains: chains.length, first_broken: broken };
      }
      return { intact: true, records, chains: chains.length };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  async backfillCheckpoint(service: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.checkpoints} WHERE service = $1`, [service]);
    return rows[0]?.position;
  }

  async saveBackfillCheckpoint(service: string, position: string): Promise<void> {
    // Never backwards: two instances backfilling at once may finish pages out of order.
    await this.pool.query(
      `INSERT INTO ${this.checkpoints} (service, position) VALUES ($1, $2)
       ON CONFLICT (service) DO UPDATE SET position = excluded.position, updated_at = now()
       WHERE ${this.checkpoints}.position < excluded.position`,
      [service, position],
    );
  }

  private async verifyChain(client: PoolClient, chain: string): Promise<ChainVerifier> {
    const verifier = new ChainVerifier(chain);
    let after = 0;
    for (;;) {
      const { rows } = await client.query<AuditRow>(
        `SELECT ${ROW_COLUMNS} FROM ${this.records} r WHERE r.chain = $1 AND r.chain_sequence > $2 ORDER BY r.chain_sequence LIMIT $3`,
        [chain, after, VERIFY_PAGE_SIZE],
      );
      if (!verifier.check(rows.map(toRecord)) || rows.length < VERIFY_PAGE_SIZE) return verifier;
      after = Number(rows[rows.length - 1]!.chain_sequence);
    }
  }

  /** The chain's head, locked for the transaction, and whether the event is recorded already; null when the chain has none yet. */
  private async lockedHead(
    client: PoolClient,
    chain: string,
    eventId: string,
  ): Promise<{ last_sequence: string; last_hash: string; known: boolean } | null> {
    const { rows } = await client.query<{ last_sequence: string; last_hash: string; known: boolean }>(
      `SELECT last_sequence::text, last_hash, EXISTS (SELECT 1 FROM ${this.records} WHERE event_id = $2) AS known
       FROM ${this.heads} WHERE chain = $1 FOR UPDATE`,
      [chain, eventId],
    );
    return rows[0] ?? null;
  }

  /** Inserts the chained record and moves its chain's head to it, in one statement. */
  private async insertAndAdvance(client: PoolClient, record: ChainedAuditRecord): Promise<void> {
    await client.query(
      `WITH recorded AS (
         INSERT INTO ${this.records} (chain, chain_sequence, event_id, event_type, service, stream_id, stream_version, position,
           recorded_at, actor_id, actor_type, organization_id, correlation_id, client_address, user_agent, data, previous_hash, hash,
           schema_version, actor_credential_kind, actor_credential_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
         RETURNING chain, chain_sequence, hash
       )
       UPDATE ${this.heads} h SET last_sequence = recorded.chain_sequence, last_hash = recorded.hash
       FROM recorded WHERE h.chain = recorded.chain`,
      [
        record.chain,
        record.chainSequence,
        record.eventId,
        record.eventType,
        record.service,
        record.streamId,
        record.streamVersion,
        record.position,
        record.recordedAt,
        record.actorId,
        record.actorType,
        record.organizationId,
        record.correlationId,
        record.clientAddress,
        record.userAgent,
        JSON.stringify(record.data),
        record.previousHash,
        record.hash,
        record.schemaVersion,
        record.actorCredentialKind,
        record.actorCredentialId,
      ],
    );
  }
}

// Qualified, and ORDER BY must qualify too: a bare name there would sort by these text aliases.
const ROW_COLUMNS = `r.sequence::text AS sequence, r.chain, r.chain_sequence::text AS chain_sequence, r.event_id::text AS event_id,
  r.event_type, r.schema_version, r.service, r.stream_id, r.stream_version::text AS stream_version, r.position, r.recorded_at, r.actor_id,
  r.actor_type, r.organization_id, r.correlation_id, r.client_address, r.user_agent, r.data, r.previous_hash, r.hash,
  r.actor_credential_kind, r.actor_credential_id`;

interface AuditRow {
  sequence: string;
  chain: string;
  chain_sequence: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  service: string;
  stream_id: string;
  stream_version: string;
  position: string;
  recorded_at: Date;
  actor_id: string | null;
  actor_type: string | null;
  organization_id: string | null;
  correlation_id: string | null;
  client_address: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
  previous_hash: string;
  hash: string;
  actor_credential_kind: string | null;
  actor_credential_id: string | null;
}

function toRecord(row: AuditRow): ChainedAuditRecord {
  return {
    chain: row.chain,
    chainSequence: Number(row.chain_sequence),
    eventId: row.event_id,
    eventType: row.event_type,
    schemaVersion: row.schema_version,
    service: row.service,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    position: row.position,
    recordedAt: row.recorded_at.toISOString(),
    actorId: row.actor_id,
    actorType: row.actor_type,
    organizationId: row.organization_id,
    correlationId: row.correlation_id,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    actorCredentialKind: row.actor_credential_kind,
    actorCredentialId: row.actor_credential_id,
    data: row.data,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

export function toView(record: ChainedAuditRecord): AuditRecordView {
  return {
    event_id: record.eventId,
    event_type: record.eventType,
    schema_version: record.schemaVersion,
    service: record.service,
    stream_id: record.streamId,
    stream_version: record.streamVersion,
    position: record.position,
    recorded_at: record.recordedAt,
    actor_id: record.actorId,
    actor_type: record.actorType,
    organization_id: record.organizationId,
    correlation_id: record.correlationId,
    client_address: record.clientAddress,
    user_agent: record.userAgent,
    actor_credential: record.actorCredentialId === null ? null : { kind: record.actorCredentialKind ?? 'unknown', id: record.actorCredentialId },
    data: record.data,
    chain_sequence: record.chainSequence,
    previous_hash: record.previousHash,
    hash: record.hash,
  };
}

interface AuditCursor {
  order: AuditOrder;
  recordedAt: string;
  sequence: string;
}

export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.order}|${cursor.recordedAt}|${cursor.sequence}`).toString('base64url');
}

/** A cursor is only valid for the order it was issued in. */
export function decodeCursor(cursor: string, order: AuditOrder): AuditCursor {
  const match = /^(oldest|newest)\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match || match[1] !== order || Number.isNaN(Date.parse(match[2]!))) {
    throw new WardenError(AuditErrorCode.InvalidCursor, 'the cursor is not one this API returned for this order', [
      { field: 'cursor', message: 'must be a next_cursor value from a previous page of the same query' },
    ]);
  }
  return { order, recordedAt: match[2]!, sequence: match[3]! };
}
