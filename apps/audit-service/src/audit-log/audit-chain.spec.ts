import { AuditRecordContent, ChainVerifier, ChainedAuditRecord, GENESIS_HASH, auditRecordHash, chainOf, chainRecord } from './audit-chain';

const ORG = '0190f0c0-0000-7000-8000-000000000001';
// auditRecordHash(content(1), ORG, 1, GENESIS_HASH) as computed before records kept the actor's credential.
const LEGACY_HASH_OF_FIRST_RECORD = 'ebc2769d66be418f3ce801cd8259fc26eca679a0fd59fb31967a5b1407d8ad19';

function content(index: number, organizationId: string | null = ORG): AuditRecordContent {
  return {
    eventId: `0190f0c0-0000-7000-8000-${String(index).padStart(12, '0')}`,
    eventType: 'UserCreated',
    schemaVersion: 1,
    service: 'users',
    streamId: `user-${index}`,
    streamVersion: 1,
    position: `${String(index).padStart(20, '0')}:${String(index).padStart(20, '0')}`,
    recordedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
    actorId: 'admin',
    actorType: 'user',
    organizationId,
    correlationId: `corr-${index}`,
    clientAddress: '127.0.0.1',
    userAgent: 'jest',
    actorCredentialKind: null,
    actorCredentialId: null,
    data: { userId: `u-${index}`, roles: ['WARDEN_MEMBER'], passwordHash: '[redacted]' },
  };
}

function chainOfLength(length: number): ChainedAuditRecord[] {
  const records: ChainedAuditRecord[] = [];
  for (let index = 1; index <= length; index++) {
    records.push(chainRecord(content(index), index, records[index - 2]?.hash ?? GENESIS_HASH));
  }
  return records;
}

function verify(records: ChainedAuditRecord[], headSequence = records.length) {
  const verifier = new ChainVerifier(ORG);
  verifier.check(records);
  return { broken: verifier.finish(headSequence), records: verifier.records };
}

describe('the audit hash chain', () => {
  it('chains records without an organization under the platform chain', () => {
    expect(chainOf(ORG)).toBe(ORG);
    expect(chainOf(null)).toBe('platform');
  });

  it('hashes the same content the same way whatever the key order of its data', () => {
    const first = content(1);
    const reordered = { ...first, data: { passwordHash: '[redacted]', roles: ['WARDEN_MEMBER'], userId: 'u-1' } };

    expect(auditRecordHash(reordered, ORG, 1, GENESIS_HASH)).toBe(auditRecordHash(first, ORG, 1, GENESIS_HASH));
    expect(auditRecordHash(first, ORG, 1, GENESIS_HASH)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a different hash when any field, the place in the chain or the previous hash differs', () => {
    const base = auditRecordHash(content(1), ORG, 1, GENESIS_HASH);

    expect(auditRecordHash({ ...content(1), actorId: 'someone-else' }, ORG, 1, GENESIS_HASH)).not.toBe(base);
    expect(auditRecordHash({ ...content(1), data: { userId: 'u-2' } }, ORG, 1, GENESIS_HASH)).not.toBe(base);
    expect(auditRecordHash(content(1), ORG, 2, GENESIS_HASH)).not.toBe(base);
    expect(auditRecordHash(content(1), ORG, 1, 'f'.repeat(64))).not.toBe(base);
    const withToken = { ...content(1), actorCredentialKind: 'api_token', actorCredentialId: 'token-1' };
    expect(auditRecordHash(withToken, ORG, 1, GENESIS_HASH)).not.toBe(base);
    expect(auditRecordHash({ ...withToken, actorCredentialId: 'token-2' }, ORG, 1, GENESIS_HASH)).not.toBe(auditRecordHash(withToken, ORG, 1, GENESIS_HASH));
  });

  it('hashes a record without a credential as records were hashed before the audit log kept one', () => {
    // The hash of content(1), computed before actorCredentialKind/actorCredentialId existed.
    const { actorCredentialKind: _kind, actorCredentialId: _id, ...before } = content(1);
    expect(Object.keys(before)).not.toContain('actorCredentialId');
    expect(auditRecordHash(content(1), ORG, 1, GENESIS_HASH)).toBe(LEGACY_HASH_OF_FIRST_RECORD);
  });

  it('hashes a record of schema version 1 as records were hashed before versions were recorded, and covers a later version', () => {
    // The hash of content(1) as the chain computed it when records had no schema version.
    expect(auditRecordHash(content(1), ORG, 1, GENESIS_HASH)).toBe('ebc2769d66be418f3ce801cd8259fc26eca679a0fd59fb31967a5b1407d8ad19');

    const second = auditRecordHash({ ...content(1), schemaVersion: 2 }, ORG, 1, GENESIS_HASH);
    expect(second).not.toBe(auditRecordHash(content(1), ORG, 1, GENESIS_HASH));
    expect(auditRecordHash({ ...content(1), schemaVersion: 3 }, ORG, 1, GENESIS_HASH)).not.toBe(second);
  });

  it('verifies an untouched chain, page by page', () => {
    const records = chainOfLength(5);
    const verifier = new ChainVerifier(ORG);

    expect(verifier.check(records.slice(0, 2))).toBe(true);
    expect(verifier.check(records.slice(2))).toBe(true);
    expect(verifier.finish(5)).toBeUndefined();
    expect(verifier.records).toBe(5);
  });

  it('names the record whose data was altered', () => {
    const records = chainOfLength(5);
    records[2] = { ...records[2]!, data: { ...records[2]!.data, roles: ['WARDEN_SUPER_ADMIN'] } };

    expect(verify(records)).toEqual({
      broken: { chain: ORG, sequence: 3, event_id: records[2]!.eventId, reason: 'hash_mismatch' },
      records: 2,
    });
  });

  it('names the record after a deleted one', () => {
    const records = chainOfLength(5);
    records.splice(1, 1);

    expect(verify(records, 5).broken).toEqual({ chain: ORG, sequence: 3, event_id: records[1]!.eventId, reason: 'sequence_gap' });
  });

  it('catches a rewritten hash at the next record, whose previous hash no longer matches', () => {
    const records = chainOfLength(4);
    // a forger recomputes record 2 with new data: its own hash fits, the link to record 3 does not
    records[1] = chainRecord({ ...content(2), actorId: 'forged' }, 2, records[0]!.hash);

    expect(verify(records).broken).toEqual({ chain: ORG, sequence: 3, event_id: records[2]!.eventId, reason: 'previous_hash_mismatch' });
  });

  it('catches a stored hash changed by hand at that record', () => {
    const records = chainOfLength(3);
    records[1] = { ...records[1]!, hash: 'a'.repeat(64) };

    expect(verify(records).broken).toMatchObject({ sequence: 2, reason: 'hash_mismatch' });
  });

  it('catches the deletion of the last records against the chain head', () => {
    const records = chainOfLength(4);

    expect(verify(records.slice(0, 3), 4).broken).toEqual({ chain: ORG, sequence: 4, event_id: null, reason: 'missing_tail' });
  });

  it('stops at the first break and checks nothing after it', () => {
    const records = chainOfLength(4);
    records[0] = { ...records[0]!, correlationId: 'changed' };
    records[3] = { ...records[3]!, correlationId: 'changed too' };

    expect(verify(records)).toMatchObject({ broken: { sequence: 1 }, records: 0 });
  });
});
