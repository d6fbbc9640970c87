import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, ReadModelReplayView, ReadModelSubjects, ReplayReadModelRequest, replayModeOf, requireReplayOperator } from '@warden/contracts';
import { CredentialReplay } from './credential-replay';

/**
 * Replay of the token read model from the event store, for the gateway's admin route (the platform
 * admin) and `tools/replay.mjs` (a `system` caller on the deployment's private NATS).
 */
@Controller()
export class ReadModelsController {
  constructor(@Inject(CredentialReplay) private readonly replay: CredentialReplay) {}

  @MessagePattern(ReadModelSubjects.replay('tokens'))
  start(@Payload() envelope: Envelope<ReplayReadModelRequest>): Promise<ReadModelReplayView> {
    requireReplayOperator(envelope.context);
    return this.replay.start(replayModeOf(envelope.payload));
  }

  @MessagePattern(ReadModelSubjects.status('tokens'))
  status(@Payload() envelope: Envelope<unknown>): Promise<ReadModelReplayView | null> {
    requireReplayOperator(envelope.context);
    return this.replay.status();
  }
}
