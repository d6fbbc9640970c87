import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AuthSubjects, Envelope, LoginResponse, StartSessionRequest } from '@warden/contracts';
import { validateDto } from '@warden/platform';
import { StartSessionDto } from './session.dto';
import { SessionsService } from './sessions.service';

@Controller()
export class SessionsController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @MessagePattern(AuthSubjects.startSession)
  async start(@Payload() envelope: Envelope<StartSessionRequest>): Promise<LoginResponse> {
    const payload = await validateDto(StartSessionDto, envelope.payload);
    return this.sessions.start({ context: envelope.context, payload });
  }

  @MessagePattern(AuthSubjects.endSession)
  end(@Payload() envelope: Envelope<unknown>): Promise<void> {
    return this.sessions.end(envelope);
  }
}
