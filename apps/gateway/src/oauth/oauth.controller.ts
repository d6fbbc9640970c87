import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  AccessTokenAnswer,
  ActiveOAuthIntrospection,
  AuthorizationServerMetadata,
  InactiveOAuthIntrospection,
  CLIENT_AUTHENTICATION_METHODS,
  CLIENT_CREDENTIALS_GRANT,
  JWT_BEARER_GRANT,
  KEY_ALGORITHMS,
  OAuthErrorAnswer,
  OAuthIntrospection,
  OAuthSubjects,
  TOKEN_EXCHANGE_GRANT,
  TokenEndpointAnswer,
  TokenEndpointRequest,
  readAccessToken,
} from '@warden/contracts';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/principal-of-request';
import { apiUrlOf } from '../http/page-links';
import { TokenIntrospector } from '../tokens/token-introspector';
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH, TOKEN_ENDPOINT_PATH, assertionAudiencesOf } from './oauth-endpoints';
import { oauthFormOf } from './oauth-form';

// OAuth 2.0 for service accounts, answered in the RFCs' own shapes (not problem documents):
// the token endpoint (RFC 6749 §4.4 with §5.1/§5.2 answers), introspection (RFC 7662),
// revocation (RFC 7009) and the server's metadata (RFC 8414). The grant itself is the
// tokens service's; the gateway passes the form on and says where it is reached.

const FORM = 'application/x-www-form-urlencoded';

// The forms, described by hand: they are read as forms (oauth-form.ts), not validated classes.
const TOKEN_FORM_SCHEMA = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', description: 'The token' }, token_type_hint: { type: 'string', description: 'Not needed: Warden tells its tokens apart' } },
};
const TOKEN_REQUEST_SCHEMA = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: [CLIENT_CREDENTIALS_GRANT, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT] },
    scope: { type: 'string', description: 'Permissions asked for, space-separated; none: the account\'s own' },
    client_id: { type: 'string', format: 'uuid', description: 'The service account (required for a workload token)' },
    client_secret: { type: 'string', description: 'client_secret_post' },
    client_assertion_type: { type: 'string', enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] },
    client_assertion: { type: 'string', description: 'private_key_jwt: a JWT signed by a registered key of the account' },
    assertion: { type: 'string', description: 'jwt-bearer: the workload\'s token' },
    subject_token: { type: 'string', description: 'token-exchange: the workload\'s token' },
    subject_token_type: { type: 'string', enum: ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'] },
  },
};

/** RFC 6749 §5.1: token answers are never cached. */
function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

function oauthError(reply: FastifyReply, status: 400 | 401, body: OAuthErrorAnswer): OAuthErrorAnswer {
  void reply.status(status);
  // RFC 6749 §5.2: a 401 names the scheme the client may authenticate with.
  if (status === 401) void reply.header('www-authenticate', 'Basic realm="warden"');
  return body;
}

