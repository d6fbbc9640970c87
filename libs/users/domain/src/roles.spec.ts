import { UsersErrorCode, WardenError } from '@warden/contracts';
import { WARDEN_PERMISSIONS, isPermission } from '@warden/access';
import { DEFAULT_ROLES, RoleDefinition, assertAssignableRoles, isDefaultRoleName, resolvePermissions, roleCatalogue } from './roles';

const recordsWriter: RoleDefinition = {
  name: 'RECORDS_WRITER',
  display_name: 'Records writer',
  description: 'Updates envelope status records',
  type: 'custom',
  status: 'ACTIVE',
  access_scope: 'team',
  application_code: 'docusign',
  permissions: ['records:write', 'tokens:read'],
};
const retired: RoleDefinition = {
  ...recordsWriter,
  name: 'OLD_SYNC',
  status: 'ARCHIVED',
  permissions: ['records:sync'],
};
const roleNamed = (name: string) => DEFAULT_ROLES.find((role) => role.name === name)!;

describe('permissions', () => {
  it.each([...WARDEN_PERMISSIONS, 'records:write', 'envelopes:update_status'])(
    '%p is a permission',
    (permission) => {
      expect(isPermission(permission)).toBe(true);
    },
  );

  it.each([
    ['no action', 'records'],
    ['upper case', 'Records:write'],
    ['a one-letter resource', 'r:write'],
    ['a wildcard', 'records:*'],
    ['an invented action on a Warden resource', 'users:purge'],
    ['three parts', 'a:b:c'],
  ])('refuses %s (%p)', (_why, permission) => {
    expect(isPermission(permission)).toBe(false);
  });
});

describe('default role catalogue', () => {
  it('has Admin, Manager and Member, an auditor and a super admin, in the catalogue shape', () => {
    expect(DEFAULT_ROLES.map((role) => role.name)).toEqual([
      'WARDEN_SUPER_ADMIN',
      'WARDEN_ADMIN',
      'WARDEN_MANAGER',
      'WARDEN_MEMBER',
      'WARDEN_AUDITOR',
    ]);
    for (const role of DEFAULT_ROLES) {
      expect(role).toMatchObject({ type: 'default', status: 'ACTIVE', application_code: 'warden' });
      expect(Object.keys(role).sort()).toEqual(
        [
          'access_scope',
          'application_code',
          'description',
          'display_name',
          'name',
          'permissions',
          'status',
          'type',
        ].sort(),
      );
      expect(role.permissions.every(isPermission)).toBe(true);
    }
  });

  it('gives the super admin everything, including creating organizations', () => {
    expect(roleNamed('WARDEN_SUPER_ADMIN').permissions).toEqual([...WARDEN_PERMISSIONS]);
  });

  it('keeps super-admin-only permissions from the admin', () => {
    const admin = roleNamed('WARDEN_ADMIN').permissions;
    expect(admin).toContain('service_accounts:write');
    expect(admin).not.toContain('organizations:create');
    expect(admin).not.toContain('passwords:reset');
    expect(admin).not.toContain('read_models:rebuild');
  });

  it('scopes the manager to their teams and gives the member and auditor read access only', () => {
    expect(roleNamed('WARDEN_MANAGER').access_scope).toBe('team');
    expect(roleNamed('WARDEN_MEMBER').permissions.every((permission) => permission.endsWith(':read'))).toBe(
      true,
    );
    expect(roleNamed('WARDEN_AUDITOR').permissions).toEqual(['audit:read']);
  });

  it('groups default and custom roles by application, optionally filtered', () => {
    const catalogue = roleCatalogue([recordsWriter]);
    expect(Object.keys(catalogue)).toEqual(['warden', 'docusign']);
    expect(catalogue.warden).toHaveLength(5);
    expect(catalogue.docusign).toEqual([recordsWriter]);
    expect(roleCatalogue([recordsWriter], { applicationCode: 'docusign' })).toEqual({
      docusign: [recordsWriter],
    });
    expect(roleCatalogue([], { applicationCode: 'nothing' })).toEqual({});
  });

  it('reserves the WARDEN_ prefix for default roles', () => {
    expect(isDefaultRoleName('WARDEN_ADMIN')).toBe(true);
    expect(isDefaultRoleName('WARDEN_FUTURE')).toBe(true);
    expect(isDefaultRoleName('RECORDS_WRITER')).toBe(false);
  });
});

describe('assigning roles', () => {
  it('accepts default and active custom roles, without duplicates', () => {
    expect(
      assertAssignableRoles(['WARDEN_MEMBER', 'RECORDS_WRITER', 'WARDEN_MEMBER'], 'service_external', [
        recordsWriter,
      ]),
    ).toEqual(['WARDEN_MEMBER', 'RECORDS_WRITER']);
  });

  it.each([
    ['an unknown role', ['NOPE'], 'user', UsersErrorCode.RoleNotFound],
    ['an archived role', ['OLD_SYNC'], 'user', UsersErrorCode.RoleArchived],
    [
      'super admin on an external service account',
      ['WARDEN_SUPER_ADMIN'],
      'service_external',
      UsersErrorCode.RoleNotAssignable,
    ],
    [
      'super admin on the internal service account',
      ['WARDEN_SUPER_ADMIN'],
      'service_internal',
      UsersErrorCode.RoleNotAssignable,
    ],
  ] as const)('refuses %s', (_why, roles, accountType, code) => {
    let thrown: unknown;
    try {
      assertAssignableRoles(roles, accountType, [recordsWriter, retired]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WardenError);
    expect((thrown as WardenError).code).toBe(code);
    expect((thrown as WardenError).errors?.map(({ field }) => field)).toEqual(['roles']);
  });
});

describe('resolvePermissions', () => {
  it('collects each permission with its scope', () => {
    expect(resolvePermissions(['WARDEN_AUDITOR', 'RECORDS_WRITER'], [recordsWriter])).toEqual({
      'audit:read': 'organization',
      'records:write': 'team',
      'tokens:read': 'team',
    });
  });

  it('keeps the widest scope whatever the order of the roles', () => {
    const widerFirst = resolvePermissions(['WARDEN_ADMIN', 'RECORDS_WRITER'], [recordsWriter]);
    const widerLast = resolvePermissions(['RECORDS_WRITER', 'WARDEN_ADMIN'], [recordsWriter]);
    expect(widerFirst['tokens:read']).toBe('organization');
    expect(widerLast['tokens:read']).toBe('organization');
  });

  it('grants nothing for an unknown role, and keeps granting for an archived one its holders still have', () => {
    expect(resolvePermissions(['GONE'], [])).toEqual({});
    expect(resolvePermissions(['OLD_SYNC'], [retired])).toEqual({ 'records:sync': 'team' });
  });
});
