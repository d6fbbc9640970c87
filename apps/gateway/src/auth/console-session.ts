import type { IncomingHttpHeaders } from 'node:http';

// The console's login session travels in a cookie instead of a header, so that no page
// script can read the key: HttpOnly, SameSite=Strict, Secure when the gateway is reached
// over TLS, and only on the API's paths. A cookie is sent by the browser whoever made the
// request, so every state-changing request that authenticates with it must come from the
// console's own origin (`Origin`), and it stands only for a login session: an API token
// never rides in it.

export const CONSOLE_SESSION_COOKIE = 'warden_console';
const COOKIE_PATH = '/api/v1';
const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Where the console is served from, and whether its cookie must be Secure. */
export interface ConsoleSessionSettings {
  /** `scheme://host[:port]` of the gateway as clients reach it (PUBLIC_BASE_URL). */
  origin: string;
  secure: boolean;
}

export function consoleSessionSettingsOf(publicBaseUrl: string): ConsoleSessionSettings {
  const url = new URL(publicBaseUrl);
  return { origin: url.origin, secure: url.protocol === 'https:' };
}

/** The session key in the console's cookie; undefined when the request carries none. */
export function consoleSessionKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const cookie = headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const pair of cookie.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== CONSOLE_SESSION_COOKIE) continue;
    const value = pair.slice(separator + 1).trim();
    return /^[\w-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** Whether the request presents its credential in a header, which then wins over the cookie. */
export function presentsHeaderCredential(headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers['x-api-key'] !== undefined;
}

/** The `Set-Cookie` that hands the console its session, living as long as the session. */
export function consoleSessionCookie(key: string, expiresAt: string, settings: ConsoleSessionSettings, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000));
  return cookieWith(`${CONSOLE_SESSION_COOKIE}=${key}`, `Max-Age=${maxAge}`, settings);
}

/** The `Set-Cookie` that makes the browser forget the session. */
export function clearedConsoleSessionCookie(settings: ConsoleSessionSettings): string {
  return cookieWith(`${CONSOLE_SESSION_COOKIE}=`, 'Max-Age=0', settings);
}

function cookieWith(value: string, maxAge: string, settings: ConsoleSessionSettings): string {
  return [value, `Path=${COOKIE_PATH}`, maxAge, 'HttpOnly', 'SameSite=Strict', ...(settings.secure ? ['Secure'] : [])].join('; ');
}

/**
 * Why a state-changing request authenticated by the cookie (or asking for one) is refused
 * for where it comes from; undefined when it may go on. Reads are not checked: a page of
 * another origin cannot read their answers.
 */
export function consoleOriginRefusal(method: string, origin: string | undefined, settings: ConsoleSessionSettings): string | undefined {
  if (!STATE_CHANGING_METHODS.has(method.toUpperCase())) return undefined;
  if (origin === settings.origin) return undefined;
  return `A console session acts only from the console's own origin (${settings.origin})`;
}
