import { PrincipalView } from './principal';
import { ReadModelReplayView, ReplayGeneration, ReplayRuns, newReplayView, replayModeOf, requireReplayOperator, runReplay, withReplayRate } from './read-models';
import { RequestContext } from './request-context';

const principal = (platformAdmin: boolean): PrincipalView => ({
  userId: 'u1',
  organizationId: 'o1',
  accountType: 'service_internal',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: true,
  platformAdmin,
  credential: { kind: 'api_token', id: 't1', expiresAt: null },
});

describe('who may replay a read model', () => {
  const context = (fields: Partial<RequestContext>): RequestContext => ({ correlationId: 'c1', actorType: 'user', ...fields });

  it('lets the platform admin and a system caller without a principal (npm run replay) through', () => {
    expect(() => requireReplayOperator(context({ principal: principal(true) }))).not.toThrow();
    expect(() => requireReplayOperator(context({ actorType: 'system' }))).not.toThrow();
  });

  it('refuses an organization super admin, an anonymous user, and a principal claiming to be the system', () => {
    expect(() => requireReplayOperator(context({ principal: principal(false) }))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => requireReplayOperator(context({}))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => requireReplayOperator(context({ actorType: 'system', principal: principal(false) }))).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('replays with a swap unless a compare is asked, and refuses any other mode naming the field', () => {
    expect(replayModeOf(undefined)).toBe('swap');
    expect(replayModeOf({})).toBe('swap');
    expect(replayModeOf({ mode: 'compare' })).toBe('compare');
    expect(() => replayModeOf({ mode: 'sideways' as 'swap' })).toThrow(expect.objectContaining({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'mode' })] }));
  });
});

const view = (fields: Partial<ReadModelReplayView> = {}): ReadModelReplayView => ({
  read_model: 'users-listing',
  replay_id: 'r1',
  mode: 'swap',
  state: 'running',
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: null,
  events_done: 0,
  events_total: 0,
  events_per_second: 0,
  seconds_left: null,
  error: null,
  report: null,
  ...fields,
});

describe('a replay run', () => {
  it('works out its rate and time left, none left once over, unknown before any event', () => {
    const now = Date.parse('2026-01-01T00:00:10.000Z');
    expect(withReplayRate(view({ events_done: 500, events_total: 2000 }), now)).toMatchObject({ events_per_second: 50, seconds_left: 30 });
    expect(withReplayRate(view({ events_total: 2000 }), now)).toMatchObject({ events_per_second: 0, seconds_left: null });
    expect(
      withReplayRate(view({ state: 'succeeded', events_done: 800, events_total: 1000, finished_at: '2026-01-01T00:00:04.000Z' }), now),
    ).toMatchObject({ events_per_second: 200, seconds_left: 0 });
  });

  it('starts one run at a time and answers the run it started', async () => {
    const runs = new ReplayRuns();
    expect(runs.status()).toBeNull();
    let finish: () => void = () => undefined;
    const first = view({ replay_id: 'first' });
    let started = 0;
    const run = (tracked: ReadModelReplayView) => async () => {
      started++;
      runs.track(tracked);
      await new Promise<void>((resolve) => (finish = resolve));
      tracked.state = 'succeeded';
      tracked.finished_at = new Date().toISOString();
    };
    expect(runs.start(run(first))).toMatchObject({ replay_id: 'first', state: 'running' });
    expect(runs.start(run(view({ replay_id: 'second' })))).toMatchObject({ replay_id: 'first' });
    expect(started).toBe(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs.status()).toMatchObject({ replay_id: 'first', state: 'succeeded' });
    expect(runs.start(run(view({ replay_id: 'third' })))).toMatchObject({ replay_id: 'third', state: 'running' });
    expect(started).toBe(2);
  });
});

describe('running a replay over a read model\'s generation', () => {
  const clock = () => new Date('2026-01-01T00:00:10.000Z');
  // A generation that records what the run asked of it, in order; `fail` makes one step throw.
  const generation = (fail?: keyof ReplayGeneration) => {
    const calls: string[] = [];
    const step =
      <T>(name: keyof ReplayGeneration, value: T, applied = 0) =>
      async (progress?: (count: number) => void) => {
        calls.push(name);
        if (fail === name) throw new Error(`${name} broke`);
        if (applied > 0) progress!(applied);
        return value;
      };
    const parts: ReplayGeneration = {
      countEvents: step('countEvents', 10),
      create: step('create', undefined),
      fill: step('fill', undefined, 10),
      swap: step('swap', undefined, 2),
      compare: step('compare', { compared: 4, differences: [] }, 2),
      drop: step('drop', undefined),
    };
    return { parts, calls };
  };

  it('fills then swaps, keeps the swapped generation, and counts what the catch-up added', async () => {
    const { parts, calls } = generation();
    const seen: number[] = [];
    const view = await runReplay(newReplayView('tokens', 'r1', 'swap', new Date('2026-01-01T00:00:00.000Z')), parts, { clock, onProgress: (v) => seen.push(v.events_done) });
    expect(calls).toEqual(['countEvents', 'create', 'fill', 'swap']);
    expect(seen).toEqual([10, 12]);
    expect(view).toMatchObject({ state: 'succeeded', error: null, report: null, events_done: 12, events_total: 12, events_per_second: 1, seconds_left: 0, finished_at: '2026-01-01T00:00:10.000Z' });
  });

  it('compares, reports, and drops the scratch generation before it shows as finished', async () => {
    const { parts, calls } = generation();
    const view = await runReplay(newReplayView('tokens', 'r1', 'compare', clock()), parts, { clock });
    expect(calls).toEqual(['countEvents', 'create', 'fill', 'compare', 'drop']);
    expect(view).toMatchObject({ state: 'succeeded', report: { compared: 4, differences: [] } });
  });

  it('fails with the error of the step that threw, drops what it made, and never throws', async () => {
    const { parts, calls } = generation('fill');
    const failed = await runReplay(newReplayView('tokens', 'r1', 'swap', clock()), parts, { clock });
    expect(calls).toEqual(['countEvents', 'create', 'fill', 'drop']);
    expect(failed).toMatchObject({ state: 'failed', error: 'fill broke', report: null, finished_at: expect.any(String) });
    // A drop that fails too leaves the run failed with the first error.
    const both = generation('swap');
    both.parts.drop = async () => {
      throw new Error('drop broke');
    };
    expect(await runReplay(newReplayView('tokens', 'r2', 'swap', clock()), both.parts, { clock })).toMatchObject({ state: 'failed', error: 'swap broke' });
  });
});
