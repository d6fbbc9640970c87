import fc from 'fast-check';
import { PermissionScope, PrincipalAccountType, PrincipalView } from '@warden/contracts';
import {
  authorize,
  covers,
  holdsAnywhere,
  holdsOrganizationWide,
  mayChangeLoginPolicy,
  mayChangeTeamMembership,
  mayManageAccount,
  mayObtainCredential,
  maySetPassword,
  narrowingFor,
} from './decisions';
import { SUPER_ADMIN_ONLY_PERMISSIONS, WARDEN_PERMISSIONS } from './permissions';
import { AccountAccess, Principal, effectivePermissions, principalOf, principalOfView } from './principal';

const ROOT = 'org-root';
const OWN = 'org-1';
const OTHER = 'org-2';

const everywhere = (permissions: readonly string[], scope: PermissionScope = 'organization') =>
  Object.fromEntries(permissions.map((permission) => [permission, scope])) as Record<string, PermissionScope>;

const ADMIN = WARDEN_PERMISSIONS.filter((permission) => !SUPER_ADMIN_ONLY_PERMISSIONS.includes(permission));
const MANAGER = ['users:read', 'users:write', 'teams:read', 'teams:write', 'tokens:read'];
const MEMBER = ['organizations:read', 'users:read', 'teams:read', 'roles:read'];

function account(
  userId: string,
  accountType: PrincipalAccountType,
  permissions: Record<string, PermissionScope>,
  options: { organizationId?: string; teams?: string[]; superAdmin?: boolean } = {},
): AccountAccess {
  const organizationId = options.organizationId ?? OWN;
  const isSuperAdmin = options.superAdmin ?? false;
  return {
    userId,
    organizationId,
    accountType,
    roles: isSuperAdmin ? ['WARDEN_SUPER_ADMIN'] : [],
    teams: options.teams ?? ['team-1'],
    permissions: isSuperAdmin ? everywhere(WARDEN_PERMISSIONS) : permissions,
    isSuperAdmin,
    platformAdmin: isSuperAdmin && organizationId === ROOT,
  };
}

const superAdminAccount = account('super', 'user', {}, { superAdmin: true });
const platformAdminAccount = account('root-admin', 'user', {}, { superAdmin: true, organizationId: ROOT });
const internalAccount = account('internal', 'service_internal', {});
const adminAccount = account('admin', 'user', everywhere(ADMIN));
const managerAccount = account('manager', 'user', everywhere(MANAGER, 'team'));
const memberAccount = account('member', 'user', everywhere(MEMBER));
const docusignAccount = account('docusign', 'service_external', everywhere(['records:write', ...MEMBER]));
const bareExternalAccount = account('bare', 'service_external', {});

const superAdmin = principalOf(superAdminAccount);
const platformAdmin = principalOf(platformAdminAccount);
const internal = principalOf(internalAccount);
const admin = principalOf(adminAccount);
const manager = principalOf(managerAccount);
const member = principalOf(memberAccount);
const docusign = principalOf(docusignAccount);
const bareExternal = principalOf(bareExternalAccount);

