import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AuthSubjects, Envelope, VerifiedUser, VerifyPasswordRequest } from '@warden/contracts';
import { PasswordLoginService } from './password-login.service';

@Controller()
export class PasswordLoginController {
  constructor(@Inject(PasswordLoginService) private readonly login: PasswordLoginService) {}

  @MessagePattern(AuthSubjects.verifyPassword)
  verify(@Payload() envelope: Envelope<VerifyPasswordRequest>): Promise<VerifiedUser> {
    return this.login.verify(envelope);
  }
}
