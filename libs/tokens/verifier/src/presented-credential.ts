// The secret a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`,
// the same rules as the gateway's. Undefined when there is none, when the
// Authorization header holds another scheme, or when the two headers disagree (a request
// must not be authenticated as one caller and read as another).

type Headers = Record<string, string | string[] | undefined>;

export function presentedCredential(headers: Headers): string | undefined {
  const authorization = headers['authorization'];
  if (Array.isArray(authorization)) return undefined;
  const bearer = typeof authorization === 'string' ? /^Bearer +(\S+) *$/i.exec(authorization)?.[1] : undefined;
  if (typeof authorization === 'string' && bearer === undefined) return undefined;
  const apiKeyHeader = headers['x-api-key'];
  if (Array.isArray(apiKeyHeader)) return undefined;
  const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() || undefined : undefined;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return undefined;
  return bearer ?? apiKey;
}
