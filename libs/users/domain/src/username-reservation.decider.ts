import { UsersErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';
import { normalizeUsername } from './username';

// One stream per normalized username: appending to it with an expected version is what
// makes usernames unique (case-insensitively) across all organizations, with no read
// model that could race. Usernames are global because login takes only a username.
export const usernameReservationStreamId = (username: string) => `username-${normalizeUsername(username)}`;

export type UsernameReservationCommand =
  | { type: 'ReserveUsername'; userId: string; organizationId: string; username: string }
  | { type: 'ReleaseUsername'; userId: string };

export type UsernameReservationEvent =
  | { type: 'UsernameReserved'; data: { username: string; userId: string; organizationId: string } }
  | { type: 'UsernameReleased'; data: { username: string; userId: string } };

export const usernameReservationEventUpcasters: EventUpcasters<UsernameReservationEvent> = { UsernameReserved: [], UsernameReleased: [] };

export type UsernameReservationState =
  | { status: 'free' }
  | { status: 'reserved'; username: string; userId: string; organizationId: string };

export const usernameReservationDecider: Decider<
  UsernameReservationCommand,
  UsernameReservationEvent,
  UsernameReservationState
> = {
  initialState: () => ({ status: 'free' }),
  upcasters: usernameReservationEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'ReserveUsername': {
        const username = normalizeUsername(command.username);
        if (state.status === 'reserved') {
          // The same user's retried creation is not a conflict.
          if (state.userId === command.userId) return [];
          throw new WardenError(UsersErrorCode.UsernameTaken, `username ${username} is already taken`, [
            { field: 'username', message: 'is already taken' },
          ]);
        }
        return [
          {
            type: 'UsernameReserved',
            data: { username, userId: command.userId, organizationId: command.organizationId },
          },
        ];
      }
      case 'ReleaseUsername': {
        // Only the holder can give a name up; anyone else's release is a stale retry.
        if (state.status !== 'reserved' || state.userId !== command.userId) return [];
        return [{ type: 'UsernameReleased', data: { username: state.username, userId: state.userId } }];
      }
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'UsernameReserved':
        return { status: 'reserved', ...event.data };
      case 'UsernameReleased':
        return { status: 'free' };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};
