import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CommonErrorCode,
  Envelope,
  ReadModelReplayView,
  ReadModelSubjects,
  ReplayReadModelRequest,
  WardenError,
} from '@warden/contracts';
import { AuditLogReplay } from './audit-log-replay';

function requirePlatformAdmin(envelope: Envelope<unknown>): void {
  if (envelope.context.principal?.platformAdmin !== true) {
    throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin replays a read model');
  }
}

/** The audit log's replay: started here, run in the background, polled by its status. */
@Controller()
export class AuditLogReplayController {
  constructor(@Inject(AuditLogReplay) private readonly replays: AuditLogReplay) {}

  @MessagePattern(ReadModelSubjects.replay('audit-log'))
  replay(@Payload() envelope: Envelope<ReplayReadModelRequest>): ReadModelReplayView {
    requirePlatformAdmin(envelope);
    const mode = envelope.payload?.mode ?? 'swap';
    if (mode !== 'swap' && mode !== 'compare') {
      throw new WardenError(CommonErrorCode.ValidationFailed, 'mode must be swap or compare', [
        { field: 'mode', message: 'must be swap or compare' },
      ]);
    }
    return this.replays.start(mode);
  }

  @MessagePattern(ReadModelSubjects.status('audit-log'))
  status(@Payload() envelope: Envelope<unknown>): ReadModelReplayView | null {
    requirePlatformAdmin(envelope);
    return this.replays.status();
  }
}
