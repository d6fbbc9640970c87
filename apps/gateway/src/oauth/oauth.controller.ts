import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AccessTokenAnswer,
  AuthorizationServerMetadata,
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
import { apiUrlOf } from '../organizations/page-links';
import { TokenIntrospector } from '../tokens/token-introspector';
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH, TOKEN_ENDPOINT_PATH, assertionAudiencesOf } from './oauth-endpoints';
import { oauthFormOf } from './oauth-form';

// OAuth 2.0 for service accounts, answered in the RFCs' own shapes (not problem documents):
// the token endpoint (RFC 6749 §4.4 with §5.1/§5.2 answers), introspection (RFC 7662),
// revocation (RFC 7009) and the server's metadata (RFC 8414). The grant itself is the
// tokens service's; the gateway passes the form on and says where it is reached.

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

  @Post('oauth2/token')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'oauthToken',
    summary: 'An access token for a service account: client credentials, or a workload token exchanged',
    description:
      'Form-encoded `grant_type=client_credentials` and an optional `scope`; the client authenticates with `client_secret_basic`, `client_secret_post` ' +
      'or `private_key_jwt` (RFC 7523). Or a workload presents the token its platform gave it, for the account named by `client_id`: ' +
      '`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `assertion` (RFC 7523 §2.1), or ' +
      '`urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` and `subject_token_type` (RFC 8693). ' +
      'Errors are RFC 6749 §5.2 answers (`invalid_client` with 401 and `WWW-Authenticate`).',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
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

  @Post('oauth2/introspect')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'oauthIntrospect',
    summary: 'Whether a token is active, and what it may do (RFC 7662)',
    description:
      'Form-encoded `token` (and `token_type_hint`, which is not needed): an access token, an API token or a login key. The caller authenticates with a ' +
      "bearer credential or as an OAuth client; another organization's token reads as inactive.",
  })
  @ApiConsumes('application/x-www-form-urlencoded')
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

  @Post('oauth2/revoke')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'oauthRevoke',
    summary: 'Revokes an access token (RFC 7009)',
    description:
      'Form-encoded `token`. The account itself or a caller who writes its tokens; an unknown, expired or foreign token is answered 200 too. ' +
      'API tokens and login keys have their own routes (`unsupported_token_type`).',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
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

  @Get('.well-known/oauth-authorization-server')
  @ApiOperation({ operationId: 'oauthMetadata', summary: "The authorization server's metadata (RFC 8414)" })
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
