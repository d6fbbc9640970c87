import path from 'node:path';
import { Shapes, describeGoldenEvents, optional } from '@warden/testing';
import { organizationDecider } from './organization.decider';
import { platformBootstrapDecider } from './platform-bootstrap.decider';
import { roleDecider } from './role.decider';
import { teamDecider } from './team.decider';
import { userDecider } from './user.decider';
import { usernameReservationDecider } from './username-reservation.decider';
import { UsersContextEvent, usersContextUpcasters } from './users-upcasters';

// Today's shape of every event the users service stores. The compiler holds each to its
// type: change an event's type and this must change with it, and then the golden events
// say whether that needs a new version.
const ID = '01a23b46-b9e5-701a-80d7-77159d24ac06';
const AT = '2026-01-01T00:00:00.000Z';
const shapes: Shapes<UsersContextEvent> = {
  UserCreated: {
    userId: ID,
    organizationId: ID,
    accountType: 'user',
    username: 'grace@acme',
    firstName: optional('Grace'),
    lastName: optional('Hopper'),
    email: optional('grace@example.com'),
    friendlyName: optional('Amazing Grace'),
    description: optional('Rear admiral'),
    roles: ['WARDEN_MEMBER'],
    teams: [ID],
    passwordHash: '$argon2id$...',
    createdAt: AT,
  },
  UserProfileChanged: {
    userId: ID,
    changes: {
      firstName: optional('Grace'),
      lastName: optional('Hopper'),
      email: optional('grace@example.com'),
      friendlyName: optional('Amazing Grace'),
      description: optional('Rear admiral'),
    },
    changedAt: AT,
  },
  UserRolesChanged: { userId: ID, roles: ['WARDEN_ADMIN'], changedAt: AT },
  UserTeamsChanged: { userId: ID, teams: [ID], changedAt: AT },
  AccountTypeConverted: { userId: ID, from: 'service_external', to: 'service_internal', convertedAt: AT },
  UserPasswordChanged: { userId: ID, passwordHash: '$argon2id$...', changedBy: ID, changedAt: AT },
  UserDeactivated: { userId: ID, deactivatedAt: AT },
  UserReactivated: { userId: ID, reactivatedAt: AT },
  UserDeleted: { userId: ID, deletedAt: AT },
  OrganizationCreated: {
    organizationId: ID,
    name: 'Acme',
    serviceInternalLimit: 1,
    serviceExternalLimit: 10,
    maxTokenLifetimeSeconds: optional(86_400),
    accessTokenLifetimeSeconds: optional(900),
    humanPasswordLogin: optional(true),
    expiryWarningLeadSeconds: optional([604_800, 86_400]),
    leakedTokenAction: optional('disable'),
    disableUnusedAfterDays: optional(90),
    root: optional(true),
    createdAt: AT,
  },
  OrganizationSettingsChanged: {
    organizationId: ID,
    serviceInternalLimit: optional(1),
    serviceExternalLimit: optional(10),
    maxTokenLifetimeSeconds: optional(86_400),
    accessTokenLifetimeSeconds: optional(120),
    humanPasswordLogin: optional(false),
    expiryWarningLeadSeconds: optional([86_400]),
    leakedTokenAction: optional('revoke'),
    disableUnusedAfterDays: optional(30),
    changedAt: AT,
  },
  ServiceAccountSlotClaimed: { organizationId: ID, userId: ID, accountType: 'service_external' },
  ServiceAccountSlotReleased: { organizationId: ID, userId: ID, accountType: 'service_external' },
  ServiceAccountLimitReached: { organizationId: ID, accountType: 'service_internal', limit: 1, userId: ID },
  TeamCreated: { teamId: ID, organizationId: ID, name: 'Platform', createdAt: AT },
  TeamRenamed: { teamId: ID, name: 'Platform team', renamedAt: AT },
  TeamMemberAdded: { teamId: ID, userId: ID, addedAt: AT },
  TeamMemberRemoved: { teamId: ID, userId: ID, removedAt: AT },
  TeamDeleted: { teamId: ID, deletedAt: AT },
  RoleCreated: {
    organizationId: ID,
    name: 'BILLING_READER',
    displayName: 'Billing reader',
    description: 'Reads the billing records',
    applicationCode: 'billing',
    permissions: ['users:read'],
    accessScope: 'organization',
    createdAt: AT,
  },
  RoleArchived: { organizationId: ID, name: 'BILLING_READER', archivedAt: AT },
  UsernameReserved: { username: 'grace@acme', userId: ID, organizationId: ID },
  UsernameReleased: { username: 'grace@acme', userId: ID },
  PlatformBootstrapped: { rootOrganizationId: ID, adminUserId: ID, at: AT },
  LoginSucceeded: { userId: ID, at: AT, clientAddress: optional('127.0.0.1'), userAgent: optional('curl/8') },
  LoginFailed: { userId: optional(ID), reason: 'wrong_password', at: AT, clientAddress: optional('127.0.0.1'), userAgent: optional('curl/8') },
};

describeGoldenEvents('users', {
  directory: path.join(__dirname, '../golden-events'),
  upcasters: usersContextUpcasters,
  shapes,
  deciders: [
    { decider: userDecider, creation: 'UserCreated' },
    { decider: organizationDecider, creation: 'OrganizationCreated' },
    { decider: teamDecider, creation: 'TeamCreated' },
    { decider: roleDecider, creation: 'RoleCreated' },
    { decider: usernameReservationDecider, creation: 'UsernameReserved' },
    { decider: platformBootstrapDecider, creation: 'PlatformBootstrapped' },
  ],
});
