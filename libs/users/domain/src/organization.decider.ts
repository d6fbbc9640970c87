import {
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  DEFAULT_EXPIRY_WARNING_LEAD_SECONDS,
  LeakedTokenAction,
  MAX_EXPIRY_WARNING_LEAD_SECONDS,
  MAX_EXPIRY_WARNINGS,
  MAX_UNUSED_DAYS,
  MIN_EXPIRY_WARNING_LEAD_SECONDS,
  DEFAULT_SERVICE_EXTERNAL_LIMIT,
  DEFAULT_SERVICE_INTERNAL_LIMIT,
  MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
  MIN_ACCESS_TOKEN_LIFETIME_SECONDS,
  UsersErrorCode,
  WardenError,
} from '@warden/contracts';
import { Decider, EventUpcasters, Upcaster } from '@warden/kernel';
import { ServiceAccountType } from './account-type';

export const organizationStreamId = (organizationId: string) => `organization-${organizationId}`;

// An organization may have at most one internal service account (it is super-admin
// equivalent); the external limit is a setting.
export const MAX_SERVICE_INTERNAL_LIMIT = 1;
export const MAX_SERVICE_EXTERNAL_LIMIT = 1000;
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 90 * 24 * 60 * 60;
export const DEFAULT_HUMAN_PASSWORD_LOGIN = true;

// Settings a command may leave out (keep / default). `maxTokenLifetimeSeconds: null` means
// tokens may live for ever; `humanPasswordLogin: false` turns password login off for
// humans only: service accounts keep it (they authenticate only through the API, with a password or tokens).
export type OrganizationSettingsInput = {
  serviceInternalLimit?: number;
  serviceExternalLimit?: number;
  maxTokenLifetimeSeconds?: number | null;
  accessTokenLifetimeSeconds?: number;
  humanPasswordLogin?: boolean;
  /** How long before a token expires each warning is given (TokenExpiring); [] for none. */
  expiryWarningLeadSeconds?: number[];
  leakedTokenAction?: LeakedTokenAction;
  /** Tokens unused this many days are disabled; null: never. */
  disableUnusedAfterDays?: number | null;
};

export type OrganizationCommand =
  | ({
      type: 'CreateOrganization';
      organizationId: string;
      name: string;
      // The organization created at bootstrap, whose super admins administer the platform.
      root?: boolean;
      at: string;
    } & OrganizationSettingsInput)
  | ({ type: 'ChangeOrganizationSettings'; at: string } & OrganizationSettingsInput)
  | { type: 'ClaimServiceAccountSlot'; userId: string; accountType: ServiceAccountType }
  | { type: 'ReleaseServiceAccountSlot'; userId: string };

// Optional fields are absent when they hold their default: organizations created before
// these settings existed fold to the same state as new ones.
export type OrganizationEvent =
  | {
      type: 'OrganizationCreated';
      data: {
        organizationId: string;
        name: string;
        serviceInternalLimit: number;
        serviceExternalLimit: number;
        maxTokenLifetimeSeconds?: number | null;
        accessTokenLifetimeSeconds?: number;
        humanPasswordLogin?: boolean;
        expiryWarningLeadSeconds?: number[];
        leakedTokenAction?: LeakedTokenAction;
        disableUnusedAfterDays?: number | null;
        root?: true;
        createdAt: string;
      };
    }
  | {
      type: 'OrganizationSettingsChanged';
      data: {
        organizationId: string;
        serviceInternalLimit?: number;
        serviceExternalLimit?: number;
        maxTokenLifetimeSeconds?: number | null;
        accessTokenLifetimeSeconds?: number;
        humanPasswordLogin?: boolean;
        expiryWarningLeadSeconds?: number[];
        leakedTokenAction?: LeakedTokenAction;
        disableUnusedAfterDays?: number | null;
        changedAt: string;
      };
    }
  | {
      type: 'ServiceAccountSlotClaimed';
      data: { organizationId: string; userId: string; accountType: ServiceAccountType };
    }
  | {
      type: 'ServiceAccountSlotReleased';
      data: { organizationId: string; userId: string; accountType: ServiceAccountType };
    }
  // Beside the claim that takes the last slot of a type: the organization now holds as many
  // service accounts of that type as it may (the next creation is refused).
  | {
      type: 'ServiceAccountLimitReached';
      data: { organizationId: string; accountType: ServiceAccountType; limit: number; userId: string };
    };

