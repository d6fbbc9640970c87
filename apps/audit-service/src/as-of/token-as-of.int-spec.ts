import { principalOf } from '@warden/access';
// A token as of a moment, on real PostgreSQL: the tokens and users services' event stores
// folded up to that moment with their own deciders, answering differently before and
// after a rotation, an owner's deactivation and a revocation.
import { randomUUID } from 'node:crypto';
import { NewEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { DomainEvent } from '@warden/kernel';
import { TEST_DATABASE_URL, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { TokenCommand, TokenOwner, tokenDecider, tokenStreamId } from '@warden/tokens-domain';
import { organizationDecider, organizationStreamId, userDecider, userStreamId } from '@warden/users-domain';
import { Pool } from 'pg';
import { SourceEventStores } from '../backfill/source-event-stores';
import { TokenAsOf } from './token-as-of';

const ORG_A = randomUUID();
const ORG_B = randomUUID();
const HASH_1 = 'a'.repeat(64);
const HASH_2 = 'b'.repeat(64);

let pool: Pool;
let schema: string;
let tokensStore: PostgresEventStore;
let usersStore: PostgresEventStore;
let sources: SourceEventStores;
let asOf: TokenAsOf;

beforeEach(async () => {
  schema = uniqueTestId('tokenasof');
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  tokensStore = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: `${schema}_tokens`, logger: silentStoreLogger });
  usersStore = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema: `${schema}_users`, logger: silentStoreLogger });
  sources = new SourceEventStores(
    pool,
    [
      { service: 'users', schema: `${schema}_users` },
      { service: 'tokens', schema: `${schema}_tokens` },
    ],
    silentStoreLogger,
  );
  asOf = new TokenAsOf(sources, { tokens: 'tokens', users: 'users' });
});

