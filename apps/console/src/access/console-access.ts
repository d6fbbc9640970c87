import {
  type Principal,
  authorize,
  holdsAnywhere,
  holdsOrganizationWide,
  mayChangeLoginPolicy,
  mayChangeTeamMembership,
  mayManageAccount,
  mayObtainCredential,
  maySetPassword,
} from '@warden/access';
import type { Member, Role, Team, WhoAmI } from '../api/warden-api';

// What the console offers the signed-in principal: decided by the same access library the
// services decide with, over the effective permissions GET /auth/whoami answers, so that an
// action is offered only where the API would allow it (the API still decides, and its
// refusal's detail is shown).

export type Screen = 'organizations' | 'members' | 'tokens' | 'roles' | 'teams' | 'audit' | 'read-models';

export const SUPER_ADMIN_ROLE = 'WARDEN_SUPER_ADMIN';

/** The principal a whoami answer describes. */
export function principalOfWhoAmI(whoami: WhoAmI): Principal {
  return {
    userId: whoami.user_id,
    organizationId: whoami.organization_id,
    accountType: whoami.account_type,
    roles: whoami.roles,
    teams: whoami.teams,
    unrestricted: whoami.acts_as_super_admin,
    isSuperAdmin: whoami.is_super_admin,
    platformAdmin: whoami.platform_admin,
    permissions: whoami.permissions,
    narrowedTo: whoami.credential.permissions ?? null,
  };
}

type AccountLike = Pick<Member, 'id' | 'organization_id' | 'account_type' | 'roles' | 'teams'>;

/** An account's principal, its permissions resolved from the organization's role catalogue. */
export function principalOfAccount(account: AccountLike, catalogue: readonly Role[]): Principal {
  const permissions: Record<string, 'organization' | 'team'> = {};
  for (const role of catalogue.filter((candidate) => account.roles.includes(candidate.name))) {
    for (const permission of role.permissions) {
      if (permissions[permission] !== 'organization') permissions[permission] = role.access_scope;
    }
  }
  const isSuperAdmin = account.roles.includes(SUPER_ADMIN_ROLE);
  return {
    userId: account.id,
    organizationId: account.organization_id,
    accountType: account.account_type,
    roles: account.roles,
    teams: account.teams,
    unrestricted: isSuperAdmin || account.account_type === 'service_internal',
    isSuperAdmin,
    platformAdmin: false,
    permissions,
    narrowedTo: null,
  };
}

export class ConsoleAccess {
  constructor(readonly principal: Principal) {}

  static of(whoami: WhoAmI): ConsoleAccess {
    return new ConsoleAccess(principalOfWhoAmI(whoami));
  }

  private holds(permission: string): boolean {
    return holdsOrganizationWide(this.principal, permission);
  }

  /** The screens worth showing: those whose list the API would answer. */
  sees(screen: Screen): boolean {
    switch (screen) {
      case 'organizations':
        return holdsAnywhere(this.principal, 'organizations:read') || this.principal.platformAdmin;
      case 'members':
        return holdsAnywhere(this.principal, 'users:read');
      case 'tokens':
        return holdsAnywhere(this.principal, 'tokens:read');
      case 'roles':
        return holdsAnywhere(this.principal, 'roles:read');
      case 'teams':
        return holdsAnywhere(this.principal, 'teams:read');
      case 'audit':
        return this.holds('audit:read');
      case 'read-models':
        return this.principal.platformAdmin;
    }
  }

  createsOrganizations(): boolean {
    return this.principal.platformAdmin;
  }

  editsOrganization(organizationId: string): boolean {
    return authorize(this.principal, 'organizations:write', { organizationId }).allowed;
  }

  /** The service-account limits are the platform admin's to set. */
  setsServiceAccountLimits(): boolean {
    return this.principal.platformAdmin;
  }

  setsLoginPolicy(): boolean {
    return mayChangeLoginPolicy(this.principal).allowed;
  }

  /** Whether it may create a service account (of no role yet; the roles chosen are checked by the API). */
  addsServiceAccounts(): boolean {
    const account = principalOfAccount(
      { id: '', organization_id: this.principal.organizationId, account_type: 'service_external', roles: [], teams: [] },
      [],
    );
    return mayManageAccount(this.principal, { before: null, after: account }).allowed;
  }

  /** Edit, deactivate, reactivate, delete: manage this account as it is. */
  manages(account: AccountLike, catalogue: readonly Role[]): boolean {
    const target = principalOfAccount(account, catalogue);
    return mayManageAccount(this.principal, { before: target, after: target }).allowed;
  }

  /** Change its roles, teams or account type: nobody changes their own. */
  changesAccessOf(account: AccountLike, catalogue: readonly Role[]): boolean {
    return account.id !== this.principal.userId && this.manages(account, catalogue);
  }

  /** Reset a service account's password: a super admin (or the internal account) only. */
  resetsPasswordOf(account: AccountLike, catalogue: readonly Role[]): boolean {
    if (account.account_type === 'user' || account.id === this.principal.userId) return false;
    return maySetPassword(this.principal, principalOfAccount(account, catalogue)).allowed && this.manages(account, catalogue);
  }

  writesTokens(): boolean {
    return this.holds('tokens:write');
  }

  /** Issue, rotate or receive a token of this owner: no credential stronger than the caller's own. */
  obtainsCredentialOf(owner: AccountLike, catalogue: readonly Role[]): boolean {
    return this.writesTokens() && mayObtainCredential(this.principal, principalOfAccount(owner, catalogue), null).allowed;
  }

  writesRoles(): boolean {
    return this.holds('roles:write');
  }

  createsTeams(): boolean {
    return this.holds('teams:write');
  }

  changesTeam(team: Pick<Team, 'id' | 'organization_id'>): boolean {
    return mayChangeTeamMembership(this.principal, { organizationId: team.organization_id, teamId: team.id }).allowed;
  }

  readsAudit(): boolean {
    return this.holds('audit:read');
  }
}