// Version 2 of both settings events may carry accessTokenLifetimeSeconds. A version 1 event
// has no such key, which means what it means in version 2: the default (created) or
// unchanged (changed), so its data comes up as it is. The version still changes, so that
// code written before the key refuses an event that has it rather than fold it unread.
const accessTokenLifetimeNotRecorded: Upcaster = (data) => data;
// Version 3 may carry the token lifecycle settings (expiry warnings, leaked tokens, unused
// tokens); without them, as before: the defaults, or unchanged.
const tokenLifecycleNotRecorded: Upcaster = (data) => data;

export const organizationEventUpcasters: EventUpcasters<OrganizationEvent> = {
  OrganizationCreated: [accessTokenLifetimeNotRecorded, tokenLifecycleNotRecorded],
  OrganizationSettingsChanged: [accessTokenLifetimeNotRecorded, tokenLifecycleNotRecorded],
  ServiceAccountSlotClaimed: [],
  ServiceAccountSlotReleased: [],
  ServiceAccountLimitReached: [],
};

export type OrganizationState =
  | { status: 'absent' }
  | {
      status: 'active';
      organizationId: string;
      name: string;
      root: boolean;
      serviceInternalLimit: number;
      serviceExternalLimit: number;
      maxTokenLifetimeSeconds: number | null;
      accessTokenLifetimeSeconds: number;
      humanPasswordLogin: boolean;
      expiryWarningLeadSeconds: number[];
      leakedTokenAction: LeakedTokenAction;
      disableUnusedAfterDays: number | null;
      // Who holds each service-account slot: the limits are counted here, in the
      // organization's stream, so two concurrent creations cannot both take the last one.
      serviceAccountHolders: Record<ServiceAccountType, string[]>;
      createdAt: string;
    };

const SETTING_KEYS = [
  'serviceInternalLimit',
  'serviceExternalLimit',
  'maxTokenLifetimeSeconds',
  'accessTokenLifetimeSeconds',
  'humanPasswordLogin',
  'expiryWarningLeadSeconds',
  'leakedTokenAction',
  'disableUnusedAfterDays',
] as const;

type ActiveOrganization = Extract<OrganizationState, { status: 'active' }>;

const LIMIT_FIELDS: Record<ServiceAccountType, { field: string; max: number }> = {
  service_internal: { field: 'service_internal_limit', max: MAX_SERVICE_INTERNAL_LIMIT },
  service_external: { field: 'service_external_limit', max: MAX_SERVICE_EXTERNAL_LIMIT },
};

function invalidSetting(field: string, message: string): WardenError {
  return new WardenError(UsersErrorCode.InvalidOrganizationSettings, `${field} ${message}`, [
    { field: `settings.${field}`, message },
  ]);
}

function checkLimit(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw invalidSetting(field, `must be an integer from 0 to ${max}`);
  }
}

function checkSettings(settings: OrganizationSettingsInput): void {
  if (settings.serviceInternalLimit !== undefined) {
    checkLimit('service_internal_limit', settings.serviceInternalLimit, MAX_SERVICE_INTERNAL_LIMIT);
  }
  if (settings.serviceExternalLimit !== undefined) {
    checkLimit('service_external_limit', settings.serviceExternalLimit, MAX_SERVICE_EXTERNAL_LIMIT);
  }
  const lifetime = settings.maxTokenLifetimeSeconds;
  if (lifetime !== undefined && lifetime !== null && !(Number.isSafeInteger(lifetime) && lifetime > 0)) {
    throw invalidSetting(
      'max_token_lifetime_seconds',
      'must be a positive whole number of seconds, or null for no limit',
    );
  }
  const accessTokenLifetime = settings.accessTokenLifetimeSeconds;
  if (
    accessTokenLifetime !== undefined &&
    !(
      Number.isInteger(accessTokenLifetime) &&
      accessTokenLifetime >= MIN_ACCESS_TOKEN_LIFETIME_SECONDS &&
      accessTokenLifetime <= MAX_ACCESS_TOKEN_LIFETIME_SECONDS
    )
  ) {
    throw invalidSetting(
      'access_token_lifetime_seconds',
      `must be a whole number of seconds from ${MIN_ACCESS_TOKEN_LIFETIME_SECONDS} to ${MAX_ACCESS_TOKEN_LIFETIME_SECONDS}`,
    );
  }
  if (settings.humanPasswordLogin !== undefined && typeof settings.humanPasswordLogin !== 'boolean') {
    throw invalidSetting('human_password_login', 'must be true or false');
  }
  const leads = settings.expiryWarningLeadSeconds;
  if (
    leads !== undefined &&
    !(
      Array.isArray(leads) &&
      leads.length <= MAX_EXPIRY_WARNINGS &&
      new Set(leads).size === leads.length &&
      leads.every((lead) => Number.isInteger(lead) && lead >= MIN_EXPIRY_WARNING_LEAD_SECONDS && lead <= MAX_EXPIRY_WARNING_LEAD_SECONDS)
    )
  ) {
    throw invalidSetting(
      'expiry_warning_lead_seconds',
      `must list at most ${MAX_EXPIRY_WARNINGS} different whole numbers of seconds from ${MIN_EXPIRY_WARNING_LEAD_SECONDS} to ${MAX_EXPIRY_WARNING_LEAD_SECONDS}`,
    );
  }
  if (settings.leakedTokenAction !== undefined && settings.leakedTokenAction !== 'revoke' && settings.leakedTokenAction !== 'disable') {
    throw invalidSetting('leaked_token_action', 'must be revoke or disable');
  }
  const days = settings.disableUnusedAfterDays;
  if (days !== undefined && days !== null && !(Number.isInteger(days) && days >= 1 && days <= MAX_UNUSED_DAYS)) {
    throw invalidSetting('disable_unused_after_days', `must be a whole number of days from 1 to ${MAX_UNUSED_DAYS}, or null for never`);
  }
}

