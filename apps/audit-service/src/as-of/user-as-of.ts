import { UserAsOfRequest, UserAsOfView, UsersErrorCode, WardenError } from '@warden/contracts';
import { loadState } from '@warden/kernel';
import { userDecider, userStreamId } from '@warden/users-domain';
import { SourceEventStores } from '../backfill/source-event-stores';
import { parseMoment } from './moment';

/**
 * A user as they were at a moment: the users service's own stream, up to that moment,
 * folded with the same `userDecider.evolve` the users service decides with.
 */
export class UserAsOf {
  constructor(
    private readonly sources: SourceEventStores,
    private readonly usersService: string,
  ) {}

  async at(request: UserAsOfRequest): Promise<UserAsOfView> {
    const moment = parseMoment(request.at);
    const store = await this.sources.open(this.usersService);
    const notFound = () => new WardenError(UsersErrorCode.UserNotFound, `user ${request.user_id} does not exist`);
    if (!store) throw notFound();
    const streamId = userStreamId(request.user_id);
    // The organization never changes; it decides who may ask, whatever the moment asked about.
    const now = await loadState(store, userDecider, streamId);
    if (now.state.status === 'absent') throw notFound();
    if (request.organization_id !== undefined && now.state.organizationId !== request.organization_id) throw notFound();

    const then = await loadState(store, userDecider, streamId, { recordedUntil: moment });
    const at = moment.toISOString();
    if (then.state.status === 'absent') {
      return { user_id: request.user_id, at, status: 'absent', organization_id: now.state.organizationId, version: 0 };
    }
    const user = then.state;
    return {
      user_id: user.id,
      at,
      status: user.status,
      organization_id: user.organizationId,
      account_type: user.accountType,
      username: user.username,
      roles: [...user.roles],
      teams: [...user.teams],
      version: then.version,
    };
  }
}
