import { AccountType } from './account-type';
import { Principal, actsAsSuperAdmin, authorize, authorizeRoleGrant, authorizeUserManagement, buildPrincipal } from './authorization';
import { RoleDefinition, WARDEN_PERMISSIONS } from './roles';

const ROOT = 'org-root';
const OWN = 'org-1';
const OTHER = 'org-2';

const recordsWriter: RoleDefinition = {
  name: 'RECORDS_WRITER',
  display_name: 'Records writer',
  description: 'Updates envelope status records',
  type: 'custom',
  status: 'ACTIVE',
  access_scope: 'organization',
  application_code: 'docusign',
  permissions: ['records:write'],
};
const customRoles = [recordsWriter];

const principal = (
  id: string,
  accountType: AccountType,
  roles: string[],
  organizationId = OWN,
  teams: string[] = ['team-1'],
): Principal =>
  buildPrincipal({ id, organizationId, accountType, roles, teams, customRoles, rootOrganizationId: ROOT });

const ALL = [...WARDEN_PERMISSIONS, 'records:write'];
const PLATFORM = ['organizations:create', 'read_models:rebuild'];
const IN_ORGANIZATION = ALL.filter((permission) => !PLATFORM.includes(permission));
const ADMIN = IN_ORGANIZATION.filter(
  (permission) => permission !== 'passwords:reset' && permission !== 'records:write',
);
const MANAGER = [
  'users:read',
  'users:write',
  'service_accounts:write',
  'teams:read',
  'teams:write',
  'tokens:read',
  'tokens:write',
];
const MEMBER = ['organizations:read', 'users:read', 'teams:read', 'roles:read'];

// Who may do what: on a target in their own organization owned by one of their teams,
// owned by another team, and in another organization.
const matrix: {
  who: string;
  principal: Principal;
  ownTeam: string[];
  otherTeam: string[];
  otherOrganization: string[];
}[] = [
  {
    who: 'a super admin of the root organization',
    principal: principal('root-admin', 'user', ['WARDEN_SUPER_ADMIN'], ROOT),
    ownTeam: ALL,
    otherTeam: ALL,
    otherOrganization: ['organizations:create', 'organizations:read', 'organizations:write'],
  },
  {
    who: 'a super admin',
    principal: principal('admin-0', 'user', ['WARDEN_SUPER_ADMIN']),
    ownTeam: IN_ORGANIZATION,
    otherTeam: IN_ORGANIZATION,
    otherOrganization: [],
  },
  {
    who: 'the internal service account, with no roles at all',
    principal: principal('svc-internal', 'service_internal', []),
    ownTeam: IN_ORGANIZATION,
    otherTeam: IN_ORGANIZATION,
    otherOrganization: [],
  },
  {
    who: 'the internal service account of the root organization',
    principal: principal('svc-root', 'service_internal', [], ROOT),
    ownTeam: IN_ORGANIZATION,
    otherTeam: IN_ORGANIZATION,
    otherOrganization: [],
  },
  {
    who: 'an admin',
    principal: principal('admin-1', 'user', ['WARDEN_ADMIN']),
    ownTeam: ADMIN,
    otherTeam: ADMIN,
    otherOrganization: [],
  },
  {
    who: 'a manager (team-scoped)',
    principal: principal('manager-1', 'user', ['WARDEN_MANAGER']),
    ownTeam: MANAGER,
    otherTeam: [],
    otherOrganization: [],
  },
  {
    who: 'a member',
    principal: principal('member-1', 'user', ['WARDEN_MEMBER']),
    ownTeam: MEMBER,
    otherTeam: MEMBER,
    otherOrganization: [],
  },
  {
    who: 'an auditor',
    principal: principal('auditor-1', 'user', ['WARDEN_AUDITOR']),
    ownTeam: ['audit:read'],
    otherTeam: ['audit:read'],
    otherOrganization: [],
  },
  {
    who: 'an external service account granted a custom role and Member',
    principal: principal('svc-docusign', 'service_external', ['RECORDS_WRITER', 'WARDEN_MEMBER']),
    ownTeam: ['records:write', ...MEMBER],
    otherTeam: ['records:write', ...MEMBER],
    otherOrganization: [],
  },
  {
    who: 'an external service account granted nothing',
    principal: principal('svc-bare', 'service_external', []),
    ownTeam: [],
    otherTeam: [],
    otherOrganization: [],
  },
  {
    who: 'a human with no roles',
    principal: principal('user-1', 'user', []),
    ownTeam: [],
    otherTeam: [],
    otherOrganization: [],
  },
];

const targets = {
  ownTeam: (p: Principal) => ({ organizationId: p.organizationId, ownerTeams: ['team-1'] }),
  otherTeam: (p: Principal) => ({ organizationId: p.organizationId, ownerTeams: ['team-2'] }),
  otherOrganization: (p: Principal) => ({
    organizationId: p.organizationId === OTHER ? OWN : OTHER,
    ownerTeams: ['team-1'],
  }),
};