/** The form of an OAuth request, or the RFC 6749 error for one that is not a form or repeats a parameter. */
function formOf(request: FastifyRequest): { form: Record<string, string> } | { error: OAuthErrorAnswer } {
  const body = oauthFormOf(request);
  if (!body) return { error: { error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded' } };
  if (body.form === null) return { error: { error: 'invalid_request', error_description: `${body.repeated} is given more than once` } };
  return { form: { ...body.form } };
}

@ApiTags('oauth2')
@Controller()
export class OAuthController {
  constructor(
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(TokenIntrospector) private readonly introspector: TokenIntrospector,
  ) {}

  /**
   * Get an access token for a service account
   *
   * @remarks RFC 6749 §4.4, client credentials: form-encoded `grant_type=client_credentials` and an optional
   * `scope`; the client authenticates with `client_secret_basic`, `client_secret_post` or `private_key_jwt`
   * (RFC 7523). Or a workload presents the token its platform gave it, for the account named by `client_id`:
   * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `assertion` (RFC 7523 §2.1), or
   * `urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` and `subject_token_type` (RFC 8693).
   * Errors are RFC 6749 §5.2 answers, not problem documents (`invalid_client` with 401 and `WWW-Authenticate`).
   */
  @Post('oauth2/token')
  @HttpCode(200)
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_REQUEST_SCHEMA })
  @ApiOkResponse({ type: AccessTokenAnswer, description: 'The access token (never cached: `Cache-Control: no-store`)' })
  @ApiBadRequestResponse({ type: OAuthErrorAnswer, description: '`invalid_request`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`' })
  @ApiUnauthorizedResponse({ type: OAuthErrorAnswer, description: '`invalid_client`, with `WWW-Authenticate: Basic`' })
  async token(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AccessTokenAnswer | OAuthErrorAnswer> {
    noStore(reply);
    const parsed = formOf(request);
    if ('error' in parsed) return oauthError(reply, 400, parsed.error);
    const payload: TokenEndpointRequest = { form: parsed.form, audiences: assertionAudiencesOf(request, TOKEN_ENDPOINT_PATH) };
    if (request.headers.authorization !== undefined) payload.authorization = request.headers.authorization;
    const answer = await this.services.send<TokenEndpointAnswer, TokenEndpointRequest>(OAuthSubjects.token, { context: contextOf(request), payload });
    if (answer.status !== 200) return oauthError(reply, answer.status, answer.body);
    return answer.body;
  }

  /**
   * Introspect a token
   *
   * @remarks RFC 7662: form-encoded `token` (`token_type_hint` is not needed): an access token, an API token
   * or a login key. The caller authenticates with a bearer credential or as an OAuth client (its client
   * secret or assertion); another organization's token reads as inactive.
   */
  @Post('oauth2/introspect')
  @HttpCode(200)
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_FORM_SCHEMA })
  @ApiExtraModels(ActiveOAuthIntrospection, InactiveOAuthIntrospection)
  @ApiOkResponse({
    description: '`{active: true, ...}` with what the token stands for, or `{active: false}`',
    schema: { oneOf: [{ $ref: getSchemaPath(ActiveOAuthIntrospection) }, { $ref: getSchemaPath(InactiveOAuthIntrospection) }] },
  })
  @ApiBadRequestResponse({ type: OAuthErrorAnswer, description: '`invalid_request`: no token, or not a form' })
  async introspect(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<OAuthIntrospection | OAuthErrorAnswer> {
    noStore(reply);
    const parsed = formOf(request);
    if ('error' in parsed) return oauthError(reply, 400, parsed.error);
    const token = parsed.form['token'];
    if (token === undefined) return oauthError(reply, 400, { error: 'invalid_request', error_description: 'token is required' });
    const answer = await this.introspector.introspect({ token }, request);
    if (!answer.active) return { active: false };
    const { token_type: kind, scope, expires_at, ...rest } = answer;
    const exp = expires_at === null ? undefined : Math.floor(Date.parse(expires_at) / 1000);
    // An access token answered active is authentic: its own claims say when it was granted.
    const iat = kind === 'access_token' ? readAccessToken(token)?.claims.issuedAt : undefined;
    return {
      ...rest,
      active: true,
      token_type: 'Bearer',
      token_kind: kind,
      scope: scope ?? Object.keys(rest.permissions).sort().join(' '),
      client_id: rest.user_id,
      sub: rest.user_id,
      expires_at,
      ...(exp !== undefined && { exp }),
      ...(iat !== undefined && { iat }),
    };
  }

  /**
   * Revoke an access token
   *
   * @remarks RFC 7009: form-encoded `token`. The account itself or a caller who writes its tokens; an unknown,
   * expired or foreign token is answered 200 too. API tokens and login keys have their own routes
   * (`unsupported_token_type`).
   */
  @Post('oauth2/revoke')
  @HttpCode(200)
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_FORM_SCHEMA })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke', schema: { type: 'object', additionalProperties: false } })
  @ApiBadRequestResponse({ type: OAuthErrorAnswer, description: '`invalid_request`, `unsupported_token_type`, `unauthorized_client`' })
  async revoke(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, never> | OAuthErrorAnswer> {
    noStore(reply);
    const parsed = formOf(request);
    if ('error' in parsed) return oauthError(reply, 400, parsed.error);
    const token = parsed.form['token'];
    if (token === undefined) return oauthError(reply, 400, { error: 'invalid_request', error_description: 'token is required' });
    const answer = await this.services.send<{ status: 200 } | { status: 400; body: OAuthErrorAnswer }>(OAuthSubjects.revoke, {
      context: contextOf(request),
      payload: { token },
    });
    return answer.status === 200 ? {} : oauthError(reply, 400, answer.body);
  }

  /**
   * Get the authorization server's metadata
   *
   * @remarks RFC 8414: where the token, introspection and revocation endpoints are, and what they take.
   */
  @Get('.well-known/oauth-authorization-server')
  metadata(@Req() request: FastifyRequest): AuthorizationServerMetadata {
    const clientMethods = [...CLIENT_AUTHENTICATION_METHODS];
    return {
      issuer: apiUrlOf(request, ''),
      token_endpoint: apiUrlOf(request, TOKEN_ENDPOINT_PATH),
      introspection_endpoint: apiUrlOf(request, INTROSPECTION_ENDPOINT_PATH),
      revocation_endpoint: apiUrlOf(request, REVOCATION_ENDPOINT_PATH),
      grant_types_supported: [CLIENT_CREDENTIALS_GRANT, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT],
      token_endpoint_auth_methods_supported: clientMethods,
      token_endpoint_auth_signing_alg_values_supported: [...KEY_ALGORITHMS, 'Ed25519'],
      introspection_endpoint_auth_methods_supported: [...clientMethods, 'bearer'],
      revocation_endpoint_auth_methods_supported: [...clientMethods, 'bearer'],
      // No authorization endpoint: machines only, no response type.
      response_types_supported: [],
    };
  }
}
