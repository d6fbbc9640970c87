import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, ReadModelReplayView, ReadModelSubjects, ReplayReadModelRequest, replayModeOf, requireReplayOperator } from '@warden/contracts';
import { ListingReplay } from './listing-replay';

/** The users listing's replay: started here, run in the background, polled by its status. */
@Controller()
export class ReadModelReplayController {
  constructor(@Inject(ListingReplay) private readonly replays: ListingReplay) {}

  @MessagePattern(ReadModelSubjects.replay('users-listing'))
  replay(@Payload() envelope: Envelope<ReplayReadModelRequest>): ReadModelReplayView {
    requireReplayOperator(envelope.context);
    return this.replays.start(replayModeOf(envelope.payload));
  }

  @MessagePattern(ReadModelSubjects.status('users-listing'))
  status(@Payload() envelope: Envelope<unknown>): ReadModelReplayView | null {
    requireReplayOperator(envelope.context);
    return this.replays.status();
  }
}
