import {
  AuthErrorCode,
  CommonErrorCode,
  Envelope,
  LoginResponse,
  StartSessionRequest,
  TokensErrorCode,
  WardenError,
  secretHash,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { CommandHandler, eventMetadataFrom } from '@warden/kernel';
import { RandomBytes, SessionCommand, SessionEvent, SessionState, generateSecret, sessionDecider, sessionStreamId } from '@warden/tokens-domain';
import type { RedisClient } from '@warden/redis';
import { v7 as uuidv7 } from 'uuid';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { PrincipalRecords } from '../owners/principal-records';

export interface SessionsServiceOptions {
  store: EventStore;
  readModel: CredentialReadModel;
  redis: RedisClient;
  keyPrefix: string;
  sessionTtlSeconds: number;
  randomBytes: RandomBytes;
  clock?: () => Date;
  /** Told why a session was refused; the caller only learns `invalid_credentials`. */
  onRefused?: (reason: string, userId: string) => void;
}

/**
 * Login sessions. `start` is called by the gateway's login route right after the users
 * service checked the password; the NATS subject is internal to the deployment (NATS
 * must not be reachable from outside it), and even so a session is only started for a
 * user whose principal record says active, in the organization named.
 */
export class SessionsService {
  private readonly commands: CommandHandler<SessionCommand, SessionEvent, SessionState>;
  private readonly clock: () => Date;
  private readonly principals: PrincipalRecords;

  constructor(private readonly options: SessionsServiceOptions) {
    this.commands = new CommandHandler(options.store, sessionDecider);
    this.clock = options.clock ?? (() => new Date());
    this.principals = new PrincipalRecords(options.redis, options.keyPrefix);
  }

  async start(envelope: Envelope<StartSessionRequest>): Promise<LoginResponse> {
    const { userId, organizationId } = envelope.payload;
    await this.assertMayLogIn(userId, organizationId);
    const key = generateSecret('session', this.options.randomBytes);
    const sessionId = uuidv7();
    const startedAt = this.clock();
    const expiresAt = new Date(startedAt.getTime() + this.options.sessionTtlSeconds * 1000).toISOString();
    const streamId = sessionStreamId(sessionId);
    await this.commands.handle(
      streamId,
      { type: 'StartSession', sessionId, userId, organizationId, keyHash: secretHash(key), startedAt: startedAt.toISOString(), expiresAt },
      {
        // The session's user is the actor: the login is theirs, not the anonymous caller's.
        metadata: { ...eventMetadataFrom(envelope.context), actorId: userId, organizationId },
        newEventId: uuidv7,
      },
    );
    await this.options.readModel.applyStream(streamId);
    return { key, domain: null, expires_at: expiresAt };
  }

  /** Ends the session that authenticated the request. */
  async end(envelope: Envelope<unknown>): Promise<void> {
    const principal = envelope.context.principal;
    if (!principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'Authentication required');
    if (principal.credential.kind !== 'session') {
      throw new WardenError(TokensErrorCode.NotASession, 'Only a login session can log out; an API token is revoked instead');
    }
    const streamId = sessionStreamId(principal.credential.id);
    await this.commands.handle(
      streamId,
      { type: 'EndSession', sessionId: principal.credential.id, userId: principal.userId, endedAt: this.clock().toISOString() },
      { metadata: eventMetadataFrom(envelope.context), newEventId: uuidv7 },
    );
    await this.options.readModel.applyStream(streamId);
  }

  private async assertMayLogIn(userId: string, organizationId: string): Promise<void> {
    const record = await this.principals.principal(userId);
    const reason =
      record === null
        ? 'no principal record'
        : record.status !== 'active'
          ? `principal ${record.status}`
          : record.organizationId !== organizationId
            ? 'principal in another organization'
            : undefined;
    if (reason === undefined) return;
    this.options.onRefused?.(reason, userId);
    throw new WardenError(AuthErrorCode.InvalidCredentials, 'Invalid username or password');
  }
}
