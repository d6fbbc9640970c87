import type { FastifyRequest } from 'fastify';
import { apiUrlOf } from '../http/page-links';

// Where the OAuth endpoints are reached: beside the issuer identifier, the gateway's public base URL.
export const TOKEN_ENDPOINT_PATH = '/oauth2/token';
export const INTROSPECTION_ENDPOINT_PATH = '/oauth2/introspect';
export const REVOCATION_ENDPOINT_PATH = '/oauth2/revoke';

/** What a client assertion may name as its audience: the issuer identifier, the token endpoint, or the endpoint it was sent to. */
export function assertionAudiencesOf(request: FastifyRequest, path: string): string[] {
  return [...new Set([apiUrlOf(request, ''), apiUrlOf(request, TOKEN_ENDPOINT_PATH), apiUrlOf(request, path)])];
}