describe('authorize: principal x permission x where', () => {
  const ALL = [...WARDEN_PERMISSIONS, 'records:write'];
  const PLATFORM = ['organizations:create', 'read_models:rebuild'];
  const IN_ORGANIZATION = ALL.filter((permission) => !PLATFORM.includes(permission));
  const rows: { who: string; principal: Principal; ownTeam: string[]; otherTeam: string[]; otherOrganization: string[] }[] = [
    { who: 'the platform admin', principal: platformAdmin, ownTeam: ALL, otherTeam: ALL, otherOrganization: ['organizations:create', 'organizations:read', 'organizations:write'] },
    { who: 'a super admin', principal: superAdmin, ownTeam: IN_ORGANIZATION, otherTeam: IN_ORGANIZATION, otherOrganization: [] },
    { who: 'the internal service account, with no roles', principal: internal, ownTeam: IN_ORGANIZATION, otherTeam: IN_ORGANIZATION, otherOrganization: [] },
    { who: 'an admin', principal: admin, ownTeam: ADMIN, otherTeam: ADMIN, otherOrganization: [] },
    { who: 'a manager (team-scoped)', principal: manager, ownTeam: MANAGER, otherTeam: [], otherOrganization: [] },
    { who: 'a member', principal: member, ownTeam: MEMBER, otherTeam: MEMBER, otherOrganization: [] },
    { who: 'an external account with a custom role', principal: docusign, ownTeam: ['records:write', ...MEMBER], otherTeam: ['records:write', ...MEMBER], otherOrganization: [] },
    { who: 'an external account granted nothing', principal: bareExternal, ownTeam: [], otherTeam: [], otherOrganization: [] },
    {
      who: "the internal account's token narrowed to tokens:write",
      principal: principalOf(internalAccount, ['tokens:write']),
      ownTeam: ['tokens:write'],
      otherTeam: ['tokens:write'],
      otherOrganization: [],
    },
    {
      who: "the platform admin's token narrowed to organizations:create",
      principal: principalOf(platformAdminAccount, ['organizations:create', 'users:read']),
      ownTeam: ['users:read'],
      otherTeam: ['users:read'],
      otherOrganization: [],
    },
  ];
  const targets = {
    ownTeam: (p: Principal) => ({ organizationId: p.organizationId, ownerTeams: ['team-1'] }),
    otherTeam: (p: Principal) => ({ organizationId: p.organizationId, ownerTeams: ['team-2'] }),
    otherOrganization: (p: Principal) => ({ organizationId: p.organizationId === OTHER ? OWN : OTHER, ownerTeams: ['team-1'] }),
  };
  const cells = rows.flatMap((row) =>
    (Object.keys(targets) as (keyof typeof targets)[]).flatMap((where) =>
      ALL.map((permission) => [row.who, permission, where, row[where].includes(permission), row.principal] as const),
    ),
  );

  it.each(cells)('%s, %s, %s: allowed %p', (_who, permission, where, expected, principal) => {
    expect(authorize(principal, permission, targets[where](principal)).allowed).toBe(expected);
  });

  it('says why, and whether the target is in another organization', () => {
    expect(authorize(member, 'users:write', { organizationId: OWN })).toEqual({ allowed: false, reason: 'missing permission users:write', elsewhere: false });
    expect(authorize(member, 'users:read', { organizationId: OTHER })).toEqual({
      allowed: false,
      reason: 'the target belongs to another organization',
      elsewhere: true,
    });
    expect(authorize(manager, 'users:write', { organizationId: OWN, ownerTeams: ['team-2'] })).toMatchObject({
      allowed: false,
      reason: "users:write is granted only for the principal's own teams",
    });
  });

  it('does not apply a team-scoped permission to a target without owner teams', () => {
    expect(authorize(manager, 'users:read', { organizationId: OWN }).allowed).toBe(false);
    expect(holdsOrganizationWide(manager, 'users:read')).toBe(false);
    expect(holdsAnywhere(manager, 'users:read')).toBe(true);
  });

  it('does not trust a platformAdmin flag on a principal outside the root organization without it being derived', () => {
    const narrowed = principalOf(platformAdminAccount, ['organizations:read']);
    expect(narrowed.platformAdmin).toBe(false);
    expect(authorize(narrowed, 'organizations:read', { organizationId: OTHER }).allowed).toBe(false);
  });
});

describe('principalOf: a credential narrowed to some permissions', () => {
  it("holds an unrestricted account's named permissions organization-wide, and nothing else", () => {
    const narrowed = principalOf(internalAccount, ['tokens:write', 'records:write']);
    expect(narrowed).toMatchObject({ unrestricted: false, isSuperAdmin: false, platformAdmin: false, narrowedTo: ['tokens:write', 'records:write'] });
    expect(narrowed.permissions).toEqual({ 'tokens:write': 'organization', 'records:write': 'organization' });
  });

  it("keeps a restricted account's scope and drops what the account does not hold", () => {
    const narrowed = principalOf(managerAccount, ['users:read', 'tokens:write']);
    expect(narrowed.permissions).toEqual({ 'users:read': 'team' });
  });

  it('spells out what an unrestricted principal can really do', () => {
    const internalCan = effectivePermissions(internal);
    expect(Object.keys(internalCan).sort()).toEqual(ADMIN.concat(['passwords:reset']).sort());
    expect(Object.values(internalCan).every((scope) => scope === 'organization')).toBe(true);
    expect(effectivePermissions(platformAdmin)).toHaveProperty('organizations:create', 'organization');
    expect(effectivePermissions(admin)).toEqual(admin.permissions);
  });
});

