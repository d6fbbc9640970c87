import { Principal, maySetPassword } from '@warden/access';
import { CommonErrorCode, FieldError, UsersErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters, Upcaster } from '@warden/kernel';
import { AccountType, isServiceAccount } from './account-type';
import { RoleDefinition, SUPER_ADMIN_ROLE, assertAssignableRoles } from './roles';
import { checkUsername } from './username';

export const userStreamId = (userId: string) => `user-${userId}`;

const NAME_MAX_LENGTH = 100;
const EMAIL_MAX_LENGTH = 254;
const DESCRIPTION_MAX_LENGTH = 1000;
// Deliberately loose: a service account's address need not be real (no mail is sent to it).
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

export type UserStatus = 'active' | 'deactivated' | 'deleted';

// `null` clears a field; a field left out is kept.
export type ProfileInput = {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  friendlyName?: string | null;
  description?: string | null;
};

type Profile = { [K in keyof Required<ProfileInput>]: string | null };


export type UserCommand =
  | ({
      type: 'CreateUser';
      userId: string;
      organizationId: string;
      accountType: AccountType;
      username: string;
      roles?: string[];
      teams?: string[];
      // Hashed by the application after assertPassword; null for a token-only account.
      passwordHash: string | null;
      // The organization's custom roles, so that only existing, active roles are assigned.
      customRoles?: RoleDefinition[];
      at: string;
    } & ProfileInput)
  | ({ type: 'ChangeProfile'; at: string } & ProfileInput)
  | { type: 'AssignRoles'; roles: string[]; customRoles?: RoleDefinition[]; at: string }
  | { type: 'ChangeTeams'; teams: string[]; at: string }
  | { type: 'ConvertAccountType'; to: AccountType; at: string }
  | {
      type: 'ChangePassword';
      newPasswordHash: string;
      /** Who sets it, with the credential they act through. */
      changedBy: Principal;
      /** The account's effective permissions (its roles resolved): no one sets the password of an account stronger than themselves. */
      account: Principal;
      // The application checked the current password the caller gave against the hash.
      currentPasswordVerified: boolean;
      at: string;
    }
  // Break glass: an operator with access to the database gives an account a new password (the
  // bootstrap admin's, when it is lost). Never sent through the API, whose callers are principals.
  | { type: 'ResetPasswordByOperator'; newPasswordHash: string; at: string }
  | { type: 'Deactivate'; at: string }
  | { type: 'Reactivate'; at: string }
  // The tokens service owns tokens; the application asks it how many the user still owns.
  | { type: 'Delete'; ownedTokenCount: number; at: string };

export type UserEvent =
  | {
      type: 'UserCreated';
      data: {
        userId: string;
        organizationId: string;
        accountType: AccountType;
        username: string;
        firstName?: string;
        lastName?: string;
        email?: string;
        friendlyName?: string;
        description?: string;
        roles: string[];
        teams: string[];
        passwordHash: string | null;
        createdAt: string;
      };
    }
  // Version 2: the fields that changed are in `changes`, apart from the event's own, so that
  // a field the event gains later cannot be folded into the profile by mistake.
  | { type: 'UserProfileChanged'; data: { userId: string; changes: ProfileInput; changedAt: string } }
  | { type: 'UserRolesChanged'; data: { userId: string; roles: string[]; changedAt: string } }
  | { type: 'UserTeamsChanged'; data: { userId: string; teams: string[]; changedAt: string } }
  | {
      type: 'AccountTypeConverted';
      data: { userId: string; from: AccountType; to: AccountType; convertedAt: string };
    }
  // The hash is the fact the login verifies against; the audit trail must redact it.
  | {
      type: 'UserPasswordChanged';
      data: { userId: string; passwordHash: string; changedBy: string; changedAt: string };
    }
  | { type: 'UserDeactivated'; data: { userId: string; deactivatedAt: string } }
  | { type: 'UserReactivated'; data: { userId: string; reactivatedAt: string } }
  | { type: 'UserDeleted'; data: { userId: string; deletedAt: string } };

// Version 1 kept the changed fields beside userId and changedAt.
const profileChangesApart: Upcaster = ({ userId, changedAt, ...changes }) => ({ userId, changes, changedAt });

export const userEventUpcasters: EventUpcasters<UserEvent> = {
  UserCreated: [],
  UserProfileChanged: [profileChangesApart],
  UserRolesChanged: [],
  UserTeamsChanged: [],
  AccountTypeConverted: [],
  UserPasswordChanged: [],
  UserDeactivated: [],
  UserReactivated: [],
  UserDeleted: [],
};

