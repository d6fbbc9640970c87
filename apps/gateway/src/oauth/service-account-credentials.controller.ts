import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import {
  AddFederationRuleBody,
  ClientSecretView,
  FederationRuleView,
  IssuedClientSecretView,
  OAuthClientView,
  OAuthSubjects,
  RegisterKeyBody,
  RotateClientSecretBody,
  ServiceAccountKeyView,
} from '@warden/contracts';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/principal-of-request';

// A service account's OAuth client credentials: its client secrets and public keys,
// managed like its API tokens (tokens:read to list them, tokens:write to change them; making
// one is obtaining a credential of the account).
@ApiTags('oauth2')
@Controller('users/:id')
export class ServiceAccountCredentialsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Get a service account's OAuth client
   *
   * @remarks Its `client_id` (the account's id), client secrets (never the secret), keys and federation rules.
   */
  @Get('oauth-client')
  client(@Param('id', new ParseUUIDPipe()) userId: string, @Req() request: FastifyRequest): Promise<OAuthClientView> {
    return this.services.send(OAuthSubjects.client, { context: contextOf(request), payload: { userId } });
  }

  /**
   * Add a client secret
   *
   * @remarks A new client secret for the token endpoint, in this answer once; only its SHA-256 is kept. Making one is obtaining a credential of the account: the caller must hold every permission the account holds.
   */
  @Post('client-secrets')
  @HttpCode(201)
  addClientSecret(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedClientSecretView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(OAuthSubjects.addClientSecret, { context: contextOf(request), payload: { userId } });
  }

  /**
   * Rotate a client secret
   *
   * @remarks A new client secret, in this answer once; the old one works until the grace period ends (0, the default: at once).
   */
  @Post('client-secrets/:secretId/rotate')
  @HttpCode(200)
  @ApiBody({ type: RotateClientSecretBody, examples: { 'the old secret works five more minutes': { value: { grace_period_seconds: 300 } } } })
  rotateClientSecret(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Param('secretId', new ParseUUIDPipe()) secretId: string,
    @Body() body: RotateClientSecretBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedClientSecretView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(OAuthSubjects.rotateClientSecret, { context: contextOf(request), payload: { ...body, userId, secretId } });
  }

  /**
   * Revoke a client secret
   *
   * @remarks The secret, and every access token granted through it, refused from this answer on.
   */
  @Post('client-secrets/:secretId/revoke')
  @HttpCode(200)
  revokeClientSecret(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Param('secretId', new ParseUUIDPipe()) secretId: string,
    @Req() request: FastifyRequest,
  ): Promise<ClientSecretView> {
    return this.services.send(OAuthSubjects.revokeClientSecret, { context: contextOf(request), payload: { userId, secretId } });
  }

  /**
   * Register a public key
   *
   * @remarks A JWK (ES256, RS256 of 2048 bits or more, or EdDSA over Ed25519) for `private_key_jwt`; a key with a private member is refused. Without `kid`, its RFC 7638 thumbprint names it.
   */
  @Post('keys')
  @HttpCode(201)
  @ApiBody({
    type: RegisterKeyBody,
    examples: {
      'an ES256 key, for a year': {
        value: {
          jwk: { kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'billing-2026', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
          expires_at: '2027-01-01T00:00:00Z',
        },
      },
    },
  })
  registerKey(@Param('id', new ParseUUIDPipe()) userId: string, @Body() body: RegisterKeyBody, @Req() request: FastifyRequest): Promise<ServiceAccountKeyView> {
    return this.services.send(OAuthSubjects.registerKey, { context: contextOf(request), payload: { ...body, userId } });
  }

  /**
   * Add a federation rule
   *
   * @remarks Lets workloads exchange the token their platform gave them (Kubernetes, a CI system) for this account's access tokens: from `issuer`, for one of `audiences`, holding every claim of `claims`.
   */
  @Post('federation-rules')
  @HttpCode(201)
  @ApiBody({
    type: AddFederationRuleBody,
    examples: {
      'a Kubernetes service account': {
        value: { issuer: 'https://container.googleapis.com/v1/projects/acme/locations/eu/clusters/prod', audiences: ['https://warden.example.com'], claims: { sub: 'system:serviceaccount:billing:webhooks' } },
      },
      'a GitHub Actions workflow on main': {
        value: { issuer: 'https://token.actions.githubusercontent.com', audiences: ['https://warden.example.com'], claims: { repository: 'acme/billing', ref: 'refs/heads/main' } },
      },
    },
  })
  addFederationRule(@Param('id', new ParseUUIDPipe()) userId: string, @Body() body: AddFederationRuleBody, @Req() request: FastifyRequest): Promise<FederationRuleView> {
    return this.services.send(OAuthSubjects.addFederationRule, { context: contextOf(request), payload: { ...body, userId } });
  }

  /**
   * Remove a federation rule
   *
   * @remarks Access tokens exchanged through it are refused from this answer on.
   */
  @Delete('federation-rules/:ruleId')
  @HttpCode(204)
  async removeFederationRule(@Param('id', new ParseUUIDPipe()) userId: string, @Param('ruleId', new ParseUUIDPipe()) ruleId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(OAuthSubjects.removeFederationRule, { context: contextOf(request), payload: { userId, ruleId } });
  }

  /**
   * Delete a key
   *
   * @remarks Access tokens granted through it are refused from this answer on.
   */
  @Delete('keys/:keyId')
  @HttpCode(204)
  async deleteKey(@Param('id', new ParseUUIDPipe()) userId: string, @Param('keyId') keyId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(OAuthSubjects.deleteKey, { context: contextOf(request), payload: { userId, keyId } });
  }
}