describe('principalOfView: the principal a verified credential stands for', () => {
  const view: PrincipalView = {
    userId: 'u-1',
    organizationId: OWN,
    accountType: 'service_external',
    roles: [],
    teams: [],
    permissions: {},
    isSuperAdmin: false,
    platformAdmin: false,
    credential: { kind: 'session', id: 's-1', expiresAt: null },
  };

  it('grants a super admin and the internal service account everything, except through a narrowed token', () => {
    expect(holdsOrganizationWide(principalOfView({ ...view, isSuperAdmin: true }), 'audit:read')).toBe(true);
    expect(holdsOrganizationWide(principalOfView({ ...view, accountType: 'service_internal' }), 'audit:read')).toBe(true);
    const narrowed = { ...view, accountType: 'service_internal' as const, credential: { ...view.credential, kind: 'api_token' as const, permissions: ['users:read'] } };
    expect(principalOfView(narrowed)).toMatchObject({ unrestricted: false, narrowedTo: ['users:read'] });
    expect(holdsOrganizationWide(principalOfView(narrowed), 'audit:read')).toBe(false);
  });

  it('needs an organization-wide grant otherwise', () => {
    expect(holdsOrganizationWide(principalOfView({ ...view, permissions: { 'audit:read': 'organization' } }), 'audit:read')).toBe(true);
    expect(holdsOrganizationWide(principalOfView({ ...view, permissions: { 'audit:read': 'team' } }), 'audit:read')).toBe(false);
    expect(holdsOrganizationWide(principalOfView(view), 'audit:read')).toBe(false);
    expect(holdsOrganizationWide(principalOfView(view), 'constructor')).toBe(false);
  });
});

describe('covers', () => {
  it('orders the organization: super admin and internal account over everyone, an admin over members and bare accounts', () => {
    expect(covers(superAdmin, internal).allowed).toBe(true);
    expect(covers(internal, superAdmin).allowed).toBe(true);
    expect(covers(admin, internal)).toMatchObject({ allowed: false, reason: 'the account acts as a super admin' });
    expect(covers(admin, member).allowed).toBe(true);
    expect(covers(admin, bareExternal).allowed).toBe(true);
    expect(covers(admin, docusign)).toMatchObject({ allowed: false, reason: 'the account holds records:write, which the caller does not' });
    expect(covers(member, admin).allowed).toBe(false);
  });

  it('lets a team-scoped holder cover only accounts whose team grants stay within its teams', () => {
    const teamMember = principalOf(account('m', 'user', everywhere(['users:read'], 'team'), { teams: ['team-1'] }));
    const otherTeamMember = principalOf(account('n', 'user', everywhere(['users:read'], 'team'), { teams: ['team-1', 'team-2'] }));
    expect(covers(manager, teamMember).allowed).toBe(true);
    expect(covers(manager, otherTeamMember)).toMatchObject({ allowed: false, reason: 'the account holds users:read for team team-2, which is not the caller\'s' });
    expect(covers(manager, member)).toMatchObject({ allowed: false });
  });

  it('never reaches into another organization, and only the platform admin covers the platform admin', () => {
    const elsewhere = principalOf(account('x', 'user', {}, { organizationId: OTHER }));
    expect(covers(superAdmin, elsewhere)).toEqual({ allowed: false, reason: 'the account belongs to another organization', elsewhere: true });
    const rootInternal = principalOf(account('root-internal', 'service_internal', {}, { organizationId: ROOT }));
    expect(covers(rootInternal, platformAdmin)).toMatchObject({ allowed: false, reason: 'the account is the platform admin' });
  });
});

describe('minting', () => {
  const internalTokenWriter = principalOf(internalAccount, ['tokens:write']);

  it('narrows what a narrowed credential mints to its own permissions', () => {
    expect(narrowingFor(internalTokenWriter, null)).toEqual({ ok: true, permissions: ['tokens:write'] });
    expect(narrowingFor(internalTokenWriter, ['tokens:write'])).toEqual({ ok: true, permissions: ['tokens:write'] });
    expect(narrowingFor(internalTokenWriter, ['users:write'])).toMatchObject({ ok: false });
    expect(narrowingFor(admin, null)).toEqual({ ok: true, permissions: null });
  });

  it('refuses the credential of a stronger account, and an un-narrowed one to a narrowed caller', () => {
    expect(mayObtainCredential(admin, internal, null)).toMatchObject({ allowed: false, elsewhere: false });
    expect(mayObtainCredential(admin, internal, ['users:read'])).toMatchObject({ allowed: false });
    expect(mayObtainCredential(internalTokenWriter, internal, null)).toMatchObject({ allowed: false });
    expect(mayObtainCredential(internalTokenWriter, bareExternal, null)).toMatchObject({
      allowed: false,
      reason: 'a narrowed credential cannot obtain a credential that is not narrowed',
    });
    expect(mayObtainCredential(internalTokenWriter, bareExternal, ['tokens:write']).allowed).toBe(true);
    expect(mayObtainCredential(superAdmin, internal, null).allowed).toBe(true);
    expect(mayObtainCredential(admin, bareExternal, null).allowed).toBe(true);
  });
});

