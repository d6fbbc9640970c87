// The hash chain of the audit log: each record's hash covers its content and the hash of
// the record before it in the same chain (one chain per organization, and `platform` for
// records without one). Altering, removing or reordering a record breaks every hash after
// it; verification names the first record that no longer fits.
import { createHash } from 'node:crypto';
import { AuditChainBreak, PLATFORM_AUDIT_CHAIN } from '@warden/contracts';
import { canonicalJson } from './canonical-json';

/** The previous hash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the audit log keeps of one event (secrets are removed before this point). */
export interface AuditRecordContent {
  eventId: string;
  eventType: string;
  /** The version of the event type's shape that `data` has, as the store holds it. */
  schemaVersion: number;
  service: string;
  streamId: string;
  streamVersion: number;
  position: string;
  /** ISO-8601 with milliseconds, as the store records it. */
  recordedAt: string;
  actorId: string | null;
  actorType: string | null;
  organizationId: string | null;
  correlationId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  /** The credential the actor acted through, when it acted through one. */
  actorCredentialKind: string | null;
  actorCredentialId: string | null;
  data: Record<string, unknown>;
}

/** A record with its place in its chain, as stored. */
export interface ChainedAuditRecord extends AuditRecordContent {
  chain: string;
  chainSequence: number;
  previousHash: string;
  hash: string;
}

export function chainOf(organizationId: string | null): string {
  return organizationId ?? PLATFORM_AUDIT_CHAIN;
}

/** SHA-256 (hex) over the canonical serialization of the record, its place and the previous hash. */
export function auditRecordHash(content: AuditRecordContent, chain: string, chainSequence: number, previousHash: string): string {
  const hashed = {
    chain,
    chainSequence,
    previousHash,
    eventId: content.eventId,
    eventType: content.eventType,
    // Only past version 1: the records of version 1, every one made before versions were
    // recorded among them, hash as they always did.
    ...(content.schemaVersion !== 1 && { schemaVersion: content.schemaVersion }),
    service: content.service,
    streamId: content.streamId,
    streamVersion: content.streamVersion,
    position: content.position,
    recordedAt: content.recordedAt,
    actorId: content.actorId,
    actorType: content.actorType,
    organizationId: content.organizationId,
    correlationId: content.correlationId,
    clientAddress: content.clientAddress,
    userAgent: content.userAgent,
    // Hashed only when present: records chained before the audit log kept the credential keep their hashes.
    ...(content.actorCredentialId !== null && { actorCredentialKind: content.actorCredentialKind, actorCredentialId: content.actorCredentialId }),
    data: content.data,
  };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}

export function chainRecord(content: AuditRecordContent, chainSequence: number, previousHash: string): ChainedAuditRecord {
  const chain = chainOf(content.organizationId);
  return { ...content, chain, chainSequence, previousHash, hash: auditRecordHash(content, chain, chainSequence, previousHash) };
}

/**
 * Walks one chain in order, a page at a time (a chain may not fit in memory), and stops
 * at the first record that does not fit. `finish` compares the end with the chain head,
 * which catches the deletion of the last records.
 */
export class ChainVerifier {
  private expectedSequence = 1;
  private previousHash = GENESIS_HASH;
  private checked = 0;
  private broken: AuditChainBreak | undefined;

  constructor(readonly chain: string) {}

  get records(): number {
    return this.checked;
  }

  get firstBroken(): AuditChainBreak | undefined {
    return this.broken;
  }

  /** Feeds the next records in chain order; returns false once the chain is known broken. */
  check(records: Iterable<ChainedAuditRecord>): boolean {
    for (const record of records) {
      if (this.broken) return false;
      this.broken = this.fault(record);
      if (this.broken) return false;
      this.checked += 1;
      this.expectedSequence = record.chainSequence + 1;
      this.previousHash = record.hash;
    }
    return this.broken === undefined;
  }

  /** `headSequence`: how many records the chain head says were appended. */
  finish(headSequence: number): AuditChainBreak | undefined {
    if (!this.broken && headSequence >= this.expectedSequence) {
      this.broken = { chain: this.chain, sequence: this.expectedSequence, event_id: null, reason: 'missing_tail' };
    }
    return this.broken;
  }

  private fault(record: ChainedAuditRecord): AuditChainBreak | undefined {
    const at = (reason: AuditChainBreak['reason']): AuditChainBreak => ({
      chain: this.chain,
      sequence: record.chainSequence,
      event_id: record.eventId,
      reason,
    });
    if (record.chain !== this.chain) return at('hash_mismatch');
    if (record.chainSequence !== this.expectedSequence) return at('sequence_gap');
    if (record.previousHash !== this.previousHash) return at('previous_hash_mismatch');
    if (auditRecordHash(record, this.chain, record.chainSequence, record.previousHash) !== record.hash) return at('hash_mismatch');
    return undefined;
  }
}
