import { StreamCommand, streamCommand } from '@warden/kernel';
import {
  AccountType,
  OrganizationCommand,
  RoleDefinition,
  TeamCommand,
  User,
  UserCommand,
  isServiceAccount,
  organizationDecider,
  organizationStreamId,
  teamDecider,
  teamStreamId,
  userDecider,
  userStreamId,
  usernameReservationDecider,
  usernameReservationStreamId,
} from '@warden/users-domain';
import { NewUser } from './new-user';

// The streams each account command writes, in one atomic append (see runAtomically): the
// rules that span them (a unique username, an organization's service-account limits, team
// membership) hold together or the whole command is refused.

/** The organization stream's part when an account becomes, or stops being, a service account: the slot its type counts against. */
export function serviceAccountSlotSteps(organizationId: string, userId: string, from: AccountType, to: AccountType): StreamCommand[] {
  if (from === to) return [];
  const command: OrganizationCommand = isServiceAccount(to)
    ? { type: 'ClaimServiceAccountSlot', userId, accountType: to }
    : { type: 'ReleaseServiceAccountSlot', userId };
  return [streamCommand(organizationStreamId(organizationId), organizationDecider, command)];
}

/** A new account: its username reserved, its own stream, its organization's slot for a service account, its teams. */
export function newAccountSteps(
  input: Omit<NewUser, 'password'>,
  account: { userId: string; passwordHash: string | null; customRoles: RoleDefinition[]; at: string },
): StreamCommand[] {
  const { userId, at } = account;
  return [
    streamCommand(usernameReservationStreamId(input.username), usernameReservationDecider, {
      type: 'ReserveUsername',
      userId,
      organizationId: input.organizationId,
      username: input.username,
    }),
    streamCommand(userStreamId(userId), userDecider, {
      type: 'CreateUser',
      userId,
      organizationId: input.organizationId,
      accountType: input.accountType,
      username: input.username,
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      friendlyName: input.friendlyName,
      description: input.description,
      roles: input.roles,
      teams: input.teams,
      passwordHash: account.passwordHash,
      customRoles: account.customRoles,
      at,
    } satisfies UserCommand),
    ...serviceAccountSlotSteps(input.organizationId, userId, 'user', input.accountType),
    ...input.teams.map((teamId) =>
      streamCommand(teamStreamId(teamId), teamDecider, { type: 'AddTeamMember', userId, memberOrganizationId: input.organizationId, at } satisfies TeamCommand),
    ),
  ];
}

/** A deletion (refused while the account owns tokens): its own stream, its username freed, its slot released, its teams left. */
export function deletionSteps(user: User, ownedTokenCount: number, at: string): StreamCommand[] {
  return [
    streamCommand(userStreamId(user.id), userDecider, { type: 'Delete', ownedTokenCount, at } satisfies UserCommand),
    streamCommand(usernameReservationStreamId(user.username), usernameReservationDecider, { type: 'ReleaseUsername', userId: user.id }),
    ...serviceAccountSlotSteps(user.organizationId, user.id, user.accountType, 'user'),
    ...user.teams.map((teamId) => streamCommand(teamStreamId(teamId), teamDecider, { type: 'RemoveTeamMember', userId: user.id, at } satisfies TeamCommand)),
  ];
}
