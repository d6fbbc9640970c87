import { READ_MODEL_NAMES } from '@warden/contracts';
import { REPLAYABLE_READ_MODELS } from './replay.command';

describe('the read models the CLI offers to replay', () => {
  it('are the ones the contracts name', () => {
    expect([...REPLAYABLE_READ_MODELS].sort()).toEqual([...READ_MODEL_NAMES].sort());
  });
});
