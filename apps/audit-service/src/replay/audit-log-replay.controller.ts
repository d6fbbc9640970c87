import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, ReadModelReplayView, ReadModelSubjects, ReplayReadModelRequest, replayModeOf, requireReplayOperator } from '@warden/contracts';
import { AuditLogReplay } from './audit-log-replay';

/** The audit log's replay: started here, run in the background, polled by its status. */
@Controller()
export class AuditLogReplayController {
  constructor(@Inject(AuditLogReplay) private readonly replays: AuditLogReplay) {}

  @MessagePattern(ReadModelSubjects.replay('audit-log'))
  replay(@Payload() envelope: Envelope<ReplayReadModelRequest>): ReadModelReplayView {
    requireReplayOperator(envelope.context);
    return this.replays.start(replayModeOf(envelope.payload));
  }

  @MessagePattern(ReadModelSubjects.status('audit-log'))
  status(@Payload() envelope: Envelope<unknown>): ReadModelReplayView | null {
    requireReplayOperator(envelope.context);
    return this.replays.status();
  }
}
