import { normalizeAllowedOrigin } from './allowed-origin';

describe('normalizeAllowedOrigin', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com'],
    ['HTTPS://App.Example.COM', 'https://app.example.com'],
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com'],
    ['http://app.example.com:8080', 'http://app.example.com:8080'],
    ['https://app.example.com:80', 'https://app.example.com:80'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['https://[::1]:8443', 'https://[::1]:8443'],
  ])('stores %s as %s', (input, expected) => {
    expect(normalizeAllowedOrigin(input)).toEqual({ ok: true, origin: expected });
  });

  it.each([
    ['a wildcard host', 'https://*.example.com', /wildcard/],
    ['a bare wildcard', '*', /wildcard/],
    ['a path', 'https://app.example.com/callback', /path/],
    ['a query', 'https://app.example.com?x=1', /path, query/],
    ['userinfo', 'https://user:pw@app.example.com', /userinfo/],
    ['the opaque null origin', 'null', /origin/],
    ['no scheme', 'app.example.com', /scheme/],
    ['another scheme', 'ftp://app.example.com', /http or https/],
    ['an empty string', '', /origin/],
    ['a bad port', 'https://app.example.com:99999', /valid/],
  ])('refuses %s', (_what, input, reason) => {
    const result = normalizeAllowedOrigin(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
