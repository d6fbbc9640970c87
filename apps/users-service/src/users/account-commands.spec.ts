import { UsersErrorCode, WardenError } from '@warden/contracts';
import { streamCommand } from '@warden/kernel';
import { deciderSpec, streamHistory, streamsSpec } from '@warden/testing';
import {
  AccountType,
  OrganizationEvent,
  ServiceAccountType,
  TeamEvent,
  User,
  UserEvent,
  UsernameReservationEvent,
  organizationDecider,
  organizationStreamId,
  teamDecider,
  teamStreamId,
  userDecider,
  userStreamId,
  usernameReservationDecider,
  usernameReservationStreamId,
} from '@warden/users-domain';
import { commandSequence } from '../commands/command-sequence';
import { deletionSteps, newAccountSteps, serviceAccountSlotSteps } from './account-commands';
import { NewUser } from './new-user';

// The users service's account commands as they span streams (the account's own, its
// username's, its organization's slots, its teams): decided and appended together, or
// refused with nothing written anywhere.

const ORG = 'org-1';
const TEAM = 'team-1';
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const spec = streamsSpec();
const userSpec = deciderSpec(userDecider);

const organizationCreated = (limits: { internal: number; external: number }): OrganizationEvent => ({
  type: 'OrganizationCreated',
  data: { organizationId: ORG, name: 'Acme', serviceInternalLimit: limits.internal, serviceExternalLimit: limits.external, createdAt: at },
});
const claimed = (userId: string, accountType: ServiceAccountType): OrganizationEvent => ({
  type: 'ServiceAccountSlotClaimed',
  data: { organizationId: ORG, userId, accountType },
});
const reached = (userId: string, accountType: ServiceAccountType, limit: number): OrganizationEvent => ({
  type: 'ServiceAccountLimitReached',
  data: { organizationId: ORG, accountType, limit, userId },
});
const released = (userId: string, accountType: ServiceAccountType): OrganizationEvent => ({
  type: 'ServiceAccountSlotReleased',
  data: { organizationId: ORG, userId, accountType },
});
const organization = (...events: OrganizationEvent[]) => streamHistory(organizationStreamId(ORG), organizationDecider, events);
const teamCreated: TeamEvent = { type: 'TeamCreated', data: { teamId: TEAM, organizationId: ORG, name: 'Payments', createdAt: at } };
const team = (...events: TeamEvent[]) => streamHistory(teamStreamId(TEAM), teamDecider, events);

const newAccount = (username: string, accountType: AccountType, fields: Partial<NewUser> = {}): NewUser => ({
  organizationId: ORG,
  accountType,
  username,
  roles: [],
  teams: [],
  ...fields,
});
const create = (userId: string, input: NewUser) => newAccountSteps(input, { userId, passwordHash: null, customRoles: [], at });
const reserved = (userId: string, username: string): UsernameReservationEvent => ({
  type: 'UsernameReserved',
  data: { username, userId, organizationId: ORG },
});
const userCreated = (userId: string, input: NewUser): UserEvent => ({
  type: 'UserCreated',
  data: {
    userId,
    organizationId: ORG,
    accountType: input.accountType,
    username: input.username,
    roles: input.roles,
    teams: input.teams,
    passwordHash: null,
    createdAt: at,
  },
});
const account = (userId: string, username: string, accountType: AccountType, fields: Partial<User> = {}): User => ({
  status: 'active',
  id: userId,
  organizationId: ORG,
  accountType,
  username,
  roles: [],
  teams: [],
  passwordHash: null,
  createdAt: at,
  firstName: null,
  lastName: null,
  email: null,
  friendlyName: null,
  description: null,
  ...fields,
});
const existing = (user: User): UserEvent => ({
  type: 'UserCreated',
  data: {
    userId: user.id,
    organizationId: ORG,
    accountType: user.accountType,
    username: user.username,
    roles: user.roles,
    teams: user.teams,
    passwordHash: user.passwordHash,
    createdAt: at,
  },
});
// A conversion as an update makes it: the account's stream (its changes in sequence) and its slot.
const convert = (user: User, to: AccountType) => [
  streamCommand(userStreamId(user.id), commandSequence(userDecider), [{ type: 'ConvertAccountType', to, at }]),
  ...serviceAccountSlotSteps(ORG, user.id, user.accountType, to),
];
const limitReached = (detail: string) => (error: WardenError) => {
  expect(error.code).toBe(UsersErrorCode.ServiceAccountLimitReached);
  expect(error.detail).toBe(detail);
};

