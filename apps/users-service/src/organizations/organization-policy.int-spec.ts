// An organization's access_token_lifetime_seconds, from its settings to the policy record the
// token endpoint reads in Redis: set at creation, changed by an update, kept when an update
// leaves it out, and 900 for an organization stored before the setting existed.
import { randomUUID } from 'node:crypto';
import { OrganizationPolicyRecord, PrincipalView, RequestContext, UsersErrorCode, organizationPoliciesKey } from '@warden/contracts';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { RedisProjectionRunner, silentMessagingLog } from '@warden/messaging';
import { TEST_DATABASE_URL, TEST_REDIS_URL, deleteRedisPrefix, pollUntil, principalViewOf, uniqueTestId } from '@warden/testing';
import { accountAccessOf, organizationStreamId } from '@warden/users-domain';
import Redis from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { bootstrapPlatform } from '../bootstrap/platform-bootstrap';
import { PlatformIdentity } from '../bootstrap/platform-identity';
import { PasswordHasher } from '../passwords/password-hasher';
import { ListingProjection } from '../read-models/listing.projection';
import { PrincipalRecordProjection } from '../read-models/principal-record.projection';
import { ReadModels } from '../read-models/read-models';
import { OrganizationsService } from './organizations.service';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

// The token lifecycle settings of an organization that sets none.
const LIFECYCLE_DEFAULTS = { expiryWarningLeadSeconds: [604_800, 86_400], leakedTokenAction: 'revoke', disableUnusedAfterDays: null };

