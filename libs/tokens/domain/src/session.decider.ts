import { TokensErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';

// A login session: the short-lived key handed out by POST /auth/login (the bearer `key`). Only
// the SHA-256 of the key is recorded; the key itself exists only in the login answer.

export const SESSION_STREAM_PREFIX = 'session-';
export const sessionStreamId = (sessionId: string) => `${SESSION_STREAM_PREFIX}${sessionId}`;

export type SessionCommand =
  | {
      type: 'StartSession';
      sessionId: string;
      userId: string;
      organizationId: string;
      keyHash: string;
      startedAt: string;
      expiresAt: string;
    }
  | {
      type: 'EndSession';
      sessionId: string;
      /** Who asks: only the session's own user may end it. */
      userId: string;
      endedAt: string;
    };

export interface SessionStarted {
  type: 'SessionStarted';
  data: { sessionId: string; userId: string; organizationId: string; keyHash: string; expiresAt: string; startedAt: string };
}

// Repeats what the read model needs, so it applies the event without reading another.
export interface SessionEnded {
  type: 'SessionEnded';
  data: { sessionId: string; userId: string; organizationId: string; keyHash: string; expiresAt: string; endedAt: string };
}

export type SessionEvent = SessionStarted | SessionEnded;

export type SessionState =
  | { status: 'absent' }
  | { status: 'active' | 'ended'; sessionId: string; userId: string; organizationId: string; keyHash: string; expiresAt: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

function decide(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case 'StartSession': {
      if (state.status !== 'absent') {
        throw new WardenError(TokensErrorCode.SessionAlreadyStarted, `session ${command.sessionId} already exists`);
      }
      // Programming errors of the caller, not user input: the service computes both.
      if (!SHA256_HEX.test(command.keyHash)) throw new RangeError('keyHash must be a SHA-256 in lowercase hex');
      if (!(Date.parse(command.expiresAt) > Date.parse(command.startedAt))) throw new RangeError('a session must expire after it starts');
      const { sessionId, userId, organizationId, keyHash, expiresAt, startedAt } = command;
      return [{ type: 'SessionStarted', data: { sessionId, userId, organizationId, keyHash, expiresAt, startedAt } }];
    }
    case 'EndSession': {
      // Someone else's session reads as absent: its existence is not revealed.
      if (state.status === 'absent' || state.userId !== command.userId) {
        throw new WardenError(TokensErrorCode.SessionNotFound, `session ${command.sessionId} does not exist`);
      }
      if (state.status === 'ended') return []; // logging out twice is not an error
      const { sessionId, userId, organizationId, keyHash, expiresAt } = state;
      return [{ type: 'SessionEnded', data: { sessionId, userId, organizationId, keyHash, expiresAt, endedAt: command.endedAt } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted': {
      const { sessionId, userId, organizationId, keyHash, expiresAt } = event.data;
      return { status: 'active', sessionId, userId, organizationId, keyHash, expiresAt };
    }
    case 'SessionEnded':
      return state.status === 'absent' ? state : { ...state, status: 'ended' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const sessionEventUpcasters: EventUpcasters<SessionEvent> = { SessionStarted: [], SessionEnded: [] };

export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'absent' }),
  upcasters: sessionEventUpcasters,
};
