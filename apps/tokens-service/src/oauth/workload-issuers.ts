import { JWTVerifyGetKey, createRemoteJWKSet } from 'jose';

// The keys of the issuers whose workload tokens federation rules trust (a Kubernetes
// cluster, a CI system): found through each issuer's OpenID discovery document, kept for a
// while, fetched again when a token names a key not seen yet (the issuer rotated), and never
// guessed: an issuer that cannot be reached means the exchange is refused.

const DISCOVERY_KEPT_MS = 10 * 60_000;
// At most one fetch of an issuer's keys per this interval, however many unknown key ids are shown.
const KEYS_REFETCH_COOLDOWN_MS = 1_000;
const ISSUERS_KEPT = 1_000;

export class IssuerUnreachableError extends Error {}

export class WorkloadIssuers {
  private readonly known = new Map<string, { keys: JWTVerifyGetKey; discoveredAt: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The issuer's keys, for jose's jwtVerify; throws IssuerUnreachableError when its discovery document cannot be had. */
  async keysOf(issuer: string, now = Date.now()): Promise<JWTVerifyGetKey> {
    const known = this.known.get(issuer);
    if (known && now - known.discoveredAt < DISCOVERY_KEPT_MS) return known.keys;
    const document = await this.discover(issuer);
    if (this.known.size >= ISSUERS_KEPT) this.known.clear();
    const keys = createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: this.timeoutMs, cooldownDuration: KEYS_REFETCH_COOLDOWN_MS, cacheMaxAge: DISCOVERY_KEPT_MS });
    this.known.set(issuer, { keys, discoveredAt: now });
    return keys;
  }

  private async discover(issuer: string): Promise<{ jwks_uri: string }> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw new IssuerUnreachableError(`the issuer's discovery document could not be had: ${(error as Error).message}`);
    }
    const { issuer: named, jwks_uri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery §4.3: the document must name the issuer it was asked for.
    if (named !== issuer) throw new IssuerUnreachableError(`the discovery document names issuer ${String(named)}, not ${issuer}`);
    if (typeof jwks_uri !== 'string' || !/^https?:\/\//.test(jwks_uri)) throw new IssuerUnreachableError('the discovery document has no jwks_uri');
    return { jwks_uri };
  }
}
