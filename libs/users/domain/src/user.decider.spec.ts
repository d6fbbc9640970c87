import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AccountAccess, Principal, principalOf } from '@warden/access';
import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import { RecordedEvent } from '@warden/event-store';
import { type DomainEvent, upcast } from '@warden/kernel';
import { deciderSpec } from '@warden/testing';
import { RoleDefinition } from './roles';
import { UserCommand, UserEvent, passwordLoginAllowed, userDecider, userStreamId } from './user.decider';

const spec = deciderSpec(userDecider);
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const stateAfter = (events: UserEvent[]) => events.reduce(userDecider.evolve, userDecider.initialState());

// A service account created from username, account_type, first and last name and
// password, as service_external.
const serviceAccountCreated: UserEvent = {
  type: 'UserCreated',
  data: {
    userId: 'svc-1',
    organizationId: 'org-1',
    accountType: 'service_external',
    username: 'docusign-connect@acme',
    firstName: 'DocuSign',
    lastName: 'Connect',
    roles: [],
    teams: [],
    passwordHash: '$argon2id$svc',
    createdAt: at,
  },
};
const humanCreated: UserEvent = {
  type: 'UserCreated',
  data: {
    userId: 'user-1',
    organizationId: 'org-1',
    accountType: 'user',
    username: 'grace',
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@acme.test',
    roles: ['WARDEN_MEMBER'],
    teams: ['team-1'],
    passwordHash: '$argon2id$grace',
    createdAt: at,
  },
};
const deactivated = (userId: string): UserEvent => ({
  type: 'UserDeactivated',
  data: { userId, deactivatedAt: later },
});
const deleted = (userId: string): UserEvent => ({ type: 'UserDeleted', data: { userId, deletedAt: later } });

const integrations: RoleDefinition = {
  name: 'RECORDS_WRITER',
  display_name: 'Records writer',
  description: 'Updates envelope status records',
  type: 'custom',
  status: 'ACTIVE',
  access_scope: 'organization',
  application_code: 'docusign',
  permissions: ['records:write'],
};
const retired: RoleDefinition = { ...integrations, name: 'OLD_SYNC', status: 'ARCHIVED' };

const createServiceAccount: UserCommand = {
  type: 'CreateUser',
  userId: 'svc-1',
  organizationId: 'org-1',
  accountType: 'service_external',
  username: ' docusign-connect@acme ',
  firstName: 'DocuSign',
  lastName: 'Connect',
  passwordHash: '$argon2id$svc',
  at,
};

const codeIs = (code: string) => (error: WardenError) => expect(error.code).toBe(code);

