import { backoffDelay, sleep } from './backoff';

describe('backoff', () => {
  const options = { initialMs: 100, maxMs: 1_000 };

  it('doubles from the initial delay up to the cap', () => {
    const middle = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(attempt, options, middle))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within 20% either way', () => {
    expect(backoffDelay(2, options, () => 0)).toBe(160);
    expect(backoffDelay(2, options, () => 1)).toBe(240);
  });

  it('wakes a sleep at once when aborted', async () => {
    const abort = new AbortController();
    const sleeping = sleep(60_000, abort.signal);
    abort.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });
});
