import { OrganizationPolicyRecord, PrincipalRecord, organizationPoliciesKey, principalRecordsKey } from '@warden/contracts';
import type { RedisClient } from '@warden/redis';

/**
 * The users service's records that the tokens service reads, as the verifier does: a user's
 * principal record and an organization's token policy, each a field of its hash under the
 * verification tag.
 */
export class PrincipalRecords {
  private readonly principalsKey: string;
  private readonly policiesKey: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.principalsKey = principalRecordsKey(keyPrefix);
    this.policiesKey = organizationPoliciesKey(keyPrefix);
  }

  /** The record as stored (JSON), for the verifier's own decision; null when absent. */
  principalJson(userId: string): Promise<string | null> {
    return this.redis.hget(this.principalsKey, userId);
  }

  /** The token policy as stored (JSON); null when absent. */
  policyJson(organizationId: string): Promise<string | null> {
    return this.redis.hget(this.policiesKey, organizationId);
  }

  async principal(userId: string): Promise<PrincipalRecord | null> {
    return parsed<PrincipalRecord>(await this.principalJson(userId));
  }

  /** Several users' records in one command, in the order asked. */
  async principals(userIds: readonly string[]): Promise<(PrincipalRecord | null)[]> {
    if (userIds.length === 0) return [];
    return (await this.redis.hmget(this.principalsKey, ...userIds)).map((json) => parsed<PrincipalRecord>(json));
  }

  async policy(organizationId: string): Promise<OrganizationPolicyRecord | null> {
    return parsed<OrganizationPolicyRecord>(await this.policyJson(organizationId));
  }
}

function parsed<T>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}