/** Lead times longest first, as they fall due. */
const sortedLeads = (leads: number[] | undefined) => (leads === undefined ? undefined : [...leads].sort((a, b) => b - a));

function limitOf(state: ActiveOrganization, accountType: ServiceAccountType): number {
  return accountType === 'service_internal' ? state.serviceInternalLimit : state.serviceExternalLimit;
}

function slotHeldBy(state: ActiveOrganization, userId: string): ServiceAccountType | undefined {
  return (Object.keys(state.serviceAccountHolders) as ServiceAccountType[]).find((accountType) =>
    state.serviceAccountHolders[accountType].includes(userId),
  );
}

function checkNotBelowHolders(
  state: ActiveOrganization,
  accountType: ServiceAccountType,
  limit: number | undefined,
) {
  const holders = state.serviceAccountHolders[accountType].length;
  if (limit !== undefined && limit < holders) {
    const { field } = LIMIT_FIELDS[accountType];
    throw new WardenError(
      UsersErrorCode.LimitBelowCurrentCount,
      `organization has ${holders} ${accountType} accounts; the limit cannot be lowered to ${limit}`,
      [
        {
          field: `settings.${field}`,
          message: `must be at least ${holders}, the current number of ${accountType} accounts`,
        },
      ],
    );
  }
}

