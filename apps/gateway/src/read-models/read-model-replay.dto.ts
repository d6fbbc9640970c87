import { ReadModelName, ReadModelReplayView } from '@warden/contracts';
import { IsIn, IsOptional } from 'class-validator';

export class ReplayReadModelBody {
  /** `swap` (the default): rebuild and swap in; `compare`: rebuild into scratch and report every difference. */
  @IsOptional() @IsIn(['swap', 'compare']) mode?: 'swap' | 'compare';
}

/** GET's answer: the current or last run of the read model's replay. */
export class ReadModelReplayStatus {
  read_model!: ReadModelName;
  /** Null when no replay of it ran since its service started. */
  replay!: ReadModelReplayView | null;
}