describe('user decider', () => {
  it('keeps each user in its own stream', () => {
    expect(userStreamId('svc-1')).toBe('user-svc-1');
  });

  describe('CreateUser', () => {
    it('creates a service account from a username and password body, carrying only the fields given', () => {
      spec.given([]).when(createServiceAccount).then([serviceAccountCreated]);
    });

    it('creates every account active: no activation email', () => {
      expect(stateAfter([serviceAccountCreated])).toMatchObject({
        status: 'active',
        accountType: 'service_external',
      });
      expect(stateAfter([humanCreated])).toMatchObject({
        status: 'active',
        email: 'grace@acme.test',
        friendlyName: null,
      });
    });

    it('creates a token-only service account from a service-user body: friendly name, email, roles, no password', () => {
      spec
        .given([])
        .when({
          type: 'CreateUser',
          userId: 'svc-2',
          organizationId: 'org-1',
          accountType: 'service_external',
          username: 'api-notifications',
          friendlyName: 'API Integration Service User',
          description: 'Service user for certificate automation',
          email: 'api-notifications@example.com',
          roles: ['WARDEN_MEMBER', 'RECORDS_WRITER', 'WARDEN_MEMBER'],
          customRoles: [integrations],
          teams: ['team-1', 'team-1'],
          passwordHash: null,
          at,
        })
        .then([
          {
            type: 'UserCreated',
            data: {
              userId: 'svc-2',
              organizationId: 'org-1',
              accountType: 'service_external',
              username: 'api-notifications',
              email: 'api-notifications@example.com',
              friendlyName: 'API Integration Service User',
              description: 'Service user for certificate automation',
              roles: ['WARDEN_MEMBER', 'RECORDS_WRITER'],
              teams: ['team-1'],
              passwordHash: null,
              createdAt: at,
            },
          },
        ]);
    });

    it('drops blank profile fields instead of storing empty strings', () => {
      spec
        .given([])
        .when({ ...createServiceAccount, firstName: '   ', lastName: null, description: '' })
        .then([
          {
            type: 'UserCreated',
            data: {
              userId: 'svc-1',
              organizationId: 'org-1',
              accountType: 'service_external',
              username: 'docusign-connect@acme',
              roles: [],
              teams: [],
              passwordHash: '$argon2id$svc',
              createdAt: at,
            },
          },
        ]);
      // toEqual above ignores undefined properties; the keys must be absent, not undefined.
      const [event] = userDecider.decide(
        { ...createServiceAccount, firstName: '   ', lastName: null },
        userDecider.initialState(),
      );
      expect(Object.keys(event.data)).not.toContain('firstName');
      expect(Object.keys(event.data)).not.toContain('lastName');
    });

    it('refuses a username that breaks the rule', () => {
      spec
        .given([])
        .when({ ...createServiceAccount, username: 'docusign connect' })
        .thenThrows(WardenError, codeIs(UsersErrorCode.InvalidUsername));
    });

    it('refuses a bad profile, naming every field at fault', () => {
      spec
        .given([])
        .when({ ...createServiceAccount, email: 'not an address', firstName: 'x'.repeat(101) })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(CommonErrorCode.ValidationFailed);
          expect(error.errors).toEqual([
            { field: 'first_name', message: 'must be at most 100 characters' },
            { field: 'email', message: 'must be an email address (name@domain)' },
          ]);
        });
    });

    it('refuses a role that does not exist', () => {
      spec
        .given([])
        .when({ ...createServiceAccount, roles: ['RECORDS_WRITER'] })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.RoleNotFound);
          expect(error.errors?.[0].field).toBe('roles');
        });
    });

    it('refuses an archived role', () => {
      spec
        .given([])
        .when({ ...createServiceAccount, roles: ['OLD_SYNC'], customRoles: [retired] })
        .thenThrows(WardenError, codeIs(UsersErrorCode.RoleArchived));
    });

    it.each(['service_internal', 'service_external'] as const)(
      'refuses the super admin role on a %s account',
      (accountType) => {
        spec
          .given([])
          .when({ ...createServiceAccount, accountType, roles: ['WARDEN_SUPER_ADMIN'] })
          .thenThrows(WardenError, codeIs(UsersErrorCode.RoleNotAssignable));
      },
    );

    it('refuses to create the same user twice, even after deletion', () => {
      spec
        .given([serviceAccountCreated])
        .when(createServiceAccount)
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserAlreadyExists));
      spec
        .given([serviceAccountCreated, deleted('svc-1')])
        .when(createServiceAccount)
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserAlreadyExists));
    });
  });

  describe('ChangeProfile', () => {
    it('records only the fields that changed, trimmed', () => {
      spec
        .given([humanCreated])
        .when({
          type: 'ChangeProfile',
          firstName: 'Grace',
          lastName: ' Murray Hopper ',
          friendlyName: 'Amazing Grace',
          at: later,
        })
        .then([
          {
            type: 'UserProfileChanged',
            data: {
              userId: 'user-1',
              changes: { lastName: 'Murray Hopper', friendlyName: 'Amazing Grace' },
              changedAt: later,
            },
          },
        ]);
    });

    it('clears a field with null', () => {
      spec
        .given([humanCreated])
        .when({ type: 'ChangeProfile', email: null, at: later })
        .then([{ type: 'UserProfileChanged', data: { userId: 'user-1', changes: { email: null }, changedAt: later } }]);
      expect(
        stateAfter([
          humanCreated,
          { type: 'UserProfileChanged', data: { userId: 'user-1', changes: { email: null }, changedAt: later } },
        ]),
      ).toMatchObject({ email: null, firstName: 'Grace' });
    });

    it('records nothing when nothing changes', () => {
      spec.given([humanCreated]).when({ type: 'ChangeProfile', firstName: 'Grace', at: later }).then([]);
    });

    it('is allowed on a deactivated user (an administrator tidying up)', () => {
      spec
        .given([humanCreated, deactivated('user-1')])
        .when({ type: 'ChangeProfile', description: 'left the company', at: later })
        .then([
          {
            type: 'UserProfileChanged',
            data: { userId: 'user-1', changes: { description: 'left the company' }, changedAt: later },
          },
        ]);
    });

    it('refuses a bad email', () => {
      spec
        .given([humanCreated])
        .when({ type: 'ChangeProfile', email: 'grace@', at: later })
        .thenThrows(WardenError, (error) => expect(error.errors?.[0].field).toBe('email'));
    });

    it('folds a change stored before version 2 (the fields beside its own), read through its upcaster', () => {
      const [stored] = JSON.parse(readFileSync(path.join(__dirname, '../golden-events/UserProfileChanged.v1.json'), 'utf8')) as RecordedEvent[];
      const changed = upcast(userDecider.upcasters, stored!);

      expect(changed).toEqual({
        type: 'UserProfileChanged',
        data: {
          userId: stored!.data['userId'],
          changes: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', friendlyName: 'Amazing Grace', description: 'Rear admiral' },
          changedAt: stored!.data['changedAt'],
        },
      });
      expect(stateAfter([humanCreated, changed])).toMatchObject({ email: 'grace@example.com', friendlyName: 'Amazing Grace', description: 'Rear admiral' });
      spec.given([humanCreated, changed]).when({ type: 'ChangeProfile', email: 'grace@example.com', description: 'Rear admiral', at: later }).then([]);
    });
  });

  describe('AssignRoles', () => {
    it('records the new set of roles', () => {
      spec
        .given([serviceAccountCreated])
        .when({
          type: 'AssignRoles',
          roles: ['RECORDS_WRITER', 'WARDEN_MEMBER'],
          customRoles: [integrations],
          at: later,
        })
        .then([
          {
            type: 'UserRolesChanged',
            data: { userId: 'svc-1', roles: ['RECORDS_WRITER', 'WARDEN_MEMBER'], changedAt: later },
          },
        ]);
    });

    it('records nothing when the set is the same, in any order', () => {
      spec
        .given([humanCreated])
        .when({ type: 'AssignRoles', roles: ['WARDEN_MEMBER', 'WARDEN_MEMBER'], at: later })
        .then([]);
    });

    it('refuses a newly given archived role but keeps one the user already holds', () => {
      const holdsRetired: UserEvent = {
        type: 'UserRolesChanged',
        data: { userId: 'user-1', roles: ['OLD_SYNC'], changedAt: at },
      };
      spec
        .given([humanCreated])
        .when({ type: 'AssignRoles', roles: ['OLD_SYNC'], customRoles: [retired], at: later })
        .thenThrows(WardenError, codeIs(UsersErrorCode.RoleArchived));
      spec
        .given([humanCreated, holdsRetired])
        .when({ type: 'AssignRoles', roles: ['OLD_SYNC', 'WARDEN_ADMIN'], customRoles: [retired], at: later })
        .then([
          {
            type: 'UserRolesChanged',
            data: { userId: 'user-1', roles: ['OLD_SYNC', 'WARDEN_ADMIN'], changedAt: later },
          },
        ]);
    });

    it('gives the super admin role to humans only', () => {
      spec
        .given([humanCreated])
        .when({ type: 'AssignRoles', roles: ['WARDEN_SUPER_ADMIN'], at: later })
        .then([
          {
            type: 'UserRolesChanged',
            data: { userId: 'user-1', roles: ['WARDEN_SUPER_ADMIN'], changedAt: later },
          },
        ]);
      spec
        .given([serviceAccountCreated])
        .when({ type: 'AssignRoles', roles: ['WARDEN_SUPER_ADMIN'], at: later })
        .thenThrows(WardenError, codeIs(UsersErrorCode.RoleNotAssignable));
    });

    it('is allowed on a deactivated user', () => {
      spec
        .given([humanCreated, deactivated('user-1')])
        .when({ type: 'AssignRoles', roles: [], at: later })
        .then([{ type: 'UserRolesChanged', data: { userId: 'user-1', roles: [], changedAt: later } }]);
    });
  });

  describe('ChangeTeams', () => {
    it('records the new set of teams', () => {
      spec
        .given([serviceAccountCreated])
        .when({ type: 'ChangeTeams', teams: ['team-1', 'team-2', 'team-1'], at: later })
        .then([
          {
            type: 'UserTeamsChanged',
            data: { userId: 'svc-1', teams: ['team-1', 'team-2'], changedAt: later },
          },
        ]);
      expect(
        stateAfter([
          serviceAccountCreated,
          { type: 'UserTeamsChanged', data: { userId: 'svc-1', teams: ['team-2'], changedAt: later } },
        ]),
      ).toMatchObject({ teams: ['team-2'] });
    });

    it('records nothing when the set is the same', () => {
      spec
        .given([humanCreated])
        .when({ type: 'ChangeTeams', teams: ['team-1'], at: later })
        .then([]);
    });
  });

  describe('ConvertAccountType', () => {
    it('records from and to; the organization checks the limit', () => {
      spec
        .given([serviceAccountCreated])
        .when({ type: 'ConvertAccountType', to: 'service_internal', at: later })
        .then([
          {
            type: 'AccountTypeConverted',
            data: { userId: 'svc-1', from: 'service_external', to: 'service_internal', convertedAt: later },
          },
        ]);
      expect(
        stateAfter([
          humanCreated,
          {
            type: 'AccountTypeConverted',
            data: { userId: 'user-1', from: 'user', to: 'service_external', convertedAt: later },
          },
        ]),
      ).toMatchObject({ accountType: 'service_external' });
    });

    it('records nothing when the type is the same', () => {
      spec
        .given([serviceAccountCreated])
        .when({ type: 'ConvertAccountType', to: 'service_external', at: later })
        .then([]);
    });

    it('refuses to make a super admin a service account', () => {
      spec
        .given([
          humanCreated,
          {
            type: 'UserRolesChanged',
            data: { userId: 'user-1', roles: ['WARDEN_SUPER_ADMIN'], changedAt: at },
          },
        ])
        .when({ type: 'ConvertAccountType', to: 'service_internal', at: later })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.RoleNotAssignable);
          expect(error.errors?.[0].field).toBe('account_type');
        });
    });

    it('refuses a deactivated user', () => {
      spec
        .given([serviceAccountCreated, deactivated('svc-1')])
        .when({ type: 'ConvertAccountType', to: 'user', at: later })
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserDeactivated));
    });
  });

  describe('ChangePassword', () => {
    // Principals as the access library derives them from accounts (their roles resolved).
    const principal = (userId: string, accountType: AccountAccess['accountType'], superAdmin: boolean, narrowedTo: string[] | null = null) =>
      principalOf(
        {
          userId,
          organizationId: 'org-1',
          accountType,
          roles: superAdmin ? ['WARDEN_SUPER_ADMIN'] : [],
          teams: [],
          permissions: superAdmin ? { 'passwords:reset': 'organization' } : { 'users:write': 'organization' },
          isSuperAdmin: superAdmin,
          platformAdmin: false,
        },
        narrowedTo,
      );
    const serviceAccount = principal('svc-1', 'service_external', false);
    const human = principal('user-1', 'user', false);
    const superAdmin = principal('admin-1', 'user', true);
    const change = (changedBy: Principal, account: Principal, currentPasswordVerified = false): UserCommand => ({
      type: 'ChangePassword',
      newPasswordHash: '$argon2id$new',
      changedBy,
      account,
      currentPasswordVerified,
      at: later,
    });
    const changed = (userId: string, changedBy: string): UserEvent => ({
      type: 'UserPasswordChanged',
      data: { userId, passwordHash: '$argon2id$new', changedBy, changedAt: later },
    });

    it("lets a super admin set a service account's password", () => {
      spec.given([serviceAccountCreated]).when(change(superAdmin, serviceAccount)).then([changed('svc-1', 'admin-1')]);
      expect(stateAfter([serviceAccountCreated, changed('svc-1', 'admin-1')])).toMatchObject({
        passwordHash: '$argon2id$new',
      });
    });

    it("lets the internal service account set an external one's, never its own", () => {
      const internal = principal('svc-internal', 'service_internal', false);
      spec.given([serviceAccountCreated]).when(change(internal, serviceAccount)).then([changed('svc-1', 'svc-internal')]);
      spec
        .given([{ ...serviceAccountCreated, data: { ...serviceAccountCreated.data, userId: 'svc-internal', accountType: 'service_internal' } }])
        .when(change(internal, internal, true))
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.PasswordChangeForbidden);
          expect(error.detail).toBe('a service account cannot change its own password');
        });
    });

    it("refuses anyone but a super admin a service account's password, and a super admin's narrowed token", () => {
      spec.given([serviceAccountCreated]).when(change(principal('admin-2', 'user', false), serviceAccount, true)).thenThrows(WardenError, codeIs(UsersErrorCode.PasswordChangeForbidden));
      spec
        .given([serviceAccountCreated])
        .when(change(principal('admin-1', 'user', true, ['passwords:reset']), serviceAccount))
        .thenThrows(WardenError, codeIs(UsersErrorCode.PasswordChangeForbidden));
    });

    it('lets a human change their own with the current password, and refuses it without', () => {
      spec.given([humanCreated]).when(change(human, human, true)).then([changed('user-1', 'user-1')]);
      spec
        .given([humanCreated])
        .when(change(human, human, false))
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.CurrentPasswordInvalid);
          expect(error.errors).toEqual([{ field: 'current_password', message: 'is not correct' }]);
        });
    });

    it("refuses everyone else a person's password, a super admin included", () => {
      spec.given([humanCreated]).when(change(superAdmin, human)).thenThrows(WardenError, codeIs(UsersErrorCode.PasswordChangeForbidden));
      spec.given([humanCreated]).when(change(principal('user-2', 'user', false), human, true)).thenThrows(WardenError, codeIs(UsersErrorCode.PasswordChangeForbidden));
    });

    it('takes an operator\'s reset (the lost bootstrap password), outside the principals\' rules, on an active account only', () => {
      spec
        .given([humanCreated])
        .when({ type: 'ResetPasswordByOperator', newPasswordHash: '$argon2id$new', at: later })
        .then([changed('user-1', 'operator')]);
      spec
        .given([humanCreated, deactivated('user-1')])
        .when({ type: 'ResetPasswordByOperator', newPasswordHash: '$argon2id$new', at: later })
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserDeactivated));
    });

    it('refuses a command that names another account than its stream', () => {
      spec.given([humanCreated]).when(change(superAdmin, serviceAccount)).thenThrows(RangeError);
    });

    it('refuses a deactivated user', () => {
      spec
        .given([serviceAccountCreated, deactivated('svc-1')])
        .when(change(superAdmin, serviceAccount))
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserDeactivated));
    });
  });

  describe('Deactivate and Reactivate', () => {
    it('deactivates, keeping everything', () => {
      spec
        .given([serviceAccountCreated])
        .when({ type: 'Deactivate', at: later })
        .then([deactivated('svc-1')]);
      expect(stateAfter([serviceAccountCreated, deactivated('svc-1')])).toMatchObject({
        status: 'deactivated',
        username: 'docusign-connect@acme',
        passwordHash: '$argon2id$svc',
      });
    });

    it('reactivates', () => {
      const reactivated: UserEvent = {
        type: 'UserReactivated',
        data: { userId: 'svc-1', reactivatedAt: later },
      };
      spec
        .given([serviceAccountCreated, deactivated('svc-1')])
        .when({ type: 'Reactivate', at: later })
        .then([reactivated]);
      expect(stateAfter([serviceAccountCreated, deactivated('svc-1'), reactivated])).toMatchObject({
        status: 'active',
      });
    });

    it('records nothing when already in that state', () => {
      spec
        .given([serviceAccountCreated, deactivated('svc-1')])
        .when({ type: 'Deactivate', at: later })
        .then([]);
      spec.given([serviceAccountCreated]).when({ type: 'Reactivate', at: later }).then([]);
    });
  });

  describe('Delete', () => {
    it('refuses a user that still owns tokens, saying how many', () => {
      spec
        .given([humanCreated])
        .when({ type: 'Delete', ownedTokenCount: 3, at: later })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.UserOwnsTokens);
          expect(error.detail).toBe(
            'user still owns 3 tokens; revoke them or reassign them to a service account first',
          );
        });
      spec
        .given([humanCreated])
        .when({ type: 'Delete', ownedTokenCount: 1, at: later })
        .thenThrows(WardenError, (error) => expect(error.detail).toMatch(/^user still owns 1 token;/));
    });

    it('deletes a user that owns no tokens, active or deactivated', () => {
      spec
        .given([humanCreated])
        .when({ type: 'Delete', ownedTokenCount: 0, at: later })
        .then([deleted('user-1')]);
      spec
        .given([humanCreated, deactivated('user-1')])
        .when({ type: 'Delete', ownedTokenCount: 0, at: later })
        .then([deleted('user-1')]);
    });

    const everyLaterCommand: UserCommand[] = [
      { type: 'ChangeProfile', firstName: 'Ada', at: later },
      { type: 'AssignRoles', roles: ['WARDEN_ADMIN'], at: later },
      { type: 'ChangeTeams', teams: ['team-9'], at: later },
      { type: 'ConvertAccountType', to: 'service_external', at: later },
      {
        type: 'ChangePassword',
        newPasswordHash: 'h',
        changedBy: principalOf({
          userId: 'admin-1',
          organizationId: 'org-1',
          accountType: 'user',
          roles: ['WARDEN_SUPER_ADMIN'],
          teams: [],
          permissions: {},
          isSuperAdmin: true,
          platformAdmin: false,
        }),
        account: principalOf({ userId: 'user-1', organizationId: 'org-1', accountType: 'user', roles: [], teams: [], permissions: {}, isSuperAdmin: false, platformAdmin: false }),
        currentPasswordVerified: true,
        at: later,
      },
      { type: 'ResetPasswordByOperator', newPasswordHash: 'h', at: later },
      { type: 'Deactivate', at: later },
      { type: 'Reactivate', at: later },
      { type: 'Delete', ownedTokenCount: 0, at: later },
    ];

    it.each(everyLaterCommand.map((command) => [command.type, command] as const))(
      'is final: %s on a deleted user is user_not_found',
      (_type, command) => {
        spec
          .given([humanCreated, deleted('user-1')])
          .when(command)
          .thenThrows(WardenError, codeIs(UsersErrorCode.UserNotFound));
      },
    );

    it.each(everyLaterCommand.map((command) => [command.type, command] as const))(
      '%s on a user that never existed is user_not_found',
      (_type, command) => {
        spec.given([]).when(command).thenThrows(WardenError, codeIs(UsersErrorCode.UserNotFound));
      },
    );
  });

  it('records JSON only', () => {
    const events: DomainEvent[] = [
      serviceAccountCreated,
      humanCreated,
      deactivated('svc-1'),
      deleted('svc-1'),
    ];
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
    const decided = userDecider.decide(
      { ...createServiceAccount, firstName: ' ', email: undefined },
      userDecider.initialState(),
    );
    expect(JSON.parse(JSON.stringify(decided))).toStrictEqual(decided);
  });
});

