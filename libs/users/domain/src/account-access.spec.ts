import { accountAccessOf } from './account-access';
import { RoleDefinition } from './roles';

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
const account = (id: string, accountType: 'user' | 'service_external' | 'service_internal', roles: string[], organizationId = 'org-1') => ({
  id,
  organizationId,
  accountType,
  roles,
  teams: ['team-1'],
});

describe('accountAccessOf', () => {
  it('resolves the permissions of the roles, default and custom, with the widest scope', () => {
    expect(accountAccessOf(account('svc', 'service_external', ['RECORDS_WRITER']), [recordsWriter], 'org-root')).toEqual({
      userId: 'svc',
      organizationId: 'org-1',
      accountType: 'service_external',
      roles: ['RECORDS_WRITER'],
      teams: ['team-1'],
      permissions: { 'records:write': 'organization' },
      isSuperAdmin: false,
      platformAdmin: false,
    });
    const both = accountAccessOf(account('u', 'user', ['WARDEN_MANAGER', 'WARDEN_MEMBER']), [], 'org-root');
    expect(both.permissions['users:read']).toBe('organization');
    expect(both.permissions['users:write']).toBe('team');
  });

  it('makes only a super admin of the root organization the platform admin', () => {
    expect(accountAccessOf(account('a', 'user', ['WARDEN_SUPER_ADMIN'], 'org-root'), [], 'org-root')).toMatchObject({ isSuperAdmin: true, platformAdmin: true });
    expect(accountAccessOf(account('b', 'user', ['WARDEN_SUPER_ADMIN']), [], 'org-root')).toMatchObject({ isSuperAdmin: true, platformAdmin: false });
    expect(accountAccessOf(account('c', 'user', ['WARDEN_ADMIN'], 'org-root'), [], 'org-root')).toMatchObject({ isSuperAdmin: false, platformAdmin: false });
  });

  it('gives a manager neither service accounts nor tokens to write: those are administrator-managed', () => {
    const manager = accountAccessOf(account('m', 'user', ['WARDEN_MANAGER']), [], 'org-root');
    expect(manager.permissions).toEqual({ 'users:read': 'team', 'users:write': 'team', 'teams:read': 'team', 'teams:write': 'team', 'tokens:read': 'team' });
  });
});