export type User = {
  status: UserStatus;
  id: string;
  organizationId: string;
  accountType: AccountType;
  username: string;
  roles: string[];
  teams: string[];
  passwordHash: string | null;
  createdAt: string;
} & Profile;

export type UserState = { status: 'absent' } | User;

const PROFILE_FIELDS: { key: keyof ProfileInput; field: string; maxLength: number }[] = [
  { key: 'firstName', field: 'first_name', maxLength: NAME_MAX_LENGTH },
  { key: 'lastName', field: 'last_name', maxLength: NAME_MAX_LENGTH },
  { key: 'email', field: 'email', maxLength: EMAIL_MAX_LENGTH },
  { key: 'friendlyName', field: 'friendly_name', maxLength: NAME_MAX_LENGTH },
  { key: 'description', field: 'description', maxLength: DESCRIPTION_MAX_LENGTH },
];

// Trimmed, a blank value clears the field; every fault is reported at once.
function checkProfile(input: ProfileInput): ProfileInput {
  const profile: ProfileInput = {};
  const errors: FieldError[] = [];
  for (const { key, field, maxLength } of PROFILE_FIELDS) {
    const value = input[key];
    if (value === undefined) continue;
    const trimmed = value === null ? '' : value.trim();
    if (trimmed.length > maxLength)
      errors.push({ field, message: `must be at most ${maxLength} characters` });
    else if (key === 'email' && trimmed !== '' && !EMAIL_PATTERN.test(trimmed)) {
      errors.push({ field, message: 'must be an email address (name@domain)' });
    }
    profile[key] = trimmed === '' ? null : trimmed;
  }
  if (errors.length > 0)
    throw new WardenError(CommonErrorCode.ValidationFailed, 'the profile is not valid', errors);
  return profile;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((value) => set.has(value));
}

function existing(state: UserState): User {
  // A deleted user is gone for every command, as if it had never been.
  if (state.status === 'absent' || state.status === 'deleted') {
    throw new WardenError(UsersErrorCode.UserNotFound, 'user does not exist');
  }
  return state;
}

function active(state: UserState, action: string): User {
  const user = existing(state);
  if (user.status === 'deactivated') {
    throw new WardenError(
      UsersErrorCode.UserDeactivated,
      `user ${user.id} is deactivated; reactivate it to ${action}`,
    );
  }
  return user;
}