describe('creating an account', () => {
  it('reserves the username and claims an external slot for an external service account', async () => {
    const input = newAccount('docusign-webhooks', 'service_external');
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 2 }))])
      .when(create('svc-1', input))
      .then({
        [usernameReservationStreamId('docusign-webhooks')]: [reserved('svc-1', 'docusign-webhooks')],
        [userStreamId('svc-1')]: [userCreated('svc-1', input)],
        [organizationStreamId(ORG)]: [claimed('svc-1', 'service_external')],
      });
  });

  it('claims no slot for a person, and adds it to its teams', async () => {
    const input = newAccount('grace', 'user', { teams: [TEAM] });
    await spec
      .given([organization(organizationCreated({ internal: 0, external: 0 })), team(teamCreated)])
      .when(create('user-1', input))
      .then({
        [usernameReservationStreamId('grace')]: [reserved('user-1', 'grace')],
        [userStreamId('user-1')]: [userCreated('user-1', input)],
        [teamStreamId(TEAM)]: [{ type: 'TeamMemberAdded', data: { teamId: TEAM, userId: 'user-1', addedAt: at } }],
      });
  });

  it('refuses an external service account beyond the organization’s limit, reserving no username', async () => {
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 2 }), claimed('svc-1', 'service_external'), claimed('svc-2', 'service_external'))])
      .when(create('svc-3', newAccount('third-webhook', 'service_external')))
      .thenThrows(WardenError, limitReached('organization already has 2 of 2 service_external accounts'));
  });

  it('refuses a second internal service account, even with external slots free', async () => {
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 5 }), claimed('svc-0', 'service_internal'))])
      .when(create('svc-9', newAccount('second-internal', 'service_internal')))
      .thenThrows(WardenError, limitReached('organization already has 1 of 1 service_internal accounts'));
  });

  it('takes an external service account while the internal slot is full, the two limits being apart', async () => {
    const input = newAccount('crm-sync', 'service_external');
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 1 }), claimed('svc-0', 'service_internal'))])
      .when(create('svc-1', input))
      .then({
        [usernameReservationStreamId('crm-sync')]: [reserved('svc-1', 'crm-sync')],
        [userStreamId('svc-1')]: [userCreated('svc-1', input)],
        [organizationStreamId(ORG)]: [claimed('svc-1', 'service_external'), reached('svc-1', 'service_external', 1)],
      });
  });

  it('refuses a username another account holds, claiming no slot', async () => {
    await spec
      .given([
        organization(organizationCreated({ internal: 1, external: 5 })),
        streamHistory(usernameReservationStreamId('crm-sync'), usernameReservationDecider, [reserved('svc-1', 'crm-sync')]),
      ])
      .when(create('svc-2', newAccount('crm-sync', 'service_external')))
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.UsernameTaken));
  });
});

describe('converting an account to a service type', () => {
  const grace = account('user-1', 'grace', 'user');
  const svc = account('svc-1', 'crm-sync', 'service_external');

  it('claims a slot when a person becomes an external service account', async () => {
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 2 })), streamHistory(userStreamId(grace.id), userDecider, [existing(grace)])])
      .when(convert(grace, 'service_external'))
      .then({
        [userStreamId(grace.id)]: [{ type: 'AccountTypeConverted', data: { userId: grace.id, from: 'user', to: 'service_external', convertedAt: at } }],
        [organizationStreamId(ORG)]: [claimed(grace.id, 'service_external')],
      });
  });

  it('refuses it at the external limit, and the account stays a person', async () => {
    await spec
      .given([
        organization(organizationCreated({ internal: 1, external: 1 }), claimed('svc-1', 'service_external')),
        streamHistory(userStreamId(grace.id), userDecider, [existing(grace)]),
      ])
      .when(convert(grace, 'service_external'))
      .thenThrows(WardenError, limitReached('organization already has 1 of 1 service_external accounts'));
  });

  it('moves the slot when an external account becomes the internal one, and refuses a second internal', async () => {
    const history = streamHistory(userStreamId(svc.id), userDecider, [existing(svc)]);
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 2 }), claimed(svc.id, 'service_external')), history])
      .when(convert(svc, 'service_internal'))
      .then({
        [userStreamId(svc.id)]: [{ type: 'AccountTypeConverted', data: { userId: svc.id, from: 'service_external', to: 'service_internal', convertedAt: at } }],
        [organizationStreamId(ORG)]: [released(svc.id, 'service_external'), claimed(svc.id, 'service_internal'), reached(svc.id, 'service_internal', 1)],
      });
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 2 }), claimed('svc-0', 'service_internal'), claimed(svc.id, 'service_external')), history])
      .when(convert(svc, 'service_internal'))
      .thenThrows(WardenError, limitReached('organization already has 1 of 1 service_internal accounts'));
  });

  it('releases the slot when a service account becomes a person', async () => {
    await spec
      .given([
        organization(organizationCreated({ internal: 1, external: 1 }), claimed(svc.id, 'service_external')),
        streamHistory(userStreamId(svc.id), userDecider, [existing(svc)]),
      ])
      .when(convert(svc, 'user'))
      .then({
        [userStreamId(svc.id)]: [{ type: 'AccountTypeConverted', data: { userId: svc.id, from: 'service_external', to: 'user', convertedAt: at } }],
        [organizationStreamId(ORG)]: [released(svc.id, 'service_external')],
      });
  });

  it('refuses to make a super admin a service account, claiming no slot', async () => {
    const admin = account('user-2', 'ada', 'user', { roles: ['WARDEN_SUPER_ADMIN'] });
    await spec
      .given([organization(organizationCreated({ internal: 1, external: 5 })), streamHistory(userStreamId(admin.id), userDecider, [existing(admin)])])
      .when(convert(admin, 'service_external'))
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.RoleNotAssignable));
  });

  it('refuses a deactivated account, claiming no slot', async () => {
    await spec
      .given([
        organization(organizationCreated({ internal: 1, external: 5 })),
        streamHistory(userStreamId(grace.id), userDecider, [existing(grace), { type: 'UserDeactivated', data: { userId: grace.id, deactivatedAt: at } }]),
      ])
      .when(convert(grace, 'service_external'))
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.UserDeactivated));
  });
});

