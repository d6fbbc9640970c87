import { UsersErrorCode, WardenError } from '@warden/contracts';
import type { DomainEvent } from '@warden/kernel';
import { deciderSpec } from '@warden/testing';
import {
  UsernameReservationEvent,
  usernameReservationDecider,
  usernameReservationStreamId,
} from './username-reservation.decider';

const spec = deciderSpec(usernameReservationDecider);
const reserved: UsernameReservationEvent = {
  type: 'UsernameReserved',
  data: { username: 'api_user@mycompany', userId: 'user-1', organizationId: 'org-1' },
};
const releasedByHolder: UsernameReservationEvent = {
  type: 'UsernameReleased',
  data: { username: 'api_user@mycompany', userId: 'user-1' },
};

describe('username reservation', () => {
  it('lives in one stream per username, whatever its case', () => {
    expect(usernameReservationStreamId('Api_User@MyCompany')).toBe('username-api_user@mycompany');
    expect(usernameReservationStreamId(' api_user@mycompany ')).toBe(
      usernameReservationStreamId('API_USER@MYCOMPANY'),
    );
  });

  it('reserves a free username, normalized', () => {
    spec
      .given([])
      .when({
        type: 'ReserveUsername',
        userId: 'user-1',
        organizationId: 'org-1',
        username: 'Api_User@MyCompany',
      })
      .then([reserved]);
  });

  it('refuses a username another user holds, in any case and in any organization', () => {
    spec
      .given([reserved])
      .when({
        type: 'ReserveUsername',
        userId: 'user-2',
        organizationId: 'org-2',
        username: 'API_USER@mycompany',
      })
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(UsersErrorCode.UsernameTaken);
        expect(error.detail).toBe('username api_user@mycompany is already taken');
        expect(error.errors).toEqual([{ field: 'username', message: 'is already taken' }]);
      });
  });

  it('records nothing when the holder reserves it again (a retried creation)', () => {
    spec
      .given([reserved])
      .when({
        type: 'ReserveUsername',
        userId: 'user-1',
        organizationId: 'org-1',
        username: 'api_user@mycompany',
      })
      .then([]);
  });

  it('is released by its holder', () => {
    spec.given([reserved]).when({ type: 'ReleaseUsername', userId: 'user-1' }).then([releasedByHolder]);
  });

  it('ignores a release by anyone but the holder', () => {
    spec.given([reserved]).when({ type: 'ReleaseUsername', userId: 'user-2' }).then([]);
    spec.given([]).when({ type: 'ReleaseUsername', userId: 'user-1' }).then([]);
    spec.given([reserved, releasedByHolder]).when({ type: 'ReleaseUsername', userId: 'user-1' }).then([]);
  });

  it('can be reserved again once released, by someone else', () => {
    spec
      .given([reserved, releasedByHolder])
      .when({
        type: 'ReserveUsername',
        userId: 'user-3',
        organizationId: 'org-2',
        username: 'api_user@mycompany',
      })
      .then([
        {
          type: 'UsernameReserved',
          data: { username: 'api_user@mycompany', userId: 'user-3', organizationId: 'org-2' },
        },
      ]);
  });

  it('records JSON', () => {
    const events: DomainEvent[] = [reserved, releasedByHolder];
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
  });
});
