import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AuthSubjects, CountOwnedTokensRequest, CountOwnedTokensResponse, Envelope } from '@warden/contracts';
import { validateDto } from '@warden/platform';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { CountOwnedTokensDto } from './owned-tokens.dto';

// Asked by the users service before it deletes a user (a user who still owns tokens
// cannot be removed: they are reassigned first).
@Controller()
export class OwnedTokensController {
  constructor(@Inject(CredentialReadModel) private readonly readModel: CredentialReadModel) {}

  @MessagePattern(AuthSubjects.countOwnedTokens)
  async count(@Payload() envelope: Envelope<CountOwnedTokensRequest>): Promise<CountOwnedTokensResponse> {
    const { organizationId, userId } = await validateDto(CountOwnedTokensDto, envelope.payload);
    return { count: await this.readModel.countOwnedTokens(organizationId, userId) };
  }
}
