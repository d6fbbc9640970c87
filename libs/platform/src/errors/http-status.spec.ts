import {
  ALL_ERROR_CODES,
  AuditErrorCode,
  AuthErrorCode,
  CommonErrorCode,
  ErrorCode,
  TokensErrorCode,
  UsersErrorCode,
} from '@warden/contracts';
import { httpStatusFor, problemTitleFor, problemTypeFor } from './http-status';

describe('httpStatusFor', () => {
  it.each(ALL_ERROR_CODES.map((code) => [code]))(
    'maps %s to a 4xx or 5xx status with a title',
    (code: ErrorCode) => {
      const status = httpStatusFor(code);
      expect(Number.isInteger(status)).toBe(true);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(problemTitleFor(code)).toMatch(/\w/);
      expect(problemTypeFor(code)).toBe(`urn:warden:problem:${code}`);
    },
  );

  it.each([
    [CommonErrorCode.ValidationFailed, 400],
    [CommonErrorCode.MalformedBody, 400],
    [CommonErrorCode.Unauthenticated, 401],
    [CommonErrorCode.Forbidden, 403],
    [CommonErrorCode.RouteNotFound, 404],
    [CommonErrorCode.MethodNotAllowed, 405],
    [CommonErrorCode.ConcurrencyConflict, 409],
    [CommonErrorCode.PayloadTooLarge, 413],
    [CommonErrorCode.UnsupportedMediaType, 415],
    [CommonErrorCode.RateLimited, 429],
    [CommonErrorCode.Internal, 500],
    [CommonErrorCode.ServiceUnavailable, 503],
    [CommonErrorCode.UpstreamTimeout, 503],
    [UsersErrorCode.OrganizationNotFound, 404],
    [UsersErrorCode.OrganizationAlreadyExists, 409],
    [UsersErrorCode.InvalidOrganizationSettings, 422],
    [AuditErrorCode.InvalidCursor, 400],
    [AuthErrorCode.InvalidCredentials, 401],
    [TokensErrorCode.NotASession, 400],
    [TokensErrorCode.SessionNotFound, 404],
    [TokensErrorCode.SessionAlreadyStarted, 409],
    [TokensErrorCode.TokenNotFound, 404],
    [TokensErrorCode.InvalidTokenOwner, 422],
    [TokensErrorCode.InvalidAllowedOrigins, 422],
    [TokensErrorCode.InvalidTokenExpiry, 422],
    [TokensErrorCode.InvalidTokenPermissions, 422],
    [TokensErrorCode.InvalidGracePeriod, 422],
    [TokensErrorCode.InvalidTokenPolicy, 422],
    [TokensErrorCode.TokenNotActive, 409],
    [TokensErrorCode.TokenExchangeNotAllowed, 403],
  ] as const)('maps %s to %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });

  it('answers 500 only for internal_error', () => {
    expect(ALL_ERROR_CODES.filter((code) => httpStatusFor(code) === 500)).toEqual([CommonErrorCode.Internal]);
  });

  it('maps every "not found" code to 404 and every "already exists" code to 409', () => {
    for (const code of ALL_ERROR_CODES) {
      if (code.endsWith('_not_found')) expect([code, httpStatusFor(code)]).toEqual([code, 404]);
      if (code.endsWith('_already_exists') || code.endsWith('_taken'))
        expect([code, httpStatusFor(code)]).toEqual([code, 409]);
    }
  });

  it('gives each code its own title', () => {
    const titles = ALL_ERROR_CODES.map(problemTitleFor);
    expect(new Set(titles).size).toBe(titles.length);
  });
});
