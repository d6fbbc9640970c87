// Exit codes a script can branch on. They follow the HTTP status of the gateway's answer,
// so the same failure gives the same code whichever command met it.

export enum ExitCode {
  Ok = 0,
  /** Anything not below: a 5xx other than 503, an answer that is not the API's. */
  Failure = 1,
  /** The command line itself is wrong: unknown command or option, a missing argument. */
  Usage = 2,
  /** No credential, an expired or refused one (401), or not allowed (403). */
  Auth = 3,
  /** 404: the account, token or route does not exist (or is another organization's). */
  NotFound = 4,
  /** 409: the state forbids it (a revoked token rotated, a name taken). */
  Conflict = 5,
  /** 400 or 422 (413, 415): the API refused the input; the problem document names the fields. */
  Invalid = 6,
  /** The gateway is unreachable, overloaded (503) or throttling (429): worth a retry later. */
  Unavailable = 7,
  /** `audit verify` found the hash chain broken. */
  AuditChainBroken = 8,
  /** `replay --mode compare` found the live read model differing from a fresh replay. */
  ReadModelDiffers = 9,
  /** `tokens verify`: the token does not work (revoked, expired, unknown, or not from that origin). */
  TokenInactive = 10,
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return ExitCode.Ok;
  switch (status) {
    case 400:
    case 413:
    case 415:
    case 422:
      return ExitCode.Invalid;
    case 401:
    case 403:
      return ExitCode.Auth;
    case 404:
      return ExitCode.NotFound;
    case 409:
      return ExitCode.Conflict;
    case 429:
    case 503:
      return ExitCode.Unavailable;
    default:
      return ExitCode.Failure;
  }
}
