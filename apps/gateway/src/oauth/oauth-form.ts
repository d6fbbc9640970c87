import { CommonErrorCode, WardenError } from '@warden/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// The /oauth2 endpoints take `application/x-www-form-urlencoded` bodies (RFC 6749 §4.4.2,
// RFC 7662 §2.1, RFC 7009 §2.1); every other route keeps JSON only.

const FORM = 'application/x-www-form-urlencoded';
const OAUTH_ROUTE_PREFIX = '/oauth2/';

/** A form body as parsed here: a JSON body can never be one (it is no instance of this class). */
export class OAuthFormBody {
  constructor(
    /** Each parameter once; null when one was repeated (RFC 6749 §3.1 forbids it). */
    readonly form: Readonly<Record<string, string>> | null,
    readonly repeated: string | null,
  ) {}
}

/**
 * Parses form bodies on the /oauth2 routes (up to the server's body limit), in place of the
 * form parser Nest's adapter installs for every route; any other route answers a form 415.
 */
export function registerOAuthForms(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser(FORM)) fastify.removeContentTypeParser(FORM);
  fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
    if (!request.routeOptions.url?.startsWith(OAUTH_ROUTE_PREFIX)) {
      done(new WardenError(CommonErrorCode.UnsupportedMediaType, 'this route takes application/json'), undefined);
      return;
    }
    done(null, parseOAuthForm(body as string));
  });
}

export function parseOAuthForm(body: string): OAuthFormBody {
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(form, name)) return new OAuthFormBody(null, name);
    form[name] = value;
  }
  return new OAuthFormBody(form, null);
}

/** The request's form, when it sent one. */
export function oauthFormOf(request: FastifyRequest): OAuthFormBody | undefined {
  return request.body instanceof OAuthFormBody ? request.body : undefined;
}
