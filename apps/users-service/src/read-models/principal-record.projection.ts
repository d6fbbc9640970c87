// The principal record in Redis (contract: libs/contracts/src/auth.ts), one per user: what
// the gateway reads on every request to know who the caller is and whether it may still
// act. Each user event sets the whole record as of that event's version, folded from the
// user's stream, so an event applied late or twice can never leave an older record. The
// records, the organizations' token policies and this projection's bookkeeping sit under the
// verification tag, in the slot the verifier reads.
import { ORGANIZATION_POLICIES, OrganizationPolicyRecord, PRINCIPAL_PROJECTION, PRINCIPAL_RECORDS, PrincipalRecord, VERIFICATION_KEY_TAG } from '@warden/contracts';
import { EventStore, RecordedEvent } from '@warden/event-store';
import { fold, upcast } from '@warden/kernel';
import { RedisOp, RedisProjection } from '@warden/messaging';
import { invalidationSubject } from '@warden/token-verifier';
import { User, UserEvent, accountAccessOf, organizationDecider, userDecider } from '@warden/users-domain';
import { loadCustomRoles } from '../roles/custom-roles';
import { PlatformIdentity } from '../bootstrap/platform-identity';

const USER_STREAM_PREFIX = 'user-';
const ORGANIZATION_STREAM_PREFIX = 'organization-';

/**
 * What the verification caches must drop once this event is applied: the account's
 * credentials after any change to it but its creation (roles, teams, deactivation, deletion,
 * type: the record a verification decides on), an organization's after any change to it
 * (its token policy is read with them), whatever the change (the last event of a command
 * stands for all of them).
 */
export function principalInvalidations(event: Pick<RecordedEvent, 'streamId' | 'type'>): string[] {
  if (event.streamId.startsWith(USER_STREAM_PREFIX)) {
    return event.type === 'UserCreated' ? [] : [invalidationSubject.user(event.streamId.slice(USER_STREAM_PREFIX.length))];
  }
  if (event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX)) {
    return event.type === 'OrganizationCreated' ? [] : [invalidationSubject.organization(event.streamId.slice(ORGANIZATION_STREAM_PREFIX.length))];
  }
  return [];
}

export class PrincipalRecordProjection implements RedisProjection {
  readonly name = PRINCIPAL_PROJECTION;

  readonly keyPrefix: string;

  constructor(
    /** REDIS_KEY_PREFIX of the deployment. */
    redisKeyPrefix: string,
    private readonly store: EventStore,
    private readonly identity: PlatformIdentity,
  ) {
    this.keyPrefix = redisKeyPrefix + VERIFICATION_KEY_TAG;
  }

  invalidates(event: RecordedEvent): string[] {
    return principalInvalidations(event);
  }

  async apply(event: RecordedEvent): Promise<RedisOp[]> {
    if (event.streamId.startsWith(ORGANIZATION_STREAM_PREFIX)) return this.policyOps(event);
    if (!event.streamId.startsWith(USER_STREAM_PREFIX)) return [];
    const recorded = await this.store.readStream(event.streamId);
    const upTo = recorded.filter((e) => e.version <= event.version).map((e) => upcast(userDecider.upcasters, e));
    const user = fold(userDecider, upTo);
    if (user.status === 'absent') return [];
    const record = await this.recordOf(user, lastDeactivation(upTo));
    return [{ op: 'hset', key: PRINCIPAL_RECORDS, fields: { [user.id]: JSON.stringify(record) } }];
  }

  /**
   * The organization's token policy, which the token verifier reads in the same round trip
   * as the principal: lowering max_token_lifetime_seconds shortens the tokens already out.
   * The token endpoint reads it too, for the lifetime of the access tokens it grants.
   */
  private async policyOps(event: RecordedEvent): Promise<RedisOp[]> {
    const recorded = await this.store.readStream(event.streamId);
    const upTo = recorded.filter((e) => e.version <= event.version).map((e) => upcast(organizationDecider.upcasters, e));
    const organization = fold(organizationDecider, upTo);
    if (organization.status === 'absent') return [];
    const record: OrganizationPolicyRecord = {
      organizationId: organization.organizationId,
      maxTokenLifetimeSeconds: organization.maxTokenLifetimeSeconds,
      accessTokenLifetimeSeconds: organization.accessTokenLifetimeSeconds,
      expiryWarningLeadSeconds: organization.expiryWarningLeadSeconds,
      leakedTokenAction: organization.leakedTokenAction,
      disableUnusedAfterDays: organization.disableUnusedAfterDays,
    };
    return [{ op: 'hset', key: ORGANIZATION_POLICIES, fields: { [organization.organizationId]: JSON.stringify(record) } }];
  }

  private async recordOf(user: User, sessionsNotBefore: string | null): Promise<PrincipalRecord> {
    const customRoles = await loadCustomRoles(this.store, user.organizationId, user.roles);
    const access = accountAccessOf(user, customRoles, this.identity.rootOrganizationId);
    return {
      userId: user.id,
      organizationId: user.organizationId,
      accountType: user.accountType,
      username: user.username,
      roles: [...access.roles],
      teams: [...access.teams],
      permissions: { ...access.permissions },
      isSuperAdmin: access.isSuperAdmin,
      platformAdmin: access.platformAdmin,
      status: user.status,
      ...(sessionsNotBefore !== null && { sessionsNotBefore }),
    };
  }
}

/** When the user was last deactivated: login sessions started before then stay ended after a reactivation. */
function lastDeactivation(events: readonly UserEvent[]): string | null {
  let at: string | null = null;
  for (const event of events) if (event.type === 'UserDeactivated') at = event.data.deactivatedAt;
  return at;
}