describe('deactivating and reactivating', () => {
  const svc = account('svc-1', 'crm-sync', 'service_external');
  const deactivated: UserEvent = { type: 'UserDeactivated', data: { userId: svc.id, deactivatedAt: at } };

  it('keep the account and its slot: only the account’s own stream changes', () => {
    userSpec.given([existing(svc)]).when({ type: 'Deactivate', at: later }).then([{ type: 'UserDeactivated', data: { userId: svc.id, deactivatedAt: later } }]);
    userSpec.given([existing(svc), deactivated]).when({ type: 'Reactivate', at: later }).then([{ type: 'UserReactivated', data: { userId: svc.id, reactivatedAt: later } }]);
  });

  it('are refused on a deleted account, as on one that never existed', () => {
    const deleted: UserEvent = { type: 'UserDeleted', data: { userId: svc.id, deletedAt: at } };
    for (const type of ['Deactivate', 'Reactivate'] as const) {
      userSpec
        .given([existing(svc), deleted])
        .when({ type, at: later })
        .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.UserNotFound));
    }
  });

  it('leave a deactivated account unable to get a new password until it is reactivated', () => {
    userSpec
      .given([existing(svc), deactivated])
      .when({ type: 'ResetPasswordByOperator', newPasswordHash: '$argon2id$new', at: later })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.UserDeactivated));
    userSpec
      .given([existing(svc), deactivated, { type: 'UserReactivated', data: { userId: svc.id, reactivatedAt: at } }])
      .when({ type: 'ResetPasswordByOperator', newPasswordHash: '$argon2id$new', at: later })
      .then([{ type: 'UserPasswordChanged', data: { userId: svc.id, passwordHash: '$argon2id$new', changedBy: 'operator', changedAt: later } }]);
  });
});

describe('deleting an account', () => {
  const svc = account('svc-1', 'crm-sync', 'service_external', { teams: [TEAM] });
  const history = () => [
    organization(organizationCreated({ internal: 1, external: 1 }), claimed(svc.id, 'service_external')),
    streamHistory(userStreamId(svc.id), userDecider, [existing(svc)]),
    streamHistory(usernameReservationStreamId(svc.username), usernameReservationDecider, [reserved(svc.id, svc.username)]),
    team(teamCreated, { type: 'TeamMemberAdded', data: { teamId: TEAM, userId: svc.id, addedAt: at } }),
  ];

  it('is refused while the account owns tokens: its slot, username and teams stay as they are', async () => {
    await spec
      .given(history())
      .when(deletionSteps(svc, 2, later))
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(UsersErrorCode.UserOwnsTokens);
        expect(error.detail).toContain('2 tokens');
      });
  });

  it('frees the slot, the username and the team membership once it owns none', async () => {
    await spec
      .given(history())
      .when(deletionSteps(svc, 0, later))
      .then({
        [userStreamId(svc.id)]: [{ type: 'UserDeleted', data: { userId: svc.id, deletedAt: later } }],
        [usernameReservationStreamId(svc.username)]: [{ type: 'UsernameReleased', data: { username: svc.username, userId: svc.id } }],
        [organizationStreamId(ORG)]: [released(svc.id, 'service_external')],
        [teamStreamId(TEAM)]: [{ type: 'TeamMemberRemoved', data: { teamId: TEAM, userId: svc.id, removedAt: later } }],
      });
  });

  it('is refused for an account already deleted', async () => {
    await spec
      .given([...history().slice(0, 1), streamHistory(userStreamId(svc.id), userDecider, [existing(svc), { type: 'UserDeleted', data: { userId: svc.id, deletedAt: at } }])])
      .when(deletionSteps(svc, 0, later))
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.UserNotFound));
  });
});
