import { CROSS_ORGANIZATION_PERMISSIONS, PLATFORM_PERMISSIONS } from './permissions';
import { Principal } from './principal';

// The decisions every route, command and verifier asks, in one place. Each answers
// allowed, or why not; `elsewhere` says the target is in another organization, which
// callers answer as "not found" so that tenants cannot learn what exists in each other's.

export type AccessDecision = { allowed: true } | { allowed: false; reason: string; elsewhere: boolean };

/** What a permission is asked on: an organization, and for team-scoped grants the teams of the resource's owner. */
export interface AccessTarget {
  organizationId: string;
  ownerTeams?: readonly string[];
}

const allowed: AccessDecision = { allowed: true };
const denied = (reason: string, elsewhere = false): AccessDecision => ({ allowed: false, reason, elsewhere });

/** Whether the principal holds `permission` on the target. */
export function authorize(principal: Principal, permission: string, target: AccessTarget): AccessDecision {
  if ((PLATFORM_PERMISSIONS as readonly string[]).includes(permission) && !principal.platformAdmin) {
    return denied(`${permission} is reserved to super admins of the root organization`);
  }
  if (target.organizationId !== principal.organizationId) {
    if (principal.platformAdmin && (CROSS_ORGANIZATION_PERMISSIONS as readonly string[]).includes(permission)) return allowed;
    return denied('the target belongs to another organization', true);
  }
  if (principal.unrestricted) return allowed;
  const scope = Object.hasOwn(principal.permissions, permission) ? principal.permissions[permission] : undefined;
  if (scope === undefined) return denied(`missing permission ${permission}`);
  if (scope === 'organization') return allowed;
  if (target.ownerTeams?.some((team) => principal.teams.includes(team))) return allowed;
  return denied(`${permission} is granted only for the principal's own teams`);
}

/** Whether the principal holds `permission` across its whole organization (a team grant does not cover organization-wide data). */
export function holdsOrganizationWide(principal: Principal, permission: string): boolean {
  return authorize(principal, permission, { organizationId: principal.organizationId }).allowed;
}

/** Whether the principal holds `permission` at all, for its whole organization or only its teams. */
export function holdsAnywhere(principal: Principal, permission: string): boolean {
  return principal.unrestricted || Object.hasOwn(principal.permissions, permission);
}

/**
 * Whether `outer`'s effective permissions contain `inner`'s: everything `inner` may do,
 * `outer` may do too, as widely. The measure of every credential and account one
 * principal makes or changes for another.
 */
export function covers(outer: Principal, inner: Principal): AccessDecision {
  if (outer.organizationId !== inner.organizationId) return denied('the account belongs to another organization', true);
  if (inner.platformAdmin && !outer.platformAdmin) return denied('the account is the platform admin');
  if (outer.unrestricted) return allowed;
  if (inner.unrestricted) return denied('the account acts as a super admin');
  for (const [permission, scope] of Object.entries(inner.permissions)) {
    const held = Object.hasOwn(outer.permissions, permission) ? outer.permissions[permission] : undefined;
    if (held === undefined) return denied(`the account holds ${permission}, which the caller does not`);
    if (held === 'organization') continue;
    if (scope === 'organization') return denied(`the account holds ${permission} organization-wide, the caller only for its teams`);
    const beyond = inner.teams.find((team) => !outer.teams.includes(team));
    if (beyond !== undefined) return denied(`the account holds ${permission} for team ${beyond}, which is not the caller's`);
  }
  return allowed;
}

/**
 * The permissions a token minted by `minter` is narrowed to. A credential that is itself
 * narrowed mints only within its own permissions: asked for none in particular, the new
 * token is narrowed to the minter's; asked for more, it is refused.
 */
export function narrowingFor(minter: Principal, requested: readonly string[] | null): { ok: true; permissions: string[] | null } | { ok: false; reason: string } {
  if (minter.narrowedTo === null) return { ok: true, permissions: requested === null ? null : [...requested] };
  const own = Object.keys(minter.permissions);
  if (requested === null) return { ok: true, permissions: own.sort() };
  const beyond = requested.filter((permission) => !own.includes(permission));
  if (beyond.length > 0) return { ok: false, reason: `a narrowed credential mints only within its own permissions; ${beyond.join(', ')} beyond them` };
  return { ok: true, permissions: [...requested] };
}