describe('managing accounts', () => {
  const change = (before: Principal | null, after: Principal) => ({ before, after });
  const superAdmin2 = principalOf(account('super-2', 'user', {}, { superAdmin: true }));

  it('refuses everyone a change to their own roles, teams or account type', () => {
    const promoted = principalOf({ ...superAdminAccount, teams: ['team-1', 'team-2'] });
    expect(mayManageAccount(superAdmin, change(superAdmin, promoted))).toMatchObject({ allowed: false, reason: 'nobody changes their own roles, teams or account type' });
    const managerInTwoTeams = principalOf({ ...managerAccount, teams: ['team-1', 'team-2'] });
    expect(mayManageAccount(manager, change(manager, managerInTwoTeams)).allowed).toBe(false);
    expect(mayManageAccount(manager, change(manager, manager))).toMatchObject({ allowed: true });
  });

  it('lets only a super admin manage a super admin; the internal account manages everyone else', () => {
    expect(mayManageAccount(superAdmin, change(superAdmin2, superAdmin2)).allowed).toBe(true);
    expect(mayManageAccount(internal, change(superAdmin2, superAdmin2))).toMatchObject({ allowed: false, reason: 'only a super admin manages a super admin' });
    expect(mayManageAccount(internal, change(null, superAdmin2)).allowed).toBe(false);
    expect(mayManageAccount(internal, change(admin, admin)).allowed).toBe(true);
    expect(mayManageAccount(internal, change(docusign, docusign)).allowed).toBe(true);
  });

  it('refuses an admin the internal account, and a manager any service account', () => {
    expect(mayManageAccount(admin, change(internal, internal)).allowed).toBe(false);
    expect(mayManageAccount(admin, change(null, internal)).allowed).toBe(false);
    expect(mayManageAccount(admin, change(null, bareExternal)).allowed).toBe(true);
    expect(mayManageAccount(manager, change(null, principalOf(account('svc', 'service_external', {}))))).toMatchObject({
      allowed: false,
      reason: 'missing permission service_accounts:write',
    });
  });

  it('refuses making an account more powerful than the caller', () => {
    const memberMadeAdmin = principalOf({ ...memberAccount, permissions: everywhere(ADMIN) });
    expect(mayManageAccount(admin, change(member, memberMadeAdmin)).allowed).toBe(true);
    const memberMadeRecordsWriter = principalOf({ ...memberAccount, permissions: everywhere(['records:write']) });
    expect(mayManageAccount(admin, change(member, memberMadeRecordsWriter)).allowed).toBe(false);
  });

  it('lets the platform admin set up a tenant\'s people, not its service accounts, and reach nothing else there', () => {
    const tenantSuperAdmin = principalOf(account('t', 'user', {}, { organizationId: OTHER, superAdmin: true }));
    const tenantAccount = principalOf(account('t-svc', 'service_external', {}, { organizationId: OTHER }));
    expect(mayManageAccount(platformAdmin, change(null, tenantSuperAdmin)).allowed).toBe(true);
    expect(mayManageAccount(platformAdmin, change(null, tenantAccount))).toMatchObject({ allowed: false, elsewhere: true });
    expect(mayManageAccount(platformAdmin, change(tenantSuperAdmin, tenantSuperAdmin))).toMatchObject({ allowed: false, elsewhere: true });
    expect(mayManageAccount(superAdmin, change(null, tenantSuperAdmin))).toMatchObject({ allowed: false, elsewhere: true });
  });

  it("changes a team's members only with teams:write on that team", () => {
    expect(mayChangeTeamMembership(manager, { organizationId: OWN, teamId: 'team-1' }).allowed).toBe(true);
    expect(mayChangeTeamMembership(manager, { organizationId: OWN, teamId: 'team-2' }).allowed).toBe(false);
    expect(mayChangeTeamMembership(admin, { organizationId: OWN, teamId: 'team-2' }).allowed).toBe(true);
  });

  it('keeps the login policy for super admins', () => {
    expect(mayChangeLoginPolicy(superAdmin).allowed).toBe(true);
    expect(mayChangeLoginPolicy(internal).allowed).toBe(true);
    expect(mayChangeLoginPolicy(admin).allowed).toBe(false);
    expect(mayChangeLoginPolicy(principalOf(superAdminAccount, ['organizations:write'])).allowed).toBe(false);
  });
});

