// AuthSubjects.verifyPassword, for the gateway's login. Every refusal is the same
// `invalid_credentials`, and an unknown username still costs one argon2 verification, so
// neither the answer nor the time taken tells whether a username exists. Each outcome is
// an event (LoginSucceeded / LoginFailed) for the audit trail, never with the password.
import { createHash } from 'node:crypto';
import { AuthErrorCode, Envelope, VerifiedUser, VerifyPasswordRequest, WardenError } from '@warden/contracts';
import { eventMetadataFrom, loadState, newEvent } from '@warden/kernel';
import {
  LoginOutcomeEvent,
  loginOutcomeEventUpcasters,
  normalizeUsername,
  organizationDecider,
  organizationStreamId,
  passwordLoginAllowed,
  userDecider,
  userStreamId,
  usernameReservationDecider,
  usernameReservationStreamId,
} from '@warden/users-domain';
import { v7 as uuidv7 } from 'uuid';
import { UsersContext } from '../users-context';

const MAX_INPUT_LENGTH = 1024;

// Login outcomes have their own streams: they must never race the user's own commands.
export const loginStreamId = (userId: string) => `login-${userId}`;
export const unknownLoginStreamId = (username: string) =>
  `login-unknown-${createHash('sha256').update(normalizeUsername(username)).digest('hex')}`;

export class PasswordLoginService {
  constructor(private readonly ctx: UsersContext) {}

  async verify(envelope: Envelope<VerifyPasswordRequest>): Promise<VerifiedUser> {
    const { username, password } = envelope.payload ?? ({} as VerifyPasswordRequest);
    if (typeof username !== 'string' || typeof password !== 'string' || username.length > MAX_INPUT_LENGTH || password.length > MAX_INPUT_LENGTH) {
      throw invalidCredentials();
    }
    const { state: reservation } = await loadState(this.ctx.store, usernameReservationDecider, usernameReservationStreamId(username));
    const userId = reservation.status === 'reserved' ? reservation.userId : undefined;
    const user = userId ? (await loadState(this.ctx.store, userDecider, userStreamId(userId))).state : ({ status: 'absent' } as const);
    const organization =
      user.status === 'absent' ? undefined : (await loadState(this.ctx.store, organizationDecider, organizationStreamId(user.organizationId))).state;
    const humanPasswordLogin = organization?.status === 'active' ? organization.humanPasswordLogin : true;
    const allowed = passwordLoginAllowed(user, { humanPasswordLogin });
    // Always one verification, against the user's hash or a dummy one.
    const matches = await this.ctx.hasher.verify(user.status === 'absent' ? null : user.passwordHash, password);
    const at = this.ctx.clock().toISOString();
    const context = envelope.context;
    const outcome = {
      at,
      ...(context.clientAddress ? { clientAddress: context.clientAddress } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    };
    if (user.status === 'absent' || user.status === 'deleted') {
      await this.record(unknownLoginStreamId(username), { type: 'LoginFailed', data: { ...outcome, reason: 'unknown_username' } }, context);
      throw invalidCredentials();
    }
    const metadata = { organizationId: user.organizationId, actorId: user.id, actorType: user.accountType };
    if (!allowed.allowed || !matches) {
      const reason = allowed.allowed ? 'wrong_password' : allowed.reason;
      await this.record(loginStreamId(user.id), { type: 'LoginFailed', data: { ...outcome, userId: user.id, reason } }, context, metadata);
      throw invalidCredentials();
    }
    // The listing's last_active_at follows from the tailer; a login does not wait for it.
    await this.record(loginStreamId(user.id), { type: 'LoginSucceeded', data: { ...outcome, userId: user.id } }, context, metadata);
    return { userId: user.id, organizationId: user.organizationId, accountType: user.accountType };
  }

  private async record(
    streamId: string,
    outcome: LoginOutcomeEvent,
    context: Envelope<unknown>['context'],
    actor: { organizationId?: string; actorId?: string; actorType?: string } = {},
  ) {
    const metadata = { ...eventMetadataFrom(context), ...actor };
    await this.ctx.store.append({
      streamId,
      expectedVersion: 'any',
      events: [newEvent(outcome, loginOutcomeEventUpcasters, { metadata, newEventId: uuidv7 })],
    });
  }
}

function invalidCredentials(): WardenError {
  return new WardenError(AuthErrorCode.InvalidCredentials, 'the username or the password is not correct');
}
