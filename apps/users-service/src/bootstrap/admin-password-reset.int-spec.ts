import { WardenError } from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { loadState } from '@warden/kernel';
import { TEST_DATABASE_URL, uniqueTestId } from '@warden/testing';
import { userDecider, userStreamId } from '@warden/users-domain';
import { PasswordHasher } from '../passwords/password-hasher';
import { bootstrapPlatform, resetBootstrapAdminPassword } from './platform-bootstrap';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const FIRST = 'correct horse battery staple 42';

describe('resetting the bootstrap admin password', () => {
  let store: PostgresEventStore;
  let schema: string;
  const hasher = new PasswordHasher();
  const passwordHashOf = async (userId: string) => {
    const { state } = await loadState(store, userDecider, userStreamId(userId));
    if (state.status === 'absent') throw new Error('no such user');
    return state.passwordHash;
  };

  beforeEach(async () => {
    schema = uniqueTestId('reset');
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: quiet, poolSize: 2 });
  });
  afterEach(async () => {
    await store.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await store.close();
  });

  it('refuses before there is one', async () => {
    await expect(resetBootstrapAdminPassword(store, hasher, 'lantern-copper-orbit-77')).rejects.toThrow('there is no bootstrap admin yet');
  });

  it('sets the password given, recorded as a system change, and the old one no longer matches', async () => {
    const root = await bootstrapPlatform(store, hasher, { adminUsername: 'admin', adminPassword: FIRST, announce: () => undefined });
    const reset = await resetBootstrapAdminPassword(store, hasher, 'lantern-copper-orbit-77');
    expect(reset).toEqual({ adminUserId: root.adminUserId });
    const hash = await passwordHashOf(root.adminUserId);
    expect(await hasher.verify(hash, 'lantern-copper-orbit-77')).toBe(true);
    expect(await hasher.verify(hash, FIRST)).toBe(false);
    const { recorded } = await loadState(store, userDecider, userStreamId(root.adminUserId));
    expect(recorded.at(-1)).toMatchObject({ type: 'UserPasswordChanged', metadata: { actorType: 'system', organizationId: root.rootOrganizationId } });
  });

  it('generates a strong one when none is given, and refuses a weak one, changing nothing', async () => {
    const root = await bootstrapPlatform(store, hasher, { adminUsername: 'admin', adminPassword: FIRST, announce: () => undefined });
    const generated = await resetBootstrapAdminPassword(store, hasher);
    expect(generated.generatedPassword).toMatch(/^[\w-]{24}$/);
    expect(await hasher.verify(await passwordHashOf(root.adminUserId), generated.generatedPassword!)).toBe(true);

    const before = await passwordHashOf(root.adminUserId);
    await expect(resetBootstrapAdminPassword(store, hasher, 'admin')).rejects.toBeInstanceOf(WardenError);
    expect(await passwordHashOf(root.adminUserId)).toBe(before);
  });
});