const cells = matrix.flatMap((row) =>
  (Object.keys(targets) as (keyof typeof targets)[]).flatMap((where) =>
    ALL.map(
      (permission) => [row.who, permission, where, row[where].includes(permission), row.principal] as const,
    ),
  ),
);

describe('authorization matrix: principal x permission x where', () => {
  it.each(cells)('%s, %s, %s: allowed %p', (_who, permission, where, expected, who) => {
    expect(authorize(who, permission, targets[where](who)).allowed).toBe(expected);
  });
});

describe('authorization', () => {
  it('says why a request is refused', () => {
    const member = principal('member-1', 'user', ['WARDEN_MEMBER']);
    const manager = principal('manager-1', 'user', ['WARDEN_MANAGER']);
    expect(authorize(member, 'users:write', { organizationId: OWN })).toEqual({
      allowed: false,
      reason: 'missing permission users:write',
    });
    expect(authorize(member, 'users:read', { organizationId: OTHER })).toEqual({
      allowed: false,
      reason: 'the target belongs to another organization',
    });
    expect(authorize(manager, 'tokens:write', { organizationId: OWN, ownerTeams: ['team-2'] })).toEqual({
      allowed: false,
      reason: "tokens:write is granted only for the principal's own teams",
    });
    expect(
      authorize(principal('admin-0', 'user', ['WARDEN_SUPER_ADMIN']), 'organizations:create', {
        organizationId: 'new',
      }),
    ).toEqual({
      allowed: false,
      reason: 'organizations:create is reserved to super admins of the root organization',
    });
  });

  it('lets a root super admin create an organization that does not exist yet', () => {
    expect(
      authorize(principal('root-admin', 'user', ['WARDEN_SUPER_ADMIN'], ROOT), 'organizations:create', {
        organizationId: 'org-new',
      }),
    ).toEqual({
      allowed: true,
    });
  });

  it('does not apply a team-scoped permission to a target without owner teams', () => {
    expect(
      authorize(principal('manager-1', 'user', ['WARDEN_MANAGER']), 'users:read', { organizationId: OWN })
        .allowed,
    ).toBe(false);
  });

  it('applies a team-scoped permission where any of the owner’s teams is the principal’s', () => {
    const manager = principal('manager-1', 'user', ['WARDEN_MANAGER'], OWN, ['team-1', 'team-3']);
    expect(
      authorize(manager, 'tokens:write', { organizationId: OWN, ownerTeams: ['team-9', 'team-3'] }).allowed,
    ).toBe(true);
  });

  it('takes the widest scope when two roles grant the same permission', () => {
    const both = principal('user-2', 'user', ['WARDEN_MANAGER', 'WARDEN_MEMBER']);
    expect(both.permissions['users:read']).toBe('organization');
    expect(both.permissions['users:write']).toBe('team');
    expect(authorize(both, 'users:read', { organizationId: OWN, ownerTeams: ['team-2'] }).allowed).toBe(true);
  });

  it('does not trust a platformAdmin flag without super admin', () => {
    const forged: Principal = { ...principal('user-1', 'user', [], ROOT), platformAdmin: true };
    expect(authorize(forged, 'organizations:read', { organizationId: OTHER }).allowed).toBe(false);
  });

  describe('buildPrincipal', () => {
    it('resolves permissions and super admin from the roles', () => {
      expect(principal('svc-docusign', 'service_external', ['RECORDS_WRITER'])).toEqual({
        id: 'svc-docusign',
        organizationId: OWN,
        accountType: 'service_external',
        roles: ['RECORDS_WRITER'],
        teams: ['team-1'],
        permissions: { 'records:write': 'organization' },
        isSuperAdmin: false,
        platformAdmin: false,
      });
    });

    it('makes only a super admin of the root organization a platform admin', () => {
      expect(principal('a', 'user', ['WARDEN_SUPER_ADMIN'], ROOT)).toMatchObject({
        isSuperAdmin: true,
        platformAdmin: true,
      });
      expect(principal('b', 'user', ['WARDEN_SUPER_ADMIN'], OWN)).toMatchObject({
        isSuperAdmin: true,
        platformAdmin: false,
      });
      expect(principal('c', 'user', ['WARDEN_ADMIN'], ROOT)).toMatchObject({
        isSuperAdmin: false,
        platformAdmin: false,
      });
    });
  });

  it('treats the internal service account as a super admin (seed 000), and nobody else without the role', () => {
    expect(actsAsSuperAdmin(principal('svc-internal', 'service_internal', []))).toBe(true);
    expect(actsAsSuperAdmin(principal('admin-0', 'user', ['WARDEN_SUPER_ADMIN']))).toBe(true);
    expect(actsAsSuperAdmin(principal('svc-ext', 'service_external', ['WARDEN_ADMIN']))).toBe(false);
    expect(actsAsSuperAdmin(principal('admin-1', 'user', ['WARDEN_ADMIN']))).toBe(false);
  });
});