/**
 * Whether `caller` may obtain a credential of `account` narrowed to `narrowedTo` (null:
 * not narrowed): issue it, rotate it and receive the secret, reassign it, exchange for it,
 * or set the account's password. The caller must cover the account, and a narrowed caller
 * only obtains credentials narrowed within its own permissions, so that nothing it makes
 * can grow past it when the account is later given more.
 */
export function mayObtainCredential(caller: Principal, account: Principal, narrowedTo: readonly string[] | null): AccessDecision {
  const covered = covers(caller, account);
  if (!covered.allowed) return covered.elsewhere ? covered : denied(`no credential stronger than the caller's: ${covered.reason}`);
  if (caller.narrowedTo === null) return allowed;
  if (narrowedTo === null) return denied('a narrowed credential cannot obtain a credential that is not narrowed');
  const own = Object.keys(caller.permissions);
  const beyond = narrowedTo.filter((permission) => !own.includes(permission));
  return beyond.length === 0 ? allowed : denied(`a narrowed credential cannot obtain ${beyond.join(', ')}`);
}

/** An account before and after a change (before is null for a new one). */
export interface AccountChange {
  before: Principal | null;
  after: Principal;
}

/**
 * Whether the principal may make this account, or change it into this: `users:write` on
 * it (and `service_accounts:write` for a service account), and no account more powerful
 * than the principal, before or after. Nobody changes their own roles, teams or account
 * type. The platform admin sets up a tenant's people (humans only) in any organization.
 */
export function mayManageAccount(principal: Principal, { before, after }: AccountChange): AccessDecision {
  if (before !== null && before.userId === principal.userId && accessChanged(before, after)) {
    return denied('nobody changes their own roles, teams or account type');
  }
  if (before === null && after.organizationId !== principal.organizationId) {
    if (principal.platformAdmin && after.accountType === 'user') return allowed;
    return denied('the organization is not the caller\'s', true);
  }
  for (const account of before === null ? [after] : [before, after]) {
    // The internal account acts as a super admin but does not appoint or manage one.
    if (account.isSuperAdmin && account.userId !== principal.userId && !principal.isSuperAdmin) {
      return denied('only a super admin manages a super admin');
    }
    const target = { organizationId: account.organizationId, ownerTeams: account.teams };
    const write = authorize(principal, 'users:write', target);
    if (!write.allowed) return write;
    if (account.accountType !== 'user') {
      const serviceAccounts = authorize(principal, 'service_accounts:write', target);
      if (!serviceAccounts.allowed) return serviceAccounts;
    }
    if (account.userId !== principal.userId) {
      const covered = covers(principal, account);
      if (!covered.allowed) return denied(`cannot manage an account more powerful than the caller: ${covered.reason}`, covered.elsewhere);
    }
  }
  return allowed;
}

/** Whether the principal may add a member to a team, or remove one: it writes that team. */
export function mayChangeTeamMembership(principal: Principal, team: { organizationId: string; teamId: string }): AccessDecision {
  return authorize(principal, 'teams:write', { organizationId: team.organizationId, ownerTeams: [team.teamId] });
}

/**
 * Whether the principal may set the password of `account` (a PATCH that is not the
 * account changing its own): only a service account's, only by a super admin (or the
 * internal service account), never its own, and only of an account the caller covers
 * with a credential that is not narrowed (a password hands out a full login).
 */
export function maySetPassword(principal: Principal, account: Principal): AccessDecision {
  if (account.userId === principal.userId) {
    return account.accountType === 'user' ? allowed : denied('a service account cannot change its own password');
  }
  if (account.accountType === 'user') return denied("a person's password is changed only by that person");
  if (!principal.unrestricted) return denied("only a super admin may set a service account's password");
  return mayObtainCredential(principal, account, null);
}

/** Settings that can lock super admins out of their organization (its login policy) are for super admins only. */
export function mayChangeLoginPolicy(principal: Principal): AccessDecision {
  return principal.unrestricted ? allowed : denied("only a super admin may change the organization's login policy");
}

function accessChanged(before: Principal, after: Principal): boolean {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
  return before.accountType !== after.accountType || !same(before.roles, after.roles) || !same(before.teams, after.teams);
}
