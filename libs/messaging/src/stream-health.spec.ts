import { streamRecovery } from './stream-health';

const created = '2026-12-01T10:00:00.000000000Z';

describe('what the relay does about the events stream', () => {
  it('creates a missing stream and publishes the whole log again', () => {
    expect(streamRecovery({ found: false }, { created, checkpoint: 'p-0009' })).toEqual({
      action: 'republish',
      after: undefined,
      recreate: true,
      reason: 'the events stream is missing',
    });
  });

  it('publishes the whole log again into a stream it found missing and created to publish a batch', () => {
    // The new stream holds that batch, so it looks as far as the checkpoint: only the relay knows it was missing.
    expect(
      streamRecovery(
        { found: true, created, lastPublished: 'p-0012' },
        { checkpoint: 'p-0012', foundMissing: true },
      ),
    ).toEqual({
      action: 'republish',
      after: undefined,
      recreate: false,
      reason: 'the events stream is missing',
    });
  });

  it('does nothing while the stream holds the event at the checkpoint, or a later one', () => {
    expect(
      streamRecovery({ found: true, created, lastPublished: 'p-0009' }, { created, checkpoint: 'p-0009' }),
    ).toEqual({ action: 'none' });
    // published, acked, the checkpoint not yet saved
    expect(
      streamRecovery({ found: true, created, lastPublished: 'p-0012' }, { created, checkpoint: 'p-0009' }),
    ).toEqual({ action: 'none' });
    // a relay that never saved a checkpoint publishes from the start anyway
    expect(streamRecovery({ found: true, created }, { checkpoint: undefined })).toEqual({ action: 'none' });
  });

  it('publishes again after the last event the stream holds when it is behind the checkpoint', () => {
    expect(
      streamRecovery({ found: true, created, lastPublished: 'p-0004' }, { created, checkpoint: 'p-0009' }),
    ).toMatchObject({
      action: 'republish',
      after: 'p-0004',
      recreate: false,
      newMessageIdsUntil: 'p-0009',
      reason: 'the events stream is behind the log',
    });
    // a purged stream, or one this instance never saw, holding none of the relay's events
    expect(
      streamRecovery({ found: true, created }, { created: undefined, checkpoint: 'p-0009' }),
    ).toMatchObject({
      action: 'republish',
      after: undefined,
      newMessageIdsUntil: 'p-0009',
      reason: 'the events stream holds none of these events',
    });
  });

  it('publishes the whole log again into a stream created anew, whatever it already holds', () => {
    const again = '2026-12-01T10:05:00.000000000Z';
    expect(
      streamRecovery(
        { found: true, created: again, lastPublished: 'p-0010' },
        { created, checkpoint: 'p-0009' },
      ),
    ).toEqual({
      action: 'republish',
      after: undefined,
      recreate: false,
      reason: 'the events stream was created again',
    });
  });
});
