import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CREDENTIAL_VERIFY_FROM_STORE_SUBJECT,
  Envelope,
  ExchangeTokenRequest,
  IssuedTokenView,
  LeakReportAnswer,
  PageSlice,
  ReassignTokenRequest,
  UpdateTokenRequest,
  RotateTokenRequest,
  ScannerAlertRequest,
  ScannerAlertVerdict,
  TokenIntrospection,
  TokenRequest,
  TokenView,
  TokensSubjects,
} from '@warden/contracts';
import { PLAIN_JSON_REQUESTS } from '@warden/platform';
import { VerificationResult } from '@warden/token-verifier';
import { TokensService } from './tokens.service';

@Controller()
export class TokensController {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {}

  @MessagePattern(TokensSubjects.issue)
  issue(@Payload() envelope: Envelope<unknown>): Promise<IssuedTokenView> {
    return this.tokens.issue(envelope);
  }

  @MessagePattern(TokensSubjects.list)
  list(@Payload() envelope: Envelope<unknown>): Promise<PageSlice<TokenView>> {
    return this.tokens.list(envelope);
  }

  @MessagePattern(TokensSubjects.get)
  get(@Payload() envelope: Envelope<TokenRequest>): Promise<TokenView> {
    return this.tokens.get(envelope);
  }

  @MessagePattern(TokensSubjects.revoke)
  revoke(@Payload() envelope: Envelope<TokenRequest>): Promise<TokenView> {
    return this.tokens.revoke(envelope);
  }

  @MessagePattern(TokensSubjects.rotate)
  rotate(@Payload() envelope: Envelope<RotateTokenRequest>): Promise<IssuedTokenView> {
    return this.tokens.rotate(envelope);
  }

  @MessagePattern(TokensSubjects.update)
  update(@Payload() envelope: Envelope<UpdateTokenRequest>): Promise<TokenView> {
    return this.tokens.update(envelope);
  }

  @MessagePattern(TokensSubjects.reassign)
  reassign(@Payload() envelope: Envelope<ReassignTokenRequest>): Promise<TokenView> {
    return this.tokens.reassign(envelope);
  }

  @MessagePattern(TokensSubjects.disable)
  disable(@Payload() envelope: Envelope<TokenRequest>): Promise<TokenView> {
    return this.tokens.disable(envelope);
  }

  @MessagePattern(TokensSubjects.enable)
  enable(@Payload() envelope: Envelope<TokenRequest>): Promise<TokenView> {
    return this.tokens.enable(envelope);
  }

  @MessagePattern(TokensSubjects.reportLeaked)
  reportLeaked(@Payload() envelope: Envelope<unknown>): Promise<LeakReportAnswer> {
    return this.tokens.reportLeaked(envelope);
  }

  @MessagePattern(TokensSubjects.scannerAlert)
  scannerAlert(@Payload() envelope: Envelope<ScannerAlertRequest>): Promise<ScannerAlertVerdict[]> {
    return this.tokens.scannerAlert(envelope);
  }

  @MessagePattern(TokensSubjects.exchange)
  exchange(@Payload() envelope: Envelope<ExchangeTokenRequest>): Promise<IssuedTokenView> {
    return this.tokens.exchange(envelope);
  }

  // Also answers a bare `{token, origin?}` from any NATS client (README, "API tokens").
  @MessagePattern(TokensSubjects.verify, PLAIN_JSON_REQUESTS)
  verify(@Payload() envelope: Envelope<unknown>): Promise<TokenIntrospection> {
    return this.tokens.verify(envelope);
  }

  @MessagePattern(CREDENTIAL_VERIFY_FROM_STORE_SUBJECT)
  verifyFromStore(@Payload() envelope: Envelope<unknown>): Promise<VerificationResult> {
    return this.tokens.verifyFromStore(envelope);
  }
}