describe('setting a password', () => {
  it("is for a super admin, on a service account, never the account's own", () => {
    expect(maySetPassword(superAdmin, bareExternal).allowed).toBe(true);
    expect(maySetPassword(superAdmin, internal).allowed).toBe(true);
    expect(maySetPassword(internal, bareExternal).allowed).toBe(true);
    expect(maySetPassword(internal, internal)).toMatchObject({ allowed: false, reason: 'a service account cannot change its own password' });
    expect(maySetPassword(admin, bareExternal)).toMatchObject({ allowed: false, reason: "only a super admin may set a service account's password" });
    expect(maySetPassword(superAdmin, member)).toMatchObject({ allowed: false, reason: "a person's password is changed only by that person" });
    expect(maySetPassword(member, member).allowed).toBe(true);
  });

  it('is refused to a narrowed credential, whatever it names', () => {
    expect(maySetPassword(principalOf(superAdminAccount, ['passwords:reset', 'users:write']), bareExternal).allowed).toBe(false);
    expect(maySetPassword(principalOf(internalAccount, ['passwords:reset']), bareExternal).allowed).toBe(false);
  });
});

// Random principals of one organization (plus one elsewhere), as the roles and tokens of a
// real one would make them: every law below must hold for all of them.
const PERMISSION_POOL = ['users:read', 'users:write', 'service_accounts:write', 'teams:write', 'tokens:read', 'tokens:write', 'records:write', 'passwords:reset'];
const TEAMS = ['team-1', 'team-2', 'team-3'];
const arbitraryAccount: fc.Arbitrary<AccountAccess> = fc
  .record({
    userId: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    organizationId: fc.constantFrom(OWN, OWN, OWN, OTHER),
    accountType: fc.constantFrom<PrincipalAccountType>('user', 'service_internal', 'service_external'),
    teams: fc.subarray(TEAMS),
    permissions: fc.dictionary(fc.constantFrom(...PERMISSION_POOL), fc.constantFrom<PermissionScope>('organization', 'team'), { maxKeys: 5 }),
    isSuperAdmin: fc.boolean(),
  })
  .map((a) => ({ ...a, roles: [], isSuperAdmin: a.isSuperAdmin && a.accountType === 'user', platformAdmin: false }));
const arbitraryNarrowing = fc.option(fc.subarray(PERMISSION_POOL), { nil: null });
const arbitraryPrincipal = fc.tuple(arbitraryAccount, arbitraryNarrowing).map(([a, n]) => principalOf(a, n));

describe('laws', () => {
  it('covers is reflexive and transitive', () => {
    fc.assert(fc.property(arbitraryPrincipal, (p) => covers(p, p).allowed));
    fc.assert(
      fc.property(arbitraryPrincipal, arbitraryPrincipal, arbitraryPrincipal, (a, b, c) => {
        fc.pre(covers(a, b).allowed && covers(b, c).allowed);
        return covers(a, c).allowed;
      }),
      { numRuns: 2000 },
    );
  });

  it('a credential narrowed in any way never holds more than its account', () => {
    fc.assert(fc.property(arbitraryAccount, arbitraryNarrowing, (a, n) => covers(principalOf(a), principalOf(a, n)).allowed));
  });

  it('a credential obtained is never stronger than the caller, and a narrowed caller obtains only narrowed ones within itself', () => {
    fc.assert(
      fc.property(arbitraryPrincipal, arbitraryAccount, arbitraryNarrowing, (caller, owner, requested) => {
        const narrowing = narrowingFor(caller, requested);
        fc.pre(narrowing.ok);
        const permissions = narrowing.ok ? narrowing.permissions : null;
        if (!mayObtainCredential(caller, principalOf(owner), permissions).allowed) return true;
        const minted = principalOf(owner, permissions);
        if (!covers(caller, minted).allowed || !covers(caller, principalOf(owner)).allowed) return false;
        if (caller.narrowedTo === null) return true;
        return minted.narrowedTo !== null && minted.narrowedTo.every((permission) => Object.hasOwn(caller.permissions, permission));
      }),
      { numRuns: 2000 },
    );
  });

  it('no one makes or changes an account into one stronger than themselves', () => {
    fc.assert(
      fc.property(arbitraryPrincipal, fc.option(arbitraryAccount, { nil: null }), arbitraryAccount, (caller, before, after) => {
        const was = before === null ? null : principalOf(before);
        const will = principalOf(before === null ? after : { ...after, userId: before.userId, organizationId: before.organizationId });
        if (!mayManageAccount(caller, { before: was, after: will }).allowed) return true;
        return will.userId === caller.userId || covers(caller, will).allowed;
      }),
      { numRuns: 2000 },
    );
  });
});