function requireActive(state: OrganizationState): ActiveOrganization {
  if (state.status === 'absent')
    throw new WardenError(UsersErrorCode.OrganizationNotFound, 'organization does not exist');
  return state;
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: organizationEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'CreateOrganization': {
        if (state.status !== 'absent') {
          throw new WardenError(
            UsersErrorCode.OrganizationAlreadyExists,
            `organization ${command.organizationId} already exists`,
          );
        }
        const name = command.name.trim();
        if (name.length === 0) {
          throw new WardenError(UsersErrorCode.InvalidOrganizationSettings, 'name must not be blank', [
            { field: 'name', message: 'must not be blank' },
          ]);
        }
        const serviceInternalLimit = command.serviceInternalLimit ?? DEFAULT_SERVICE_INTERNAL_LIMIT;
        const serviceExternalLimit = command.serviceExternalLimit ?? DEFAULT_SERVICE_EXTERNAL_LIMIT;
        checkSettings({ ...command, serviceInternalLimit, serviceExternalLimit });
        const { maxTokenLifetimeSeconds, accessTokenLifetimeSeconds, humanPasswordLogin, leakedTokenAction, disableUnusedAfterDays } = command;
        const expiryWarningLeadSeconds = sortedLeads(command.expiryWarningLeadSeconds);
        return [
          {
            type: 'OrganizationCreated',
            data: {
              organizationId: command.organizationId,
              name,
              serviceInternalLimit,
              serviceExternalLimit,
              ...(maxTokenLifetimeSeconds !== undefined && { maxTokenLifetimeSeconds }),
              ...(accessTokenLifetimeSeconds !== undefined && { accessTokenLifetimeSeconds }),
              ...(humanPasswordLogin !== undefined && { humanPasswordLogin }),
              ...(expiryWarningLeadSeconds !== undefined && { expiryWarningLeadSeconds }),
              ...(leakedTokenAction !== undefined && { leakedTokenAction }),
              ...(disableUnusedAfterDays !== undefined && { disableUnusedAfterDays }),
              ...(command.root === true && { root: true as const }),
              createdAt: command.at,
            },
          },
        ];
      }
      case 'ChangeOrganizationSettings': {
        const organization = requireActive(state);
        checkSettings(command);
        checkNotBelowHolders(organization, 'service_internal', command.serviceInternalLimit);
        checkNotBelowHolders(organization, 'service_external', command.serviceExternalLimit);
        const asked: OrganizationSettingsInput = { ...command, expiryWarningLeadSeconds: sortedLeads(command.expiryWarningLeadSeconds) };
        const changes: OrganizationSettingsInput = Object.fromEntries(
          SETTING_KEYS.filter(
            (key) => asked[key] !== undefined && JSON.stringify(asked[key]) !== JSON.stringify(organization[key]),
          ).map((key) => [key, asked[key]]),
        );
        if (Object.keys(changes).length === 0) return [];
        return [
          {
            type: 'OrganizationSettingsChanged',
            data: { organizationId: organization.organizationId, ...changes, changedAt: command.at },
          },
        ];
      }
      case 'ClaimServiceAccountSlot': {
        const organization = requireActive(state);
        const { userId, accountType } = command;
        const held = slotHeldBy(organization, userId);
        if (held === accountType) return [];
        const limit = limitOf(organization, accountType);
        const holders = organization.serviceAccountHolders[accountType].length;
        if (holders >= limit) {
          throw new WardenError(
            UsersErrorCode.ServiceAccountLimitReached,
            `organization already has ${holders} of ${limit} ${accountType} accounts`,
          );
        }
        const { organizationId } = organization;
        // Converting between the two service types moves the slot.
        return [
          ...(held
            ? [
                {
                  type: 'ServiceAccountSlotReleased' as const,
                  data: { organizationId, userId, accountType: held },
                },
              ]
            : []),
          { type: 'ServiceAccountSlotClaimed', data: { organizationId, userId, accountType } },
          ...(holders + 1 === limit
            ? [{ type: 'ServiceAccountLimitReached' as const, data: { organizationId, accountType, limit, userId } }]
            : []),
        ];
      }
      case 'ReleaseServiceAccountSlot': {
        const organization = requireActive(state);
        const held = slotHeldBy(organization, command.userId);
        if (!held) return [];
        return [
          {
            type: 'ServiceAccountSlotReleased',
            data: { organizationId: organization.organizationId, userId: command.userId, accountType: held },
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
      case 'OrganizationCreated': {
        const {
          root,
          maxTokenLifetimeSeconds,
          accessTokenLifetimeSeconds,
          humanPasswordLogin,
          expiryWarningLeadSeconds,
          leakedTokenAction,
          disableUnusedAfterDays,
          ...data
        } = event.data;
        return {
          status: 'active',
          ...data,
          root: root === true,
          maxTokenLifetimeSeconds:
            maxTokenLifetimeSeconds === undefined
              ? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
              : maxTokenLifetimeSeconds,
          accessTokenLifetimeSeconds: accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
          humanPasswordLogin: humanPasswordLogin ?? DEFAULT_HUMAN_PASSWORD_LOGIN,
          expiryWarningLeadSeconds: expiryWarningLeadSeconds ?? [...DEFAULT_EXPIRY_WARNING_LEAD_SECONDS],
          leakedTokenAction: leakedTokenAction ?? 'revoke',
          disableUnusedAfterDays: disableUnusedAfterDays ?? null,
          serviceAccountHolders: { service_internal: [], service_external: [] },
        };
      }
      case 'OrganizationSettingsChanged': {
        if (state.status === 'absent') return state;
        const { organizationId: _organizationId, changedAt: _changedAt, ...changes } = event.data;
        return { ...state, ...changes };
      }
      case 'ServiceAccountSlotClaimed': {
        if (state.status === 'absent') return state;
        const { userId, accountType } = event.data;
        const holders = state.serviceAccountHolders;
        return {
          ...state,
          serviceAccountHolders: { ...holders, [accountType]: [...holders[accountType], userId] },
        };
      }
      // What it says follows from the claims; the fold needs nothing of it.
      case 'ServiceAccountLimitReached':
        return state;
      case 'ServiceAccountSlotReleased': {
        if (state.status === 'absent') return state;
        const { userId, accountType } = event.data;
        const holders = state.serviceAccountHolders;
        return {
          ...state,
          serviceAccountHolders: {
            ...holders,
            [accountType]: holders[accountType].filter((holder) => holder !== userId),
          },
        };
      }
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};
