import type { IncomingHttpHeaders } from 'node:http';

/**
 * The secret a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`
 * (as service-user clients send it). Undefined when there is none, or when the two headers disagree (a request
 * must not be authenticated as one caller and read as another).
 */
export function presentedSecret(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer +(\S+) *$/i.exec(authorization)?.[1] : undefined;
  if (typeof authorization === 'string' && bearer === undefined) return undefined; // another scheme, or junk
  const apiKeyHeader = headers['x-api-key'];
  const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() || undefined : undefined;
  if (Array.isArray(apiKeyHeader)) return undefined;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return undefined;
  return bearer ?? apiKey;
}
