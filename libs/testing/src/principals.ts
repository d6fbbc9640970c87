import { AccountAccess, principalOf, viewOfPrincipal } from '@warden/access';
import { OrganizationPolicyRecord, PrincipalRecord, PrincipalView, organizationPoliciesKey, principalRecordsKey, principalRecordsReadyKey } from '@warden/contracts';
import type { RedisClient } from '@warden/redis';

/**
 * The principal the gateway would put in a request for `account` acting through a login
 * session (or, with `narrowedTo`, an API token narrowed to those permissions): for tests
 * that call a service's handlers directly.
 */
export function principalViewOf(account: AccountAccess, narrowedTo: string[] | null = null): PrincipalView {
  const credential: PrincipalView['credential'] =
    narrowedTo === null ? { kind: 'session', id: 'test', expiresAt: null } : { kind: 'api_token', id: 'test', expiresAt: null, permissions: narrowedTo };
  return viewOfPrincipal(principalOf(account, narrowedTo), credential);
}

/**
 * An external service account's principal holding nothing, acting through an API token, as
 * a request carries it; `fields` set what a test is about.
 */
export function plainPrincipalView(fields: Partial<PrincipalView> = {}): PrincipalView {
  return {
    userId: 'u-1',
    organizationId: 'o-1',
    accountType: 'service_external',
    roles: [],
    teams: [],
    permissions: {},
    isSuperAdmin: false,
    platformAdmin: false,
    credential: { kind: 'api_token', id: 't-1', expiresAt: null },
    ...fields,
  };
}

/** Writes a principal record where the users service keeps it, and marks the records built as it does, for tests without the users service. */
export async function writePrincipalRecord(redis: RedisClient, keyPrefix: string, record: PrincipalRecord): Promise<void> {
  await redis.hset(principalRecordsKey(keyPrefix), record.userId, JSON.stringify(record));
  await redis.set(principalRecordsReadyKey(keyPrefix), '1');
}

/** Writes an organization's token policy where the users service keeps it. */
export async function writeOrganizationPolicy(redis: RedisClient, keyPrefix: string, record: OrganizationPolicyRecord): Promise<void> {
  await redis.hset(organizationPoliciesKey(keyPrefix), record.organizationId, JSON.stringify(record));
}
