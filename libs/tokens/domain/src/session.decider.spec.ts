import { TokensErrorCode, WardenError } from '@warden/contracts';
import { deciderSpec } from '@warden/testing';
import { SessionEvent, sessionDecider, sessionStreamId } from './session.decider';

const keyHash = 'a'.repeat(64);
const started: SessionEvent = {
  type: 'SessionStarted',
  data: {
    sessionId: 's-1',
    userId: 'u-1',
    organizationId: 'o-1',
    keyHash,
    expiresAt: '2030-01-01T01:00:00.000Z',
    startedAt: '2030-01-01T00:00:00.000Z',
  },
};
const start = {
  type: 'StartSession' as const,
  sessionId: 's-1',
  userId: 'u-1',
  organizationId: 'o-1',
  keyHash,
  startedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-01T01:00:00.000Z',
};
const end = { type: 'EndSession' as const, sessionId: 's-1', userId: 'u-1', endedAt: '2030-01-01T00:10:00.000Z' };
const ended: SessionEvent = {
  type: 'SessionEnded',
  data: { sessionId: 's-1', userId: 'u-1', organizationId: 'o-1', keyHash, expiresAt: '2030-01-01T01:00:00.000Z', endedAt: '2030-01-01T00:10:00.000Z' },
};

const spec = deciderSpec(sessionDecider);
const code = (expected: TokensErrorCode) => (error: WardenError) => expect(error.code).toBe(expected);

describe('session decider', () => {
  it('names its stream', () => {
    expect(sessionStreamId('s-1')).toBe('session-s-1');
  });

  it('starts a session, recording only the hash of its key', () => {
    spec.given([]).when(start).then([started]);
  });

  it('refuses to start a session twice', () => {
    spec.given([started]).when(start).thenThrows(WardenError, code(TokensErrorCode.SessionAlreadyStarted));
  });

  it('refuses a key hash that is not a SHA-256', () => {
    spec.given([]).when({ ...start, keyHash: 'wdn_s_plaintext' }).thenThrows(RangeError);
  });

  it('refuses a session that would expire before it starts', () => {
    spec.given([]).when({ ...start, expiresAt: start.startedAt }).thenThrows(RangeError);
  });

  it('ends an active session for its own user', () => {
    spec.given([started]).when(end).then([ended]);
  });

  it('treats ending an ended session as done', () => {
    spec.given([started, ended]).when(end).then([]);
  });

  it('does not reveal another user\'s session', () => {
    spec.given([started]).when({ ...end, userId: 'u-2' }).thenThrows(WardenError, code(TokensErrorCode.SessionNotFound));
  });

  it('cannot end a session that never started', () => {
    spec.given([]).when(end).thenThrows(WardenError, code(TokensErrorCode.SessionNotFound));
  });
});
