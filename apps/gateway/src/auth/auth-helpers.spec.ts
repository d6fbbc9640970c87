import {
  clearedConsoleSessionCookie,
  consoleOriginRefusal,
  consoleSessionCookie,
  consoleSessionKeyOf,
  consoleSessionSettingsOf,
} from './console-session';
import { loginThrottleKeys, normalizeUsername, retryAfterSeconds } from './login-throttle';
import { presentedSecret } from './presented-secret';
import { actorFrom } from './principal-of-request';
import { isPublicRoute } from './public-routes';
import { plainPrincipalView } from '@warden/testing';

const principal = plainPrincipalView({ credential: { kind: 'session', id: 's-1', expiresAt: null } });

describe('presentedSecret', () => {
  it('reads a bearer key, with any case of the scheme', () => {
    expect(presentedSecret({ authorization: 'Bearer wdn_s_abc' })).toBe('wdn_s_abc');
    expect(presentedSecret({ authorization: 'bearer wdn_s_abc' })).toBe('wdn_s_abc');
  });

  it('reads x-api-key, the header service-user clients send', () => {
    expect(presentedSecret({ 'x-api-key': 'wdn_p_abc' })).toBe('wdn_p_abc');
  });

  it.each([
    ['no header', {}],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bearer without a key', { authorization: 'Bearer ' }],
    ['two different keys', { authorization: 'Bearer wdn_s_abc', 'x-api-key': 'wdn_p_xyz' }],
    ['an empty x-api-key', { 'x-api-key': '  ' }],
  ])('finds nothing with %s', (_what, headers) => {
    expect(presentedSecret(headers)).toBeUndefined();
  });

  it('accepts the same key in both headers', () => {
    expect(presentedSecret({ authorization: 'Bearer k', 'x-api-key': 'k' })).toBe('k');
  });
});

describe('isPublicRoute', () => {
  it('lets only login and health through', () => {
    expect(isPublicRoute('POST', '/api/v1/auth/login')).toBe(true);
    expect(isPublicRoute('GET', '/health')).toBe(true);
    expect(isPublicRoute('GET', '/health/ready')).toBe(true);
    expect(isPublicRoute('GET', '/api/v1/auth/login')).toBe(false);
    expect(isPublicRoute('POST', '/api/v1/auth/logout')).toBe(false);
    expect(isPublicRoute('GET', '/api/v1/audit/events')).toBe(false);
    expect(isPublicRoute('GET', undefined)).toBe(false);
  });

  it("lets the API page's files through, and nothing else under /docs", () => {
    expect(isPublicRoute('GET', '/docs/assets/swagger-ui-bundle.js')).toBe(true);
    expect(isPublicRoute('HEAD', '/docs/assets/swagger-ui.css')).toBe(true);
    expect(isPublicRoute('POST', '/docs/assets/swagger-ui.css')).toBe(false);
    expect(isPublicRoute('GET', '/docs/assets/:file')).toBe(false);
    expect(isPublicRoute('GET', '/docs/other')).toBe(false);
  });
});

describe('login throttle keys', () => {
  it('normalizes usernames so case and surrounding spaces share one counter', () => {
    expect(normalizeUsername('  Api_User@MyCompany ')).toBe('api_user@mycompany');
    expect(normalizeUsername('ＡＤＭＩＮ')).toBe('admin'); // fullwidth letters fold under NFKC
    const [a] = loginThrottleKeys('w:', 'Bob', '10.0.0.1');
    const [b] = loginThrottleKeys('w:', ' bob', '10.0.0.2');
    expect(a).toBe(b);
    expect(a).toMatch(/^w:login-throttle:username:[0-9a-f]{64}$/);
    expect(loginThrottleKeys('w:', 'bob', '10.0.0.1')[1]).toBe('w:login-throttle:address:10.0.0.1');
  });

  it('rounds Retry-After up to whole seconds and never to 0', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(0)).toBe(1);
  });
});

describe('actorFrom', () => {
  it('makes the caller the actor, typed by its account type', () => {
    expect(actorFrom(principal)).toEqual({ actorType: 'service_external', actorId: 'u-1', organizationId: 'o-1', principal });
    expect(actorFrom(undefined)).toEqual({ actorType: 'anonymous' });
  });
});

describe('the console session cookie', () => {
  const plain = consoleSessionSettingsOf('http://127.0.0.1:3000');
  const tls = consoleSessionSettingsOf('https://warden.example.com/base');

  it('is read among other cookies, and only when it looks like a key', () => {
    expect(consoleSessionKeyOf({ cookie: 'theme=dark; warden_console=wdn_s_abc; other=1' })).toBe('wdn_s_abc');
    expect(consoleSessionKeyOf({ cookie: 'xwarden_console=wdn_s_abc' })).toBeUndefined();
    expect(consoleSessionKeyOf({ cookie: 'warden_console=a b' })).toBeUndefined();
    expect(consoleSessionKeyOf({ cookie: 'warden_console=' })).toBeUndefined();
    expect(consoleSessionKeyOf({})).toBeUndefined();
  });

  it('lives as long as the session, Secure only over TLS', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(consoleSessionCookie('wdn_s_k', '2026-12-01T11:00:00Z', plain, now)).toBe(
      'warden_console=wdn_s_k; Path=/api/v1; Max-Age=3600; HttpOnly; SameSite=Strict',
    );
    expect(consoleSessionCookie('wdn_s_k', '2026-12-01T11:00:00Z', tls, now)).toMatch(/; Secure$/);
    expect(clearedConsoleSessionCookie(tls)).toBe('warden_console=; Path=/api/v1; Max-Age=0; HttpOnly; SameSite=Strict; Secure');
  });

  it("lets state change only from the gateway's own origin; reads from anywhere", () => {
    expect(tls.origin).toBe('https://warden.example.com');
    expect(consoleOriginRefusal('POST', 'https://warden.example.com', tls)).toBeUndefined();
    expect(consoleOriginRefusal('GET', undefined, tls)).toBeUndefined();
    for (const method of ['POST', 'PATCH', 'DELETE', 'put'])
      for (const origin of [undefined, 'http://warden.example.com', 'https://warden.example.com:8443', 'null'])
        expect(consoleOriginRefusal(method, origin, tls)).toContain('https://warden.example.com');
  });
});