describe('password login', () => {
  const open = { humanPasswordLogin: true };
  const closed = { humanPasswordLogin: false };

  it('is allowed to an active account with a password', () => {
    expect(passwordLoginAllowed(stateAfter([humanCreated]), open)).toEqual({ allowed: true });
  });

  it('stays open to service accounts where it is off for humans', () => {
    expect(passwordLoginAllowed(stateAfter([serviceAccountCreated]), closed)).toEqual({ allowed: true });
    expect(passwordLoginAllowed(stateAfter([humanCreated]), closed)).toEqual({
      allowed: false,
      reason: 'password_login_disabled',
    });
  });

  it('is refused to deactivated, deleted, unknown and password-less accounts', () => {
    expect(passwordLoginAllowed(stateAfter([humanCreated, deactivated('user-1')]), open)).toEqual({
      allowed: false,
      reason: 'deactivated',
    });
    expect(passwordLoginAllowed(stateAfter([humanCreated, deleted('user-1')]), open)).toEqual({
      allowed: false,
      reason: 'no_such_user',
    });
    expect(passwordLoginAllowed(userDecider.initialState(), open)).toEqual({
      allowed: false,
      reason: 'no_such_user',
    });
    const tokenOnly: UserEvent = {
      ...serviceAccountCreated,
      data: { ...serviceAccountCreated.data, passwordHash: null },
    };
    expect(passwordLoginAllowed(stateAfter([tokenOnly]), open)).toEqual({
      allowed: false,
      reason: 'no_password',
    });
  });
});
