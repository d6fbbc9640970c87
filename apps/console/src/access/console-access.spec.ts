import type { Role, WhoAmI } from '../api/warden-api';
import { ConsoleAccess } from './console-access';

// What the console offers follows the access library's decisions over whoami's answer.
const ORG = 'org-a';
const PAYMENTS = 'team-payments';
const catalogue: Role[] = [
  { name: 'WARDEN_SUPER_ADMIN', display_name: 'Super admin', description: '', type: 'default', status: 'ACTIVE', access_scope: 'organization', permissions: ['users:write'] },
  { name: 'WARDEN_MEMBER', display_name: 'Member', description: '', type: 'default', status: 'ACTIVE', access_scope: 'organization', permissions: ['users:read', 'teams:read', 'roles:read', 'organizations:read'] },
  { name: 'WARDEN_ADMIN', display_name: 'Admin', description: '', type: 'default', status: 'ACTIVE', access_scope: 'organization', permissions: ['organizations:read', 'users:read', 'users:write', 'service_accounts:write', 'teams:read', 'teams:write', 'roles:read', 'roles:write', 'tokens:read', 'tokens:write', 'audit:read'] },
];

function whoami(overrides: Partial<WhoAmI>): WhoAmI {
  return {
    user_id: 'me', organization_id: ORG, account_type: 'user', roles: [], teams: [], permissions: {},
    is_super_admin: false, platform_admin: false, acts_as_super_admin: false,
    credential: { kind: 'session', id: 's', expires_at: null },
    ...overrides,
  };
}

const member = (id: string, account_type: 'user' | 'service_external' | 'service_internal', roles: string[], teams: string[] = []) => ({ id, organization_id: ORG, account_type, roles, teams });

describe('what the console offers', () => {
  const manager = ConsoleAccess.of(
    whoami({ teams: [PAYMENTS], roles: ['WARDEN_MANAGER'], permissions: { 'users:read': 'team', 'users:write': 'team', 'teams:read': 'team', 'teams:write': 'team', 'tokens:read': 'team' } }),
  );
  const superAdmin = ConsoleAccess.of(whoami({ roles: ['WARDEN_SUPER_ADMIN'], is_super_admin: true, acts_as_super_admin: true, permissions: { 'users:write': 'organization' } }));
  const admin = ConsoleAccess.of(whoami({ roles: ['WARDEN_ADMIN'], permissions: Object.fromEntries(catalogue[2]!.permissions.map((permission) => [permission, 'organization' as const])) }));
  const reader = ConsoleAccess.of(whoami({ roles: ['WARDEN_MEMBER'], permissions: { 'users:read': 'organization', 'teams:read': 'organization', 'roles:read': 'organization', 'organizations:read': 'organization' } }));

  it('shows a member the screens it reads and no admin action', () => {
    expect(['members', 'tokens', 'roles', 'teams', 'audit', 'organizations', 'read-models'].filter((screen) => reader.sees(screen as never))).toEqual([
      'members',
      'roles',
      'teams',
      'organizations',
    ]);
    expect(reader.addsServiceAccounts()).toBe(false);
    expect(reader.manages(member('u', 'user', []), catalogue)).toBe(false);
    expect(reader.writesTokens()).toBe(false);
  });

  it("lets a manager manage the people of its own teams only, and no service account or token", () => {
    expect(manager.manages(member('pat', 'user', [], [PAYMENTS]), catalogue)).toBe(true);
    expect(manager.manages(member('olga', 'user', []), catalogue)).toBe(false);
    // nor anyone holding more than the manager (a member reads the organization and its roles)
    expect(manager.manages(member('mia', 'user', ['WARDEN_MEMBER'], [PAYMENTS]), catalogue)).toBe(false);
    expect(manager.manages(member('svc', 'service_external', [], [PAYMENTS]), catalogue)).toBe(false);
    expect(manager.addsServiceAccounts()).toBe(false);
    expect(manager.writesTokens()).toBe(false);
    expect(manager.changesTeam({ id: PAYMENTS, organization_id: ORG })).toBe(true);
    expect(manager.changesTeam({ id: 'team-other', organization_id: ORG })).toBe(false);
  });

  it("offers nobody a change of their own roles, and a service account's password reset to a super admin only", () => {
    const self = member('me', 'user', ['WARDEN_SUPER_ADMIN']);
    expect(superAdmin.manages(self, catalogue)).toBe(true);
    expect(superAdmin.changesAccessOf(self, catalogue)).toBe(false);
    const service = member('svc', 'service_external', []);
    expect(superAdmin.resetsPasswordOf(service, catalogue)).toBe(true);
    expect(admin.resetsPasswordOf(service, catalogue)).toBe(false);
    expect(superAdmin.resetsPasswordOf(member('person', 'user', []), catalogue)).toBe(false);
  });

  it('lets an admin issue tokens for an account no stronger than itself, never for the internal account', () => {
    expect(admin.obtainsCredentialOf(member('svc', 'service_external', ['WARDEN_MEMBER']), catalogue)).toBe(true);
    expect(admin.obtainsCredentialOf(member('internal', 'service_internal', []), catalogue)).toBe(false);
    expect(superAdmin.obtainsCredentialOf(member('internal', 'service_internal', []), catalogue)).toBe(true);
  });

  it('keeps the login policy for super admins and the limits for the platform admin', () => {
    expect(superAdmin.setsLoginPolicy()).toBe(true);
    expect(admin.setsLoginPolicy()).toBe(false);
    expect(superAdmin.setsServiceAccountLimits()).toBe(false);
    const platform = ConsoleAccess.of(whoami({ is_super_admin: true, platform_admin: true, acts_as_super_admin: true }));
    expect(platform.setsServiceAccountLimits()).toBe(true);
    expect(platform.sees('read-models')).toBe(true);
    expect(platform.editsOrganization('org-b')).toBe(true);
    expect(superAdmin.editsOrganization('org-b')).toBe(false);
  });
});
