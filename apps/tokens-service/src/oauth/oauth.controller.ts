import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AccountRequest,
  AddFederationRuleBody,
  ClientAuthenticationAnswer,
  FederationRuleView,
  ClientSecretView,
  Envelope,
  IssuedClientSecretView,
  OAuthClientView,
  OAuthSubjects,
  RegisterKeyBody,
  RevokeAccessTokenRequest,
  RotateClientSecretBody,
  ServiceAccountKeyView,
  TokenEndpointAnswer,
  TokenEndpointRequest,
} from '@warden/contracts';
import { OAuthClientsService, RevocationAnswer } from './oauth-clients.service';
import { TokenEndpoint } from './token-endpoint';

@Controller()
export class OAuthController {
  constructor(
    @Inject(TokenEndpoint) private readonly endpoint: TokenEndpoint,
    @Inject(OAuthClientsService) private readonly clients: OAuthClientsService,
  ) {}

  @MessagePattern(OAuthSubjects.token)
  token(@Payload() envelope: Envelope<TokenEndpointRequest>): Promise<TokenEndpointAnswer> {
    return this.endpoint.token(envelope.payload, envelope.context);
  }

  @MessagePattern(OAuthSubjects.authenticateClient)
  authenticateClient(@Payload() envelope: Envelope<TokenEndpointRequest>): Promise<ClientAuthenticationAnswer> {
    return this.endpoint.authenticateClient(envelope.payload);
  }

  @MessagePattern(OAuthSubjects.revoke)
  revoke(@Payload() envelope: Envelope<RevokeAccessTokenRequest>): Promise<RevocationAnswer> {
    return this.clients.revokeAccessToken(envelope);
  }

  @MessagePattern(OAuthSubjects.client)
  client(@Payload() envelope: Envelope<AccountRequest>): Promise<OAuthClientView> {
    return this.clients.client(envelope);
  }

  @MessagePattern(OAuthSubjects.addClientSecret)
  addClientSecret(@Payload() envelope: Envelope<AccountRequest>): Promise<IssuedClientSecretView> {
    return this.clients.addClientSecret(envelope);
  }

  @MessagePattern(OAuthSubjects.rotateClientSecret)
  rotateClientSecret(@Payload() envelope: Envelope<AccountRequest & { secretId: string } & RotateClientSecretBody>): Promise<IssuedClientSecretView> {
    return this.clients.rotateClientSecret(envelope);
  }

  @MessagePattern(OAuthSubjects.revokeClientSecret)
  revokeClientSecret(@Payload() envelope: Envelope<AccountRequest & { secretId: string }>): Promise<ClientSecretView> {
    return this.clients.revokeClientSecret(envelope);
  }

  @MessagePattern(OAuthSubjects.registerKey)
  registerKey(@Payload() envelope: Envelope<AccountRequest & RegisterKeyBody>): Promise<ServiceAccountKeyView> {
    return this.clients.registerKey(envelope);
  }

  @MessagePattern(OAuthSubjects.addFederationRule)
  addFederationRule(@Payload() envelope: Envelope<AccountRequest & AddFederationRuleBody>): Promise<FederationRuleView> {
    return this.clients.addFederationRule(envelope);
  }

  @MessagePattern(OAuthSubjects.removeFederationRule)
  async removeFederationRule(@Payload() envelope: Envelope<AccountRequest & { ruleId: string }>): Promise<Record<string, never>> {
    await this.clients.removeFederationRule(envelope);
    return {};
  }

  @MessagePattern(OAuthSubjects.deleteKey)
  async deleteKey(@Payload() envelope: Envelope<AccountRequest & { keyId: string }>): Promise<Record<string, never>> {
    await this.clients.deleteKey(envelope);
    return {};
  }
}