describe("an organization's access-token lifetime", () => {
  let store: PostgresEventStore;
  let redis: Redis;
  let readModels: ReadModels;
  let listing: ListingProjection;
  let schema: string;
  let organizations: OrganizationsService;
  let platform: RequestContext;
  let rootOrganizationId: string;

  beforeEach(async () => {
    schema = uniqueTestId('orgpolicy');
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: quiet, poolSize: 8 });
    redis = new Redis(TEST_REDIS_URL);
    const identity = new PlatformIdentity();
    const hasher = new PasswordHasher();
    listing = new ListingProjection(store.pool, schema);
    const principals = new RedisProjectionRunner({ redis, projection: new PrincipalRecordProjection(`${schema}:`, store, identity), store, log: silentMessagingLog });
    readModels = new ReadModels({ store, principals, listing, log: silentMessagingLog });
    const ctx = { store, pool: store.pool, listing, readModels, hasher, identity, ownedTokens: { count: async () => 0 }, tokenIssuer: { issue: () => Promise.reject(new Error('no tokens service in this test')) }, clock: () => new Date() };
    const root = await bootstrapPlatform(store, hasher, { adminUsername: 'admin', adminPassword: 'correct horse battery staple 42', announce: () => undefined });
    identity.rootOrganizationId = rootOrganizationId = root.rootOrganizationId;
    await readModels.start();
    platform = { correlationId: 'int', actorType: 'user', actorId: root.adminUserId, principal: superAdminOf(root.rootOrganizationId, root.adminUserId) };
    organizations = new OrganizationsService(ctx);
  });

  afterEach(async () => {
    await readModels.stop();
    await deleteRedisPrefix(redis, `${schema}:`);
    redis.disconnect();
    await store.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await store.close();
  });

  const superAdminOf = (organizationId: string, userId: string): PrincipalView =>
    principalViewOf(accountAccessOf({ id: userId, organizationId, accountType: 'user', roles: ['WARDEN_SUPER_ADMIN'], teams: [] }, [], rootOrganizationId));
  const adminOf = (organizationId: string): RequestContext => {
    const principal = superAdminOf(organizationId, uuidv7());
    return { correlationId: 'int', actorType: 'user', actorId: principal.userId, organizationId, principal };
  };
  const policyOf = async (organizationId: string): Promise<OrganizationPolicyRecord | null> => {
    const json = await redis.hget(organizationPoliciesKey(`${schema}:`), organizationId);
    return json === null ? null : (JSON.parse(json) as OrganizationPolicyRecord);
  };

  it('is 900 seconds by default, in the view and in the policy record', async () => {
    const acme = await organizations.create({ context: platform, payload: { name: 'Acme' } });
    expect(acme.settings.access_token_lifetime_seconds).toBe(900);
    expect(await policyOf(acme.id)).toEqual({ organizationId: acme.id, maxTokenLifetimeSeconds: 90 * 86_400, accessTokenLifetimeSeconds: 900, ...LIFECYCLE_DEFAULTS });
  });

  it('is carried to the policy record when set at creation and when its admin changes it, and kept when an update leaves it out', async () => {
    const acme = await organizations.create({ context: platform, payload: { name: 'Acme', settings: { access_token_lifetime_seconds: 300, max_token_lifetime_seconds: 3600 } } });
    expect(acme.settings.access_token_lifetime_seconds).toBe(300);
    expect(await policyOf(acme.id)).toMatchObject({ maxTokenLifetimeSeconds: 3600, accessTokenLifetimeSeconds: 300, ...LIFECYCLE_DEFAULTS });

    const admin = adminOf(acme.id);
    const changed = await organizations.update({ context: admin, payload: { id: acme.id, settings: { access_token_lifetime_seconds: 120 } } });
    expect(changed.settings).toMatchObject({ access_token_lifetime_seconds: 120, max_token_lifetime_seconds: 3600 });
    expect(await policyOf(acme.id)).toEqual({ organizationId: acme.id, maxTokenLifetimeSeconds: 3600, accessTokenLifetimeSeconds: 120, ...LIFECYCLE_DEFAULTS });

    const other = await organizations.update({ context: admin, payload: { id: acme.id, settings: { max_token_lifetime_seconds: 60 } } });
    expect(other.settings.access_token_lifetime_seconds).toBe(120);
    expect(await policyOf(acme.id)).toEqual({ organizationId: acme.id, maxTokenLifetimeSeconds: 60, accessTokenLifetimeSeconds: 120, ...LIFECYCLE_DEFAULTS });
    expect((await organizations.get({ context: admin, payload: { id: acme.id } })).settings.access_token_lifetime_seconds).toBe(120);
  });

  it('refuses a value out of bounds, naming the field, and keeps the setting', async () => {
    const acme = await organizations.create({ context: platform, payload: { name: 'Acme' } });
    const admin = adminOf(acme.id);
    for (const value of [30, 1_000_000, 'abc']) {
      await expect(
        organizations.update({ context: admin, payload: { id: acme.id, settings: { access_token_lifetime_seconds: value as number } } }),
      ).rejects.toMatchObject({ code: 'validation_failed', errors: expect.arrayContaining([expect.objectContaining({ field: 'access_token_lifetime_seconds' })]) });
    }
    // null is no lifetime: the decider refuses it (the body's validation lets an optional field be null).
    await expect(
      organizations.update({ context: admin, payload: { id: acme.id, settings: { access_token_lifetime_seconds: null as unknown as number } } }),
    ).rejects.toMatchObject({ code: UsersErrorCode.InvalidOrganizationSettings, errors: [expect.objectContaining({ field: 'settings.access_token_lifetime_seconds' })] });
    expect((await organizations.get({ context: admin, payload: { id: acme.id } })).settings.access_token_lifetime_seconds).toBe(900);
    expect(await policyOf(acme.id)).toMatchObject({ accessTokenLifetimeSeconds: 900, ...LIFECYCLE_DEFAULTS });
  });

  it('carries the token lifecycle settings (expiry warnings, leaked tokens, unused tokens) to the view and the policy record', async () => {
    const acme = await organizations.create({ context: platform, payload: { name: 'Acme', settings: { leaked_token_action: 'disable' } } });
    expect(acme.settings).toMatchObject({ expiry_warning_lead_seconds: [604_800, 86_400], leaked_token_action: 'disable', disable_unused_after_days: null });
    const admin = adminOf(acme.id);
    const changed = await organizations.update({
      context: admin,
      payload: { id: acme.id, settings: { expiry_warning_lead_seconds: [3600, 172_800], disable_unused_after_days: 30 } },
    });
    expect(changed.settings).toMatchObject({ expiry_warning_lead_seconds: [172_800, 3600], leaked_token_action: 'disable', disable_unused_after_days: 30 });
    expect(await policyOf(acme.id)).toMatchObject({ expiryWarningLeadSeconds: [172_800, 3600], leakedTokenAction: 'disable', disableUnusedAfterDays: 30 });
    expect((await organizations.get({ context: admin, payload: { id: acme.id } })).settings).toMatchObject({
      expiry_warning_lead_seconds: [172_800, 3600],
      leaked_token_action: 'disable',
      disable_unused_after_days: 30,
    });
    await organizations.update({ context: admin, payload: { id: acme.id, settings: { disable_unused_after_days: null, expiry_warning_lead_seconds: [] } } });
    expect(await policyOf(acme.id)).toMatchObject({ expiryWarningLeadSeconds: [], disableUnusedAfterDays: null });
    // Duplicates and out-of-range values are refused, naming the field; nothing changes.
    await expect(
      organizations.update({ context: admin, payload: { id: acme.id, settings: { expiry_warning_lead_seconds: [3600, 3600] } } }),
    ).rejects.toMatchObject({ code: UsersErrorCode.InvalidOrganizationSettings, errors: [expect.objectContaining({ field: 'settings.expiry_warning_lead_seconds' })] });
    await expect(
      organizations.update({ context: admin, payload: { id: acme.id, settings: { leaked_token_action: 'ignore' as 'revoke' } } }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await policyOf(acme.id)).toMatchObject({ expiryWarningLeadSeconds: [], leakedTokenAction: 'disable' });
  });

  it("cannot be changed by another organization's admin", async () => {
    const acme = await organizations.create({ context: platform, payload: { name: 'Acme' } });
    const globex = await organizations.create({ context: platform, payload: { name: 'Globex' } });
    await expect(
      organizations.update({ context: adminOf(globex.id), payload: { id: acme.id, settings: { access_token_lifetime_seconds: 120 } } }),
    ).rejects.toMatchObject({ code: UsersErrorCode.OrganizationNotFound });
    expect(await policyOf(acme.id)).toMatchObject({ accessTokenLifetimeSeconds: 900, ...LIFECYCLE_DEFAULTS });
  });

  it('is 900 for an organization stored before the setting existed, until its admin sets it', async () => {
    const organizationId = randomUUID();
    // Version 1 of OrganizationCreated, as the code before the setting stored it.
    const appended = await store.append({
      streamId: organizationStreamId(organizationId),
      expectedVersion: 'no_stream',
      events: [
        {
          id: uuidv7(),
          type: 'OrganizationCreated',
          schemaVersion: 1,
          data: { organizationId, name: 'Initech', serviceInternalLimit: 1, serviceExternalLimit: 5, maxTokenLifetimeSeconds: 7200, createdAt: '2025-03-01T10:00:00.000Z' },
          metadata: { correlationId: 'int', actorType: 'user', organizationId },
        },
      ],
    });
    await pollUntil(async () => (await policyOf(organizationId)) !== null, "the older organization's policy record");
    expect(await policyOf(organizationId)).toEqual({ organizationId, maxTokenLifetimeSeconds: 7200, accessTokenLifetimeSeconds: 900, ...LIFECYCLE_DEFAULTS });
    // Reads answer from the listing: appended here, not by a command, so wait until the listing holds it.
    await pollUntil(async () => ((await listing.checkpoint()) ?? '') >= appended.position, 'the older organization in the listing');

    const admin = adminOf(organizationId);
    expect((await organizations.get({ context: admin, payload: { id: organizationId } })).settings.access_token_lifetime_seconds).toBe(900);
    await organizations.update({ context: admin, payload: { id: organizationId, settings: { access_token_lifetime_seconds: 600 } } });
    expect(await policyOf(organizationId)).toEqual({ organizationId, maxTokenLifetimeSeconds: 7200, accessTokenLifetimeSeconds: 600, ...LIFECYCLE_DEFAULTS });
    expect((await store.readStream(organizationStreamId(organizationId))).map((event) => event.schemaVersion)).toEqual([1, 3]);
  });
});
