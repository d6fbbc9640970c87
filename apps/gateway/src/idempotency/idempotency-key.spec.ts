import { CommonErrorCode, TokensErrorCode, WardenError } from '@warden/contracts';
import { httpStatusFor } from '@warden/platform';
import {
  IdempotencyRecord,
  answeredRecord,
  canonicalJson,
  holdsSecret,
  idempotencyKeyOf,
  idempotencyRecordKey,
  keepsFailure,
  keyFingerprint,
  replayOf,
  requestFingerprint,
} from './idempotency-key';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof WardenError ? error.code : 'not a WardenError';
  }
};

describe('idempotencyKeyOf', () => {
  it('takes a printable key and leaves a request without the header alone', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('0b7f3c5e-2a9d-4c1e-9f3a-7d2b8e6c4a10')).toBe('0b7f3c5e-2a9d-4c1e-9f3a-7d2b8e6c4a10');
    expect(idempotencyKeyOf('order 42/attempt')).toBe('order 42/attempt');
    expect(idempotencyKeyOf('k'.repeat(255))).toHaveLength(255);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['a control character', 'abc\u0007def'],
    ['a newline', 'abc\ndef'],
    ['non-ASCII', 'clé-1'],
    ['a leading space', ' abc'],
    ['sent twice', ['a', 'b']],
  ] as const)('refuses a key that is %s with a 400 naming the header', (_case, value) => {
    let refused: unknown;
    try {
      idempotencyKeyOf(value as string | string[]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(WardenError);
    expect((refused as WardenError).code).toBe(CommonErrorCode.InvalidIdempotencyKey);
    expect((refused as WardenError).errors?.[0]?.field).toBe('headers.Idempotency-Key');
    expect((refused as WardenError).detail).toContain('Idempotency-Key');
  });
});

describe('idempotencyRecordKey', () => {
  const owner = { userId: 'u1', credential: { kind: 'api_token', id: 't1' } };

  it('separates callers, and credentials of one caller, under the prefix', () => {
    const key = idempotencyRecordKey('p:', owner, 'k1');
    expect(key).toMatch(/^p:idempotency:[0-9a-f]{64}$/);
    expect(idempotencyRecordKey('p:', owner, 'k1')).toBe(key);
    expect(idempotencyRecordKey('p:', { ...owner, userId: 'u2' }, 'k1')).not.toBe(key);
    expect(idempotencyRecordKey('p:', { ...owner, credential: { kind: 'api_token', id: 't2' } }, 'k1')).not.toBe(key);
    expect(idempotencyRecordKey('p:', owner, 'k2')).not.toBe(key);
  });

  it('cannot be confused by separators inside the parts', () => {
    const a = idempotencyRecordKey('p:', { userId: 'u', credential: { kind: 'session', id: 'a:b' } }, 'c');
    const b = idempotencyRecordKey('p:', { userId: 'u', credential: { kind: 'session', id: 'a' } }, 'b:c');
    expect(a).not.toBe(b);
  });
});

describe('keyFingerprint', () => {
  const owner = { userId: 'u1', credential: { kind: 'api_token', id: 't1' } };

  it('is the same for a retry and differs by caller, credential, key and request, never showing the key', () => {
    const fingerprint = keyFingerprint(owner, 'key-1', 'r');
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(keyFingerprint(owner, 'key-1', 'r')).toBe(fingerprint);
    expect(keyFingerprint({ ...owner, userId: 'u2' }, 'key-1', 'r')).not.toBe(fingerprint);
    expect(keyFingerprint({ ...owner, credential: { kind: 'api_token', id: 't2' } }, 'key-1', 'r')).not.toBe(fingerprint);
    expect(keyFingerprint(owner, 'key-2', 'r')).not.toBe(fingerprint);
    expect(keyFingerprint(owner, 'key-1', 'other request')).not.toBe(fingerprint);
    expect(fingerprint).not.toContain('key-1');
    // Not the Redis record's hash either: the services never learn where the record lives.
    expect(idempotencyRecordKey('', owner, 'key-1')).not.toContain(fingerprint);
  });
});

describe('requestFingerprint', () => {
  it('is the same for the same body in another key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(requestFingerprint('post', '/api/v1/tokens', { name: 'n', user_id: 'u' })).toBe(
      requestFingerprint('POST', '/api/v1/tokens', { user_id: 'u', name: 'n' }),
    );
  });

  it('differs by method, path, query and body', () => {
    const base = requestFingerprint('POST', '/api/v1/tokens', { name: 'n' });
    expect(requestFingerprint('PATCH', '/api/v1/tokens', { name: 'n' })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/users', { name: 'n' })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/tokens?x=1', { name: 'n' })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/tokens', { name: 'm' })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/tokens', { name: 'n', extra: true })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/tokens', undefined)).not.toBe(base);
  });
});

