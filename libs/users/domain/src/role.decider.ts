import { CommonErrorCode, FieldError, UsersErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';
import { SUPER_ADMIN_ONLY_PERMISSIONS, WardenPermission, isPermission } from '@warden/access';
import { AccessScope, DEFAULT_ROLE_PREFIX, RoleDefinition, isDefaultRoleName } from './roles';

// One stream per (organization, name): the event store itself keeps custom role names
// unique within an organization.
export const roleStreamId = (organizationId: string, name: string) => `role-${organizationId}-${name}`;

const ROLE_NAME_PATTERN = /^[A-Z][A-Z0-9_]{2,63}$/;
const APPLICATION_CODE_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;
const DISPLAY_NAME_MAX_LENGTH = 100;
const DESCRIPTION_MAX_LENGTH = 500;
const MAX_PERMISSIONS = 100;

export type RoleCommand =
  | {
      type: 'CreateRole';
      organizationId: string;
      name: string;
      displayName: string;
      description: string;
      applicationCode: string;
      permissions: string[];
      accessScope: AccessScope;
      at: string;
    }
  | { type: 'ArchiveRole'; at: string };

export type RoleEvent =
  | {
      type: 'RoleCreated';
      data: {
        organizationId: string;
        name: string;
        displayName: string;
        description: string;
        applicationCode: string;
        permissions: string[];
        accessScope: AccessScope;
        createdAt: string;
      };
    }
  | { type: 'RoleArchived'; data: { organizationId: string; name: string; archivedAt: string } };

export const roleEventUpcasters: EventUpcasters<RoleEvent> = { RoleCreated: [], RoleArchived: [] };

export type RoleState =
  | { status: 'absent' }
  | {
      status: 'ACTIVE' | 'ARCHIVED';
      organizationId: string;
      name: string;
      displayName: string;
      description: string;
      applicationCode: string;
      permissions: string[];
      accessScope: AccessScope;
      createdAt: string;
    };

// The role as the catalogue, the assignment check and resolvePermissions see it.
export function toRoleDefinition(state: Exclude<RoleState, { status: 'absent' }>): RoleDefinition {
  return {
    name: state.name,
    display_name: state.displayName,
    description: state.description,
    type: 'custom',
    status: state.status,
    access_scope: state.accessScope,
    application_code: state.applicationCode,
    permissions: [...state.permissions],
  };
}

function checkNewRole(command: Extract<RoleCommand, { type: 'CreateRole' }>) {
  const errors: FieldError[] = [];
  const displayName = command.displayName.trim();
  const description = command.description.trim();
  const permissions = [...new Set(command.permissions)];
  if (!ROLE_NAME_PATTERN.test(command.name)) {
    errors.push({
      field: 'name',
      message: 'must be 3 to 64 characters: upper-case letters, digits and _, starting with a letter',
    });
  }
  if (displayName.length === 0 || displayName.length > DISPLAY_NAME_MAX_LENGTH) {
    errors.push({ field: 'display_name', message: `must be 1 to ${DISPLAY_NAME_MAX_LENGTH} characters` });
  }
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    errors.push({ field: 'description', message: `must be at most ${DESCRIPTION_MAX_LENGTH} characters` });
  }
  if (!APPLICATION_CODE_PATTERN.test(command.applicationCode)) {
    errors.push({
      field: 'application_code',
      message: 'must be 2 to 32 characters: lower-case letters, digits and _',
    });
  }
  if (command.accessScope !== 'organization' && command.accessScope !== 'team') {
    errors.push({ field: 'access_scope', message: 'must be organization or team' });
  }
  if (permissions.length === 0 || permissions.length > MAX_PERMISSIONS) {
    errors.push({ field: 'permissions', message: `must list 1 to ${MAX_PERMISSIONS} permissions` });
  }
  for (const permission of permissions) {
    if (!isPermission(permission)) {
      errors.push({
        field: 'permissions',
        message: `${permission} is not a permission (resource:action, lower case)`,
      });
    } else if (SUPER_ADMIN_ONLY_PERMISSIONS.includes(permission as WardenPermission)) {
      errors.push({ field: 'permissions', message: `${permission} is reserved to the super admin` });
    }
  }
  if (errors.length > 0) {
    throw new WardenError(CommonErrorCode.ValidationFailed, `role ${command.name} is not valid`, errors);
  }
  return { displayName, description, permissions };
}

export const roleDecider: Decider<RoleCommand, RoleEvent, RoleState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: roleEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'CreateRole': {
        if (isDefaultRoleName(command.name)) {
          throw new WardenError(
            UsersErrorCode.RoleNameReserved,
            `role names starting with ${DEFAULT_ROLE_PREFIX} belong to Warden's default roles`,
            [{ field: 'name', message: `must not start with ${DEFAULT_ROLE_PREFIX}` }],
          );
        }
        // An archived name stays taken: old audit records and holders still refer to it.
        if (state.status !== 'absent') {
          throw new WardenError(UsersErrorCode.RoleAlreadyExists, `role ${command.name} already exists`, [
            { field: 'name', message: 'is already taken' },
          ]);
        }
        const { displayName, description, permissions } = checkNewRole(command);
        return [
          {
            type: 'RoleCreated',
            data: {
              organizationId: command.organizationId,
              name: command.name,
              displayName,
              description,
              applicationCode: command.applicationCode,
              permissions,
              accessScope: command.accessScope,
              createdAt: command.at,
            },
          },
        ];
      }
      case 'ArchiveRole': {
        if (state.status === 'absent')
          throw new WardenError(UsersErrorCode.RoleNotFound, 'role does not exist');
        if (state.status === 'ARCHIVED') return [];
        return [
          {
            type: 'RoleArchived',
            data: { organizationId: state.organizationId, name: state.name, archivedAt: command.at },
          },
        ];
      }
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RoleCreated':
        return { status: 'ACTIVE', ...event.data, permissions: [...event.data.permissions] };
      case 'RoleArchived':
        return state.status === 'absent' ? state : { ...state, status: 'ARCHIVED' };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};
