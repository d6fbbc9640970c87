// The origins a public token is valid from: each subdomain named explicitly, no wildcards.
// An allowed origin is stored in the serialization browsers use for the `Origin` header
// (RFC 6454): lowercase scheme and host, the host in its ASCII (punycode) form, no default
// port, nothing after the authority. The verifier compares the presented header with it
// byte for byte, so only a canonical `Origin` can ever match.

export type OriginCheck = { ok: true; origin: string } | { ok: false; reason: string };

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

export function normalizeAllowedOrigin(input: string): OriginCheck {
  const raw = input.trim();
  if (raw.includes('*')) return { ok: false, reason: 'wildcards are not supported; list each origin explicitly' };
  if (raw === '' || raw.toLowerCase() === 'null') return { ok: false, reason: 'must be an origin such as https://app.example.com' };
  const authority = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(raw);
  if (!authority) return { ok: false, reason: 'must be scheme://host[:port], e.g. https://app.example.com' };
  const [, , host, rest] = authority;
  if (host!.includes('@')) return { ok: false, reason: 'must not contain userinfo (user:password@)' };
  if (rest !== '' && rest !== '/') return { ok: false, reason: 'must not contain a path, query or fragment' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid origin' };
  }
  if (!(url.protocol in DEFAULT_PORTS)) return { ok: false, reason: 'must use http or https' };
  if (url.hostname === '') return { ok: false, reason: 'must name a host' };
  const port = url.port === '' || url.port === DEFAULT_PORTS[url.protocol] ? '' : `:${url.port}`;
  return { ok: true, origin: `${url.protocol}//${url.hostname}${port}` };
}
