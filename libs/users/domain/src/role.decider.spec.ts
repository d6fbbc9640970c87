import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import type { DomainEvent } from '@warden/kernel';
import { deciderSpec } from '@warden/testing';
import { RoleCommand, RoleEvent, roleDecider, roleStreamId, toRoleDefinition } from './role.decider';
import { resolvePermissions } from './roles';

const spec = deciderSpec(roleDecider);
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const stateAfter = (events: RoleEvent[]) => events.reduce(roleDecider.evolve, roleDecider.initialState());

const create: Extract<RoleCommand, { type: 'CreateRole' }> = {
  type: 'CreateRole',
  organizationId: 'org-1',
  name: 'RECORDS_WRITER',
  displayName: ' Records writer ',
  description: 'Updates envelope status records',
  applicationCode: 'docusign',
  permissions: ['records:write', 'tokens:read', 'records:write'],
  accessScope: 'team',
  at,
};
const created: RoleEvent = {
  type: 'RoleCreated',
  data: {
    organizationId: 'org-1',
    name: 'RECORDS_WRITER',
    displayName: 'Records writer',
    description: 'Updates envelope status records',
    applicationCode: 'docusign',
    permissions: ['records:write', 'tokens:read'],
    accessScope: 'team',
    createdAt: at,
  },
};
const archived: RoleEvent = {
  type: 'RoleArchived',
  data: { organizationId: 'org-1', name: 'RECORDS_WRITER', archivedAt: later },
};
const fieldsAtFault = (error: WardenError) => error.errors?.map(({ field }) => field);

describe('role decider', () => {
  it('keeps one stream per organization and role name, so names are unique in an organization', () => {
    expect(roleStreamId('org-1', 'RECORDS_WRITER')).toBe('role-org-1-RECORDS_WRITER');
  });

  it('creates a custom role with its application permissions', () => {
    spec.given([]).when(create).then([created]);
  });

  it('shows a created role in the catalogue shape (name, display_name, type, status, access_scope), as custom and active', () => {
    const state = stateAfter([created]);
    if (state.status === 'absent') throw new Error('role not created');
    expect(toRoleDefinition(state)).toEqual({
      name: 'RECORDS_WRITER',
      display_name: 'Records writer',
      description: 'Updates envelope status records',
      type: 'custom',
      status: 'ACTIVE',
      access_scope: 'team',
      application_code: 'docusign',
      permissions: ['records:write', 'tokens:read'],
    });
    expect(resolvePermissions(['RECORDS_WRITER'], [toRoleDefinition(state)])).toEqual({
      'records:write': 'team',
      'tokens:read': 'team',
    });
  });

  it.each(['WARDEN_ADMIN', 'WARDEN_SUPER_ADMIN', 'WARDEN_ANYTHING'])(
    'refuses to reuse a default role name (%p)',
    (name) => {
      spec
        .given([])
        .when({ ...create, name })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.RoleNameReserved);
          expect(fieldsAtFault(error)).toEqual(['name']);
        });
    },
  );

  it('refuses a name already used in the organization, archived or not', () => {
    spec
      .given([created])
      .when(create)
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.RoleAlreadyExists));
    spec
      .given([created, archived])
      .when(create)
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.RoleAlreadyExists));
  });

  it.each([
    ['a lower-case name', { name: 'records_writer' }, ['name']],
    ['a name of 2 characters', { name: 'RW' }, ['name']],
    ['a name of 65 characters', { name: 'R'.repeat(65) }, ['name']],
    ['a name starting with a digit', { name: '1RECORDS' }, ['name']],
    ['a blank display name', { displayName: '  ' }, ['display_name']],
    ['a description over 500 characters', { description: 'x'.repeat(501) }, ['description']],
    ['a bad application code', { applicationCode: 'DocuSign' }, ['application_code']],
    ['an unknown access scope', { accessScope: 'account' as never }, ['access_scope']],
    ['no permissions', { permissions: [] }, ['permissions']],
    ['a malformed permission', { permissions: ['records'] }, ['permissions']],
    ['an invented action on a Warden resource', { permissions: ['users:purge'] }, ['permissions']],
    ['a super-admin-only permission', { permissions: ['passwords:reset'] }, ['permissions']],
    ['creating organizations', { permissions: ['organizations:create'] }, ['permissions']],
    ['several faults at once', { name: 'x', displayName: '' }, ['name', 'display_name']],
  ] as const)('refuses %s, naming the fields', (_why, change, fields) => {
    spec
      .given([])
      .when({
        ...create,
        ...change,
        permissions: 'permissions' in change ? [...change.permissions] : create.permissions,
      })
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(CommonErrorCode.ValidationFailed);
        expect(fieldsAtFault(error)).toEqual(fields);
      });
  });

  it('archives a role; it stays in the catalogue as ARCHIVED', () => {
    spec.given([created]).when({ type: 'ArchiveRole', at: later }).then([archived]);
    const state = stateAfter([created, archived]);
    if (state.status === 'absent') throw new Error('role not created');
    expect(toRoleDefinition(state).status).toBe('ARCHIVED');
  });

  it('records nothing when archiving an archived role', () => {
    spec.given([created, archived]).when({ type: 'ArchiveRole', at: later }).then([]);
  });

  it('cannot archive a role that does not exist', () => {
    spec
      .given([])
      .when({ type: 'ArchiveRole', at: later })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.RoleNotFound));
  });

  it('records JSON', () => {
    const events: DomainEvent[] = [created, archived];
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
  });
});