describe('holdsSecret and answeredRecord', () => {
  it('finds a token, a login key or a created service user\'s api_token anywhere in the answer', () => {
    expect(holdsSecret({ id: 't', token: 'wdn_p_abc' })).toBe(true);
    expect(holdsSecret({ key: 'abc', domain: null })).toBe(true);
    expect(holdsSecret({ id: 'u', api_token: { id: 't', token: 'wdn_p_abc' } })).toBe(true);
    expect(holdsSecret([{ nested: { password: 'pw' } }])).toBe(true);
  });

  it('passes an answer without a secret, even one with empty or null secret fields', () => {
    expect(holdsSecret({ id: 't', status: 'revoked', last_four: 'abcd' })).toBe(false);
    expect(holdsSecret({ id: 'u', api_token: null, api_token_error: { code: 'x', detail: 'y' } })).toBe(false);
    expect(holdsSecret({ active: true, token_id: 't', token_type: 'api_token' })).toBe(false);
    expect(holdsSecret(undefined)).toBe(false);
  });

  it('keeps an answer without a secret, and only the ids of one with a secret', () => {
    expect(answeredRecord('f', 200, { 'cache-control': 'no-store' }, { id: 't', status: 'revoked' })).toEqual({
      state: 'answered',
      fingerprint: 'f',
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { id: 't', status: 'revoked' },
    });
    expect(answeredRecord('f', 204, {}, undefined)).toMatchObject({ state: 'answered', body: null });
    const withheld = answeredRecord('f', 201, {}, { id: 'u1', api_token: { id: 't1', token: 'wdn_p_secret' } });
    expect(withheld).toEqual({ state: 'withheld', fingerprint: 'f', status: 201, ids: ['u1', 't1'] });
    expect(JSON.stringify(withheld)).not.toContain('wdn_p_secret');
  });
});

describe('replayOf', () => {
  const answered: IdempotencyRecord = { state: 'answered', fingerprint: 'f', status: 201, headers: {}, body: { id: 'x' } };

  it('replays an answer or a kept refusal for the same request', () => {
    expect(replayOf(answered, 'f')).toBe(answered);
    const failed: IdempotencyRecord = { state: 'failed', fingerprint: 'f', problem: { code: TokensErrorCode.InvalidTokenOwner, detail: 'd' } };
    expect(replayOf(failed, 'f')).toBe(failed);
  });

  it('refuses another request with the key, one in flight, and a withheld secret', () => {
    expect(codeOf(() => replayOf(answered, 'other'))).toBe(CommonErrorCode.IdempotencyKeyReused);
    expect(codeOf(() => replayOf({ state: 'in_progress', fingerprint: 'f', lock: 'l' }, 'f'))).toBe(
      CommonErrorCode.IdempotencyRequestInProgress,
    );
    expect(codeOf(() => replayOf({ state: 'in_progress', fingerprint: 'f', lock: 'l' }, 'other'))).toBe(CommonErrorCode.IdempotencyKeyReused);
    expect(codeOf(() => replayOf({ state: 'withheld', fingerprint: 'f', status: 201, ids: ['t1'] }, 'f'))).toBe(
      CommonErrorCode.IdempotentReplayWithheld,
    );
  });

  it('names the token of a withheld answer so the client can rotate it', () => {
    try {
      replayOf({ state: 'withheld', fingerprint: 'f', status: 201, ids: ['t1'] }, 'f');
    } catch (error) {
      expect((error as WardenError).detail).toContain('t1');
    }
    expect.assertions(1);
  });
});

describe('keepsFailure', () => {
  it('keeps a refusal but not an answer that says try again', () => {
    expect(keepsFailure({ code: TokensErrorCode.InvalidTokenOwner, detail: '' }, 422)).toBe(true);
    expect(keepsFailure({ code: CommonErrorCode.Forbidden, detail: '' }, 403)).toBe(true);
    expect(keepsFailure({ code: CommonErrorCode.ServiceUnavailable, detail: '' }, 503)).toBe(false);
    expect(keepsFailure({ code: CommonErrorCode.Internal, detail: '' }, 500)).toBe(false);
    expect(keepsFailure({ code: CommonErrorCode.RateLimited, detail: '' }, 429)).toBe(false);
    expect(keepsFailure({ code: CommonErrorCode.ConcurrencyConflict, detail: '' }, 409)).toBe(false);
  });
});

describe('the problems of idempotency keys', () => {
  it.each([
    [CommonErrorCode.InvalidIdempotencyKey, 400],
    [CommonErrorCode.IdempotencyKeyReused, 422],
    [CommonErrorCode.IdempotencyRequestInProgress, 409],
    [CommonErrorCode.IdempotentReplayWithheld, 409],
  ] as const)('answers %s with %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});
