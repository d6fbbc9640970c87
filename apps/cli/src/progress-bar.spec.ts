import { renderProgress } from './progress-bar';

const running = { state: 'running' as const, events_done: 0, events_total: 0, events_per_second: 0, seconds_left: null };

describe('renderProgress', () => {
  it('shows an empty bar before the first event', () => {
    expect(renderProgress(running, 10)).toBe('[..........]   0%  0/0 events');
  });

  it('fills in proportion, with the rate and the time left', () => {
    expect(renderProgress({ ...running, events_done: 450, events_total: 1000, events_per_second: 120.4, seconds_left: 75 }, 10)).toBe(
      '[####......]  45%  450/1000 events  120/s  ~1m15s left',
    );
  });

  it('is full once the run succeeded, counting the catch-up beyond the start total', () => {
    expect(renderProgress({ ...running, state: 'succeeded', events_done: 1010, events_total: 1000, events_per_second: 900, seconds_left: 0 }, 10)).toBe(
      '[##########] 100%  1010/1010 events  900/s',
    );
  });
});
