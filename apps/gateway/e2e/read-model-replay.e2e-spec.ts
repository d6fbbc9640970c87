// The token read model's replay, run by the platform admin over HTTP and by the command
// line, against the four services running as processes; verification answers the same
// before and after the swap, and a compare finds no difference.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;

interface Replay {
  replay_id: string;
  mode: string;
  state: string;
  events_done: number;
  events_total: number;
  report: { compared: number; differences: unknown[] } | null;
}

const finished = async (name: string): Promise<Replay> => {
  let last: Replay | null = null;
  await pollUntil(async () => {
    last = (await admin.get<{ replay: Replay | null }>(`/admin/read-models/${name}/replay`)).body.replay;
    return last !== null && last.state !== 'running';
  }, `the ${name} replay to finish`, 30_000, 100);
  return last!;
};

beforeAll(async () => {
  system = await startSystem();
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
});

afterAll(async () => {
  await system?.stop();
});

it('replays the token read model over HTTP and from the command line, with verification unchanged', async () => {
  const account = await admin.post<{ id: string }>('/users', { username: 'replay-hooks', account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(account.status).toBe(201);
  const valid = await admin.post<{ id: string; token: string }>('/tokens', { user_id: account.body.id, name: 'valid' });
  const revoked = await admin.post<{ id: string; token: string }>('/tokens', { user_id: account.body.id, name: 'revoked' });
  expect((await admin.post(`/tokens/${revoked.body.id}/revoke`)).status).toBe(200);
  const whoami = (key: string) => admin.withApiKey(key).get('/auth/whoami');

  const compared = await admin.post<Replay>('/admin/read-models/tokens/replay', { mode: 'compare' });
  expect(compared.status).toBe(200);
  expect(compared.body).toMatchObject({ mode: 'compare', state: 'running' });
  expect(await finished('tokens')).toMatchObject({ replay_id: compared.body.replay_id, state: 'succeeded', report: { differences: [] } });

  const swapped = await admin.post<Replay>('/admin/read-models/tokens/replay', {});
  expect(swapped.body.mode).toBe('swap');
  const done = await finished('tokens');
  expect(done).toMatchObject({ replay_id: swapped.body.replay_id, state: 'succeeded' });
  expect(done.events_done).toBeGreaterThanOrEqual(done.events_total);
  expect((await whoami(valid.body.token)).status).toBe(200);
  expect((await whoami(revoked.body.token)).status).toBe(401);
  expect((await admin.get(`/tokens/${valid.body.id}`)).status).toBe(200);

  // The command line, over the deployment's NATS, compares then swaps again.
  const cli = path.resolve(__dirname, '../../../tools/replay.mjs');
  const env = { ...process.env, NATS_URL: system.env['NATS_URL']!, NATS_SUBJECT_PREFIX: system.env['NATS_SUBJECT_PREFIX']! };
  const run = promisify(execFile);
  const compareRun = await run(process.execPath, [cli, 'tokens', '--compare', '--interval', '100'], { env });
  expect(compareRun.stdout).toMatch(/compared \d+ entries: 0 difference\(s\)/);
  const swapRun = await run(process.execPath, [cli, 'tokens', '--interval', '100'], { env });
  expect(swapRun.stdout).toMatch(/started \(swap\)/);
  expect(swapRun.stdout).toMatch(/tokens swap succeeded: \d+\/\d+ events \(100%\), \d+ events\/s, 0s left/);
  expect((await whoami(valid.body.token)).status).toBe(200);
  expect((await whoami(revoked.body.token)).status).toBe(401);
});

it('is for the platform admin only, and names the read models it knows', async () => {
  const unknown = await admin.post<{ code: string }>('/admin/read-models/no-such-model/replay', {});
  expect(unknown.body.code).toBe('validation_failed');
  const badMode = await admin.post<{ code: string }>('/admin/read-models/tokens/replay', { mode: 'sideways' });
  expect(badMode.body.code).toBe('validation_failed');
  const anonymous = await new ApiClient(system.gatewayUrl).post('/admin/read-models/tokens/replay', {});
  expect(anonymous.status).toBe(401);
});
