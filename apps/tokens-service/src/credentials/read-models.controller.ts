import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CommonErrorCode, Envelope, ReadModelReplayView, ReadModelSubjects, ReplayReadModelRequest, RequestContext, WardenError } from '@warden/contracts';
import { CredentialReplay } from './credential-replay';

/**
 * Replay of the token read model (issue 5), for the gateway's admin route (the platform
 * admin) and `tools/replay.mjs` (a `system` caller on the deployment's private NATS).
 */
@Controller()
export class ReadModelsController {
  constructor(@Inject(CredentialReplay) private readonly replay: CredentialReplay) {}

  @MessagePattern(ReadModelSubjects.replay('tokens'))
  start(@Payload() envelope: Envelope<ReplayReadModelRequest>): Promise<ReadModelReplayView> {
    requireOperator(envelope.context);
    const mode = envelope.payload?.mode ?? 'swap';
    if (mode !== 'swap' && mode !== 'compare') {
      throw new WardenError(CommonErrorCode.ValidationFailed, 'mode must be swap or compare', [{ field: 'mode', message: 'must be swap or compare' }]);
    }
    return this.replay.start(mode);
  }

  @MessagePattern(ReadModelSubjects.status('tokens'))
  status(@Payload() envelope: Envelope<unknown>): Promise<ReadModelReplayView | null> {
    requireOperator(envelope.context);
    return this.replay.status();
  }
}

function requireOperator(context: RequestContext): void {
  const operator = context.principal ? context.principal.platformAdmin : context.actorType === 'system';
  if (!operator) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin replays read models');
}