function decidePasswordChange(user: User, command: Extract<UserCommand, { type: 'ChangePassword' }>): void {
  if (command.account.userId !== user.id) throw new RangeError('the password command names another account than its stream');
  const decision = maySetPassword(command.changedBy, command.account);
  if (!decision.allowed) throw new WardenError(UsersErrorCode.PasswordChangeForbidden, decision.reason);
  // A person changes their own password by proving they know the current one.
  if (command.changedBy.userId === user.id && !command.currentPasswordVerified) {
    throw new WardenError(UsersErrorCode.CurrentPasswordInvalid, 'the current password is not correct', [
      { field: 'current_password', message: 'is not correct' },
    ]);
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: userEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'CreateUser': {
        if (state.status !== 'absent') {
          throw new WardenError(UsersErrorCode.UserAlreadyExists, `user ${command.userId} already exists`);
        }
        const username = checkUsername(command.username);
        const profile = checkProfile(command);
        const roles = assertAssignableRoles(
          command.roles ?? [],
          command.accountType,
          command.customRoles ?? [],
        );
        const presentProfile = Object.fromEntries(
          Object.entries(profile).filter(([, value]) => value !== null),
        );
        return [
          {
            type: 'UserCreated',
            data: {
              userId: command.userId,
              organizationId: command.organizationId,
              accountType: command.accountType,
              username,
              ...presentProfile,
              roles,
              teams: [...new Set(command.teams ?? [])],
              passwordHash: command.passwordHash,
              createdAt: command.at,
            },
          },
        ];
      }
      case 'ChangeProfile': {
        const user = existing(state);
        const profile = checkProfile(command);
        const changes = Object.fromEntries(
          Object.entries(profile).filter(([key, value]) => value !== user[key as keyof ProfileInput]),
        );
        if (Object.keys(changes).length === 0) return [];
        return [{ type: 'UserProfileChanged', data: { userId: user.id, changes, changedAt: command.at } }];
      }
      case 'AssignRoles': {
        const user = existing(state);
        const roles = [...new Set(command.roles)];
        if (sameSet(roles, user.roles)) return [];
        // Only newly given roles must be assignable: a role archived since it was given is kept.
        const added = roles.filter((role) => !user.roles.includes(role));
        assertAssignableRoles(added, user.accountType, command.customRoles ?? []);
        return [{ type: 'UserRolesChanged', data: { userId: user.id, roles, changedAt: command.at } }];
      }
      case 'ChangeTeams': {
        const user = existing(state);
        const teams = [...new Set(command.teams)];
        if (sameSet(teams, user.teams)) return [];
        return [{ type: 'UserTeamsChanged', data: { userId: user.id, teams, changedAt: command.at } }];
      }
      case 'ConvertAccountType': {
        const user = active(state, 'convert it');
        if (command.to === user.accountType) return [];
        if (isServiceAccount(command.to) && user.roles.includes(SUPER_ADMIN_ROLE)) {
          throw new WardenError(
            UsersErrorCode.RoleNotAssignable,
            `a ${command.to} account cannot hold ${SUPER_ADMIN_ROLE}; remove the role first`,
            [
              {
                field: 'account_type',
                message: `cannot be ${command.to} while the user holds ${SUPER_ADMIN_ROLE}`,
              },
            ],
          );
        }
        return [
          {
            type: 'AccountTypeConverted',
            data: { userId: user.id, from: user.accountType, to: command.to, convertedAt: command.at },
          },
        ];
      }
      case 'ChangePassword': {
        const user = active(state, 'change its password');
        decidePasswordChange(user, command);
        return [
          {
            type: 'UserPasswordChanged',
            data: {
              userId: user.id,
              passwordHash: command.newPasswordHash,
              changedBy: command.changedBy.userId,
              changedAt: command.at,
            },
          },
        ];
      }
      case 'ResetPasswordByOperator': {
        const user = active(state, 'change its password');
        return [
          {
            type: 'UserPasswordChanged',
            data: { userId: user.id, passwordHash: command.newPasswordHash, changedBy: 'operator', changedAt: command.at },
          },
        ];
      }
      case 'Deactivate': {
        const user = existing(state);
        if (user.status === 'deactivated') return [];
        return [{ type: 'UserDeactivated', data: { userId: user.id, deactivatedAt: command.at } }];
      }
      case 'Reactivate': {
        const user = existing(state);
        if (user.status === 'active') return [];
        return [{ type: 'UserReactivated', data: { userId: user.id, reactivatedAt: command.at } }];
      }
      case 'Delete': {
        const user = existing(state);
        const count = command.ownedTokenCount;
        if (count > 0) {
          throw new WardenError(
            UsersErrorCode.UserOwnsTokens,
            `user still owns ${count} ${count === 1 ? 'token' : 'tokens'}; revoke them or reassign them to a service account first`,
          );
        }
        return [{ type: 'UserDeleted', data: { userId: user.id, deletedAt: command.at } }];
      }
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'UserCreated': {
        const { userId, createdAt, ...data } = event.data;
        return {
          status: 'active',
          id: userId,
          firstName: null,
          lastName: null,
          email: null,
          friendlyName: null,
          description: null,
          ...data,
          createdAt,
        };
      }
      case 'UserProfileChanged':
        return state.status === 'absent' ? state : { ...state, ...event.data.changes };
      case 'UserRolesChanged':
        return state.status === 'absent' ? state : { ...state, roles: event.data.roles };
      case 'UserTeamsChanged':
        return state.status === 'absent' ? state : { ...state, teams: event.data.teams };
      case 'AccountTypeConverted':
        return state.status === 'absent' ? state : { ...state, accountType: event.data.to };
      case 'UserPasswordChanged':
        return state.status === 'absent' ? state : { ...state, passwordHash: event.data.passwordHash };
      case 'UserDeactivated':
        return state.status === 'absent' ? state : { ...state, status: 'deactivated' };
      case 'UserReactivated':
        return state.status === 'absent' ? state : { ...state, status: 'active' };
      case 'UserDeleted':
        return state.status === 'absent' ? state : { ...state, status: 'deleted' };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};

// Login by password (the application verifies the hash). Service accounts keep
// password login where the organization turned it off for humans.
export function passwordLoginAllowed(
  user: UserState,
  organization: { humanPasswordLogin: boolean },
):
  | { allowed: true }
  | { allowed: false; reason: 'no_such_user' | 'deactivated' | 'no_password' | 'password_login_disabled' } {
  if (user.status === 'absent' || user.status === 'deleted')
    return { allowed: false, reason: 'no_such_user' };
  if (user.status === 'deactivated') return { allowed: false, reason: 'deactivated' };
  if (user.passwordHash === null) return { allowed: false, reason: 'no_password' };
  if (!isServiceAccount(user.accountType) && !organization.humanPasswordLogin) {
    return { allowed: false, reason: 'password_login_disabled' };
  }
  return { allowed: true };
}