afterEach(async () => {
  await sources.close();
  await tokensStore.close();
  await usersStore.close();
  for (const suffix of ['tokens', 'users']) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(`${schema}_${suffix}`)} CASCADE`);
  await pool.end();
});

const toNew = (event: DomainEvent, organizationId: string): NewEvent => ({
  id: randomUUID(),
  type: event.type,
  data: event.data,
  metadata: { correlationId: `corr-${randomUUID()}`, actorId: 'admin-1', actorType: 'user', organizationId },
});

/** Decides a command on the stream's current state and appends what it decided, as a service would. */
async function decideAndAppend<C, E extends DomainEvent, S>(
  store: PostgresEventStore,
  decider: { decide(command: C, state: S): E[]; evolve(state: S, event: E): S; initialState(): S },
  streamId: string,
  command: C,
  organizationId: string = ORG_A,
): Promise<void> {
  const recorded = await store.readStream(streamId);
  const state = recorded.map((event) => ({ type: event.type, data: event.data }) as E).reduce(decider.evolve, decider.initialState());
  const events = decider.decide(command, state);
  await store.append({
    streamId,
    expectedVersion: recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1]!.version,
    events: events.map((event) => toNew(event, organizationId)),
  });
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 25));
/** A moment strictly between what was recorded before it and what is recorded after. */
async function momentNow(): Promise<string> {
  await pause();
  const moment = new Date().toISOString();
  await pause();
  return moment;
}

async function serviceAccountWithToken(organizationId: string) {
  const ownerId = randomUUID();
  const tokenId = randomUUID();
  const at = new Date().toISOString();
  await decideAndAppend(usersStore, organizationDecider, organizationStreamId(organizationId), { type: 'CreateOrganization', organizationId, name: `org ${organizationId}`, maxTokenLifetimeSeconds: null, at }, organizationId);
  await decideAndAppend(
    usersStore,
    userDecider,
    userStreamId(ownerId),
    { type: 'CreateUser', userId: ownerId, organizationId, accountType: 'service_external', username: `svc-${ownerId.slice(0, 8)}@acme`, roles: [], passwordHash: null, at },
    organizationId,
  );
  const owner: TokenOwner = {
    userId: ownerId,
    organizationId,
    accountType: 'service_external',
    roles: [],
    teams: [],
    status: 'active',
    permissions: { 'users:read': 'organization' },
    isSuperAdmin: false,
    platformAdmin: false,
  };
  const issue: TokenCommand = {
    type: 'IssueToken',
    tokenId,
    organizationId,
    owner,
    name: 'DocuSign Connect',
    visibility: 'public',
    allowedOrigins: ['https://shop.example.com'],
    expiresAt: '2099-01-01T00:00:00.000Z',
    permissions: ['users:read'],
    secretHash: HASH_1,
    lastFour: 'a1B2',
    issuedAt: at,
    maxLifetimeSeconds: null,
    issuer: superAdminOf(organizationId),
  };
  await decideAndAppend(tokensStore, tokenDecider, tokenStreamId(tokenId), issue, organizationId);
  return { ownerId, tokenId, owner };
}

// The tenant's super admin, as the tokens service weighs a caller.
function superAdminOf(organizationId: string) {
  return principalOf({ userId: randomUUID(), organizationId, accountType: 'user', roles: ['WARDEN_SUPER_ADMIN'], teams: [], permissions: {}, isSuperAdmin: true, platformAdmin: false });
}

describe('a token as of a moment', () => {
  it('answers differently before issue, while valid, in a rotation grace, under an inactive owner and after revocation', async () => {
    const beforeIssue = await momentNow();
    const { ownerId, tokenId, owner } = await serviceAccountWithToken(ORG_A);
    const whileValid = await momentNow();
    await decideAndAppend(tokensStore, tokenDecider, tokenStreamId(tokenId), {
      type: 'RotateToken',
      secretHash: HASH_2,
      lastFour: 'c3D4',
      gracePeriodSeconds: 3600,
      at: new Date().toISOString(),
      rotatedBy: superAdminOf(ORG_A),
      owner,
    });
    const inGrace = await momentNow();
    await decideAndAppend(usersStore, userDecider, userStreamId(ownerId), { type: 'Deactivate', at: new Date().toISOString() });
    const ownerInactive = await momentNow();
    await decideAndAppend(usersStore, userDecider, userStreamId(ownerId), { type: 'Reactivate', at: new Date().toISOString() });
    await decideAndAppend(tokensStore, tokenDecider, tokenStreamId(tokenId), { type: 'RevokeToken', at: new Date().toISOString() });
    const afterRevocation = await momentNow();

    expect(await asOf.at({ token_id: tokenId, at: beforeIssue, organization_id: ORG_A })).toEqual({
      token_id: tokenId,
      at: beforeIssue,
      status: 'absent',
      valid: false,
      refusal: 'not_issued',
      organization_id: ORG_A,
      version: 0,
    });

    const valid = await asOf.at({ token_id: tokenId, at: whileValid, organization_id: ORG_A });
    expect(valid).toEqual({
      token_id: tokenId,
      at: whileValid,
      status: 'active',
      valid: true,
      organization_id: ORG_A,
      owner_id: ownerId,
      owner_status: 'active',
      name: 'DocuSign Connect',
      visibility: 'public',
      allowed_origins: ['https://shop.example.com'],
      permissions: ['users:read'],
      expires_at: '2099-01-01T00:00:00.000Z',
      max_token_lifetime_seconds: null,
      created_at: expect.any(String),
      revoked_at: null,
      rotated_at: null,
      last_used_at: null,
      secrets: [{ last_four: 'a1B2', issued_at: expect.any(String), valid_until: null, valid: true }],
      version: 1,
    });
    expect(JSON.stringify(valid)).not.toContain(HASH_1);

    expect(await asOf.at({ token_id: tokenId, at: inGrace, organization_id: ORG_A })).toMatchObject({
      status: 'rotated_in_grace',
      valid: true,
      secrets: [
        { last_four: 'a1B2', valid_until: expect.any(String), valid: true },
        { last_four: 'c3D4', valid_until: null, valid: true },
      ],
      version: 2,
    });
    const refusedForOwner = await asOf.at({ token_id: tokenId, at: ownerInactive, organization_id: ORG_A });
    expect(refusedForOwner).toMatchObject({ status: 'rotated_in_grace', valid: false, refusal: 'owner_inactive', owner_status: 'deactivated', version: 2 });

    const revoked = await asOf.at({ token_id: tokenId, at: afterRevocation, organization_id: ORG_A });
    expect(revoked).toMatchObject({ status: 'revoked', valid: false, refusal: 'revoked', owner_status: 'active', revoked_at: expect.any(String), version: 3 });
    expect(revoked.secrets!.every((secret) => !secret.valid)).toBe(true);
    // the platform admin asks without an organization
    expect(await asOf.at({ token_id: tokenId, at: whileValid })).toMatchObject({ status: 'active', valid: true });
  });

  it('does not find an unknown token, nor another organization\'s, at any moment', async () => {
    const { tokenId } = await serviceAccountWithToken(ORG_B);
    const later = await momentNow();

    await expect(asOf.at({ token_id: randomUUID(), at: later, organization_id: ORG_A })).rejects.toMatchObject({ code: 'token_not_found' });
    await expect(asOf.at({ token_id: tokenId, at: later, organization_id: ORG_A })).rejects.toMatchObject({ code: 'token_not_found' });
    expect(await asOf.at({ token_id: tokenId, at: later, organization_id: ORG_B })).toMatchObject({ status: 'active', valid: true });
  });

  it.each(['yesterday', '2025-13-45T99:00:00Z', '2025-03-04', '', '1700000000000'])('refuses at=%j as a validation error on at', async (at) => {
    const { tokenId } = await serviceAccountWithToken(ORG_A);

    await expect(asOf.at({ token_id: tokenId, at, organization_id: ORG_A })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'at', message: expect.any(String) }],
    });
  });
});
