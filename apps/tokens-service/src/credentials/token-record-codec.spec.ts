import fc from 'fast-check';
import type { TokenRecord } from './credential-read-model.projection';
import { decodeTokenRecord, encodeTokenRecord } from './token-record-codec';

const TOKEN_ID = '0193a5b2-7c1d-7e2f-8a3b-4c5d6e7f8091';
const instant = fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
const lastFour = fc.string({ minLength: 4, maxLength: 4 });
const secret = fc.record({ lastFour, issuedAt: instant, validUntil: fc.option(instant, { nil: null }) });

/** A token's record as the projection writes it: every field present, each at its default or not. */
const tokenRecord: fc.Arbitrary<TokenRecord> = fc
  .record({
    organizationId: fc.uuid(),
    ownerId: fc.uuid(),
    name: fc.string({ maxLength: 40 }),
    status: fc.constantFrom('active' as const, 'revoked' as const),
    visibility: fc.constantFrom('private' as const, 'public' as const),
    allowedOrigins: fc.array(fc.webUrl(), { maxLength: 3 }),
    expiresAt: fc.option(instant, { nil: null }),
    permissions: fc.option(fc.array(fc.constantFrom('tokens:read', 'tokens:write', 'users:read'), { maxLength: 3 }), { nil: null }),
    lastFour,
    createdAt: instant,
    // The one secret issued with the token, or a history of rotations (possibly empty once every secret ended).
    secrets: fc.option(fc.array(secret, { maxLength: 3 }), { nil: undefined }),
    lastUsedAt: fc.option(instant, { nil: null }),
    revokedAt: fc.option(instant, { nil: null }),
    rotatedAt: fc.option(instant, { nil: null }),
    disabledAt: fc.option(instant, { nil: null }),
    description: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    allowedIps: fc.array(fc.ipV4(), { maxLength: 2 }),
    rateLimit: fc.option(fc.record({ limit: fc.nat(), windowSeconds: fc.nat() }), { nil: null }),
    credits: fc.option(
      fc.record({
        amount: fc.nat(),
        refill: fc.option(fc.record({ amount: fc.nat(), intervalSeconds: fc.nat() }), { nil: null }),
        grant: fc.nat(),
        grantedAt: instant,
      }),
      { nil: null },
    ),
  })
  .map(({ secrets, ...fields }) => ({
    tokenId: TOKEN_ID,
    ...fields,
    secrets: secrets ?? [{ lastFour: fields.lastFour, issuedAt: fields.createdAt, validUntil: null }],
  }));

/** Plain objects, as JSON gives them (fast-check's records and dictionaries have prototypes of their own). */
const plainly = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The same fields in the order `tokenOps` writes them (the decoded record is compared key by key, order included). */
const inProjectionOrder = (record: TokenRecord): TokenRecord => plainly({
  tokenId: record.tokenId,
  organizationId: record.organizationId,
  ownerId: record.ownerId,
  name: record.name,
  status: record.status,
  visibility: record.visibility,
  allowedOrigins: record.allowedOrigins,
  expiresAt: record.expiresAt,
  permissions: record.permissions,
  lastFour: record.lastFour,
  secrets: record.secrets,
  createdAt: record.createdAt,
  lastUsedAt: record.lastUsedAt,
  revokedAt: record.revokedAt,
  rotatedAt: record.rotatedAt,
  disabledAt: record.disabledAt,
  description: record.description,
  metadata: record.metadata,
  allowedIps: record.allowedIps,
  rateLimit: record.rateLimit,
  credits: record.credits,
}) as TokenRecord;

describe('a token record as stored', () => {
  it('reads back exactly what was written, whichever fields are at their default', () => {
    fc.assert(
      fc.property(tokenRecord, (record) => {
        const decoded = decodeTokenRecord(TOKEN_ID, encodeTokenRecord(record));
        expect(decoded).toStrictEqual(inProjectionOrder(record));
        expect(Object.keys(decoded)).toEqual(Object.keys(inProjectionOrder(record)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('still reads a record kept as the whole JSON object', () => {
    fc.assert(fc.property(tokenRecord, (record) => expect(decodeTokenRecord(TOKEN_ID, JSON.stringify(record))).toStrictEqual(plainly(record))));
  });

  it('keeps a plain token in under a third of its JSON object, its id left to the key', () => {
    const plain: TokenRecord = inProjectionOrder({
      tokenId: TOKEN_ID,
      organizationId: '0193a5b2-0000-7000-8000-000000000001',
      ownerId: '0193a5b2-0000-7000-8000-000000000002',
      name: 'deploy bot',
      status: 'active',
      visibility: 'private',
      allowedOrigins: [],
      expiresAt: null,
      permissions: null,
      lastFour: 'a1B2',
      secrets: [{ lastFour: 'a1B2', issuedAt: '2026-12-04T10:00:00.000Z', validUntil: null }],
      createdAt: '2026-12-04T10:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
      rotatedAt: null,
      disabledAt: null,
      description: null,
      metadata: {},
      allowedIps: [],
      rateLimit: null,
      credits: null,
    });
    const stored = encodeTokenRecord(plain);
    expect(stored).toBe(
      '["0193a5b2-0000-7000-8000-000000000001","0193a5b2-0000-7000-8000-000000000002","deploy bot","active","private","a1B2","2026-12-04T10:00:00.000Z"]',
    );
    expect(stored.length * 3).toBeLessThan(JSON.stringify(plain).length);
    expect(stored).not.toContain(TOKEN_ID);
  });
});
