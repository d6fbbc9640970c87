import { EventUpcasters, combineUpcasters } from '@warden/kernel';
import { LoginOutcomeEvent, loginOutcomeEventUpcasters } from './login-outcome';
import { OrganizationEvent, organizationEventUpcasters } from './organization.decider';
import { PlatformBootstrapEvent, platformBootstrapEventUpcasters } from './platform-bootstrap.decider';
import { RoleEvent, roleEventUpcasters } from './role.decider';
import { TeamEvent, teamEventUpcasters } from './team.decider';
import { UserEvent, userEventUpcasters } from './user.decider';
import { UsernameReservationEvent, usernameReservationEventUpcasters } from './username-reservation.decider';

/** Every event the users service stores. */
export type UsersContextEvent =
  | UserEvent
  | OrganizationEvent
  | TeamEvent
  | RoleEvent
  | UsernameReservationEvent
  | PlatformBootstrapEvent
  | LoginOutcomeEvent;

/** Every event type the users service stores, with its upcasters: what its projections read through. */
export const usersContextUpcasters: EventUpcasters<UsersContextEvent> = combineUpcasters(
  userEventUpcasters,
  organizationEventUpcasters,
  teamEventUpcasters,
  roleEventUpcasters,
  usernameReservationEventUpcasters,
  platformBootstrapEventUpcasters,
  loginOutcomeEventUpcasters,
);