describe('granting roles', () => {
  const admin = principal('admin-1', 'user', ['WARDEN_ADMIN']);
  const manager = principal('manager-1', 'user', ['WARDEN_MANAGER']);

  it('lets an admin grant roles whose permissions the admin holds', () => {
    expect(
      authorizeRoleGrant(admin, ['WARDEN_MEMBER', 'WARDEN_MANAGER', 'WARDEN_AUDITOR'], customRoles),
    ).toEqual({ allowed: true });
  });

  it('refuses an admin the super admin role and permissions the admin lacks', () => {
    expect(authorizeRoleGrant(admin, ['WARDEN_SUPER_ADMIN'], customRoles)).toEqual({
      allowed: false,
      reason: 'only a super admin may grant WARDEN_SUPER_ADMIN',
    });
    expect(authorizeRoleGrant(admin, ['RECORDS_WRITER'], customRoles).allowed).toBe(false);
  });

  it('refuses a team-scoped manager an organization-wide role', () => {
    expect(authorizeRoleGrant(manager, ['WARDEN_MEMBER'], customRoles)).toEqual({
      allowed: false,
      reason:
        'cannot grant WARDEN_MEMBER: it carries organizations:read, which the principal does not hold as widely',
    });
    expect(authorizeRoleGrant(manager, ['WARDEN_MANAGER'], customRoles)).toEqual({ allowed: true });
  });

  it('lets a super admin grant anything, and the internal service account anything but super admin', () => {
    expect(
      authorizeRoleGrant(
        principal('admin-0', 'user', ['WARDEN_SUPER_ADMIN']),
        ['WARDEN_SUPER_ADMIN', 'RECORDS_WRITER'],
        customRoles,
      ),
    ).toEqual({
      allowed: true,
    });
    const internal = principal('svc-internal', 'service_internal', []);
    expect(authorizeRoleGrant(internal, ['WARDEN_ADMIN', 'RECORDS_WRITER'], customRoles)).toEqual({
      allowed: true,
    });
    expect(authorizeRoleGrant(internal, ['WARDEN_SUPER_ADMIN'], customRoles).allowed).toBe(false);
  });
});

describe('authorizeUserManagement', () => {
  const target = (accountType: AccountType, roles: string[], teams: string[] = ['team-1'], organizationId = OWN) => ({
    organizationId,
    accountType,
    roles,
    teams,
  });
  const superAdmin = principal('super', 'user', ['WARDEN_SUPER_ADMIN']);
  const internal = principal('internal', 'service_internal', []);
  const admin = principal('admin', 'user', ['WARDEN_ADMIN']);
  const manager = principal('manager', 'user', ['WARDEN_MANAGER'], OWN, ['team-1']);

  it('lets a super admin manage anyone in its organization', () => {
    expect(authorizeUserManagement(superAdmin, target('user', ['WARDEN_SUPER_ADMIN']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(superAdmin, target('service_internal', []), customRoles).allowed).toBe(true);
  });

  it('lets the internal service account manage everyone but the human super admins it cannot appoint', () => {
    expect(authorizeUserManagement(internal, target('user', ['WARDEN_ADMIN']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(internal, target('service_external', ['RECORDS_WRITER']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(internal, target('user', ['WARDEN_SUPER_ADMIN']), customRoles)).toMatchObject({ allowed: false });
  });

  it('refuses an admin the management of a super admin or of the internal service account', () => {
    expect(authorizeUserManagement(admin, target('user', ['WARDEN_SUPER_ADMIN']), customRoles)).toMatchObject({ allowed: false });
    expect(authorizeUserManagement(admin, target('service_internal', []), customRoles)).toMatchObject({ allowed: false });
  });

  it('lets an admin manage members, other admins and external service accounts', () => {
    expect(authorizeUserManagement(admin, target('user', ['WARDEN_MEMBER']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(admin, target('user', ['WARDEN_ADMIN']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(admin, target('service_external', []), customRoles).allowed).toBe(true);
  });

  it('refuses a team manager a super admin even inside the manager\'s own team', () => {
    expect(authorizeUserManagement(manager, target('user', ['WARDEN_SUPER_ADMIN'], ['team-1']), customRoles)).toMatchObject({
      allowed: false,
    });
  });

  it('lets a team manager manage a user of its team, not of another team or organization', () => {
    expect(authorizeUserManagement(manager, target('service_external', [], ['team-1']), customRoles).allowed).toBe(true);
    expect(authorizeUserManagement(manager, target('service_external', [], ['team-2']), customRoles).allowed).toBe(false);
    expect(authorizeUserManagement(manager, target('user', [], ['team-1'], OTHER), customRoles).allowed).toBe(false);
  });

  it('refuses a manager a user holding a custom role with a permission the manager lacks', () => {
    expect(authorizeUserManagement(manager, target('service_external', ['RECORDS_WRITER'], ['team-1']), customRoles)).toMatchObject({
      allowed: false,
    });
  });
});
