import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
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

  @Get('oauth-client')
  @ApiOperation({ operationId: 'getOAuthClient', summary: "A service account's client_id, client secrets (never the secret) and keys" })
  client(@Param('id', new ParseUUIDPipe()) userId: string, @Req() request: FastifyRequest): Promise<OAuthClientView> {
    return this.services.send(OAuthSubjects.client, { context: contextOf(request), payload: { userId } });
  }

  @Post('client-secrets')
  @HttpCode(201)
  @ApiOperation({ operationId: 'addClientSecret', summary: 'A new client secret for the token endpoint, in this answer once' })
  addClientSecret(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedClientSecretView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(OAuthSubjects.addClientSecret, { context: contextOf(request), payload: { userId } });
  }

  @Post('client-secrets/:secretId/rotate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateClientSecret', summary: 'A new client secret (once); the old one works until the grace period ends' })
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

  @Post('client-secrets/:secretId/revoke')
  @HttpCode(200)
  @ApiOperation({ operationId: 'revokeClientSecret', summary: 'Revokes a client secret and every access token granted through it, at once' })
  revokeClientSecret(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Param('secretId', new ParseUUIDPipe()) secretId: string,
    @Req() request: FastifyRequest,
  ): Promise<ClientSecretView> {
    return this.services.send(OAuthSubjects.revokeClientSecret, { context: contextOf(request), payload: { userId, secretId } });
  }

  @Post('keys')
  @HttpCode(201)
  @ApiOperation({ operationId: 'registerServiceAccountKey', summary: 'Registers a public key (JWK: ES256, RS256 or EdDSA) for private_key_jwt' })
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

  @Post('federation-rules')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'addFederationRule',
    summary: "Lets workloads exchange their platform's token for this account's access tokens (workload identity federation)",
  })
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

  @Delete('federation-rules/:ruleId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'removeFederationRule', summary: 'Removes a federation rule; access tokens exchanged through it are refused at once' })
  async removeFederationRule(@Param('id', new ParseUUIDPipe()) userId: string, @Param('ruleId', new ParseUUIDPipe()) ruleId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(OAuthSubjects.removeFederationRule, { context: contextOf(request), payload: { userId, ruleId } });
  }

  @Delete('keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteServiceAccountKey', summary: 'Deletes a key; access tokens granted through it are refused at once' })
  async deleteKey(@Param('id', new ParseUUIDPipe()) userId: string, @Param('keyId') keyId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(OAuthSubjects.deleteKey, { context: contextOf(request), payload: { userId, keyId } });
  }
}
