// The audit log's replay, run by the platform admin over HTTP, against the four services
// running as processes (relay, JetStream and the audit ingestor live): a compare finds no
// difference with what the services recorded, a swap keeps every record and the chain
// verifies after it, and activity goes on being recorded.
import { AuditChainVerification, AuditEventsPage, ReadModelReplayView } from '@warden/contracts';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';

let system: RunningSystem;
let admin: ApiClient;

const finished = async (): Promise<ReadModelReplayView> => {
  let last: ReadModelReplayView | null = null;
  await pollUntil(async () => {
    last = (await admin.get<{ replay: ReadModelReplayView | null }>('/admin/read-models/audit-log/replay')).body.replay;
    return last !== null && last.state !== 'running';
  }, 'the audit-log replay to finish', 60_000, 100);
  return last!;
};

const eventIds = async (): Promise<string[]> => {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: AuditEventsPage = (await admin.get<AuditEventsPage>(`/audit/events?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
    ids.push(...page.results.map((record) => record.event_id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids.sort();
};

beforeAll(async () => {
  system = await startSystem();
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
});

afterAll(async () => {
  await system?.stop();
});

it('compares with no difference, swaps keeping every record, and the chain verifies after it', async () => {
  for (let i = 0; i < 3; i++) {
    const account = await admin.post<{ id: string }>('/users', { username: `replay-audit-${i}`, account_type: 'service_external', password: 'envelope-status-updater-9' });
    expect(account.status).toBe(201);
    expect((await admin.post('/tokens', { user_id: account.body.id, name: `hooks-${i}` })).status).toBe(201);
  }

  const compared = await admin.post<ReadModelReplayView>('/admin/read-models/audit-log/replay', { mode: 'compare' });
  expect(compared.status).toBe(200);
  expect(compared.body).toMatchObject({ read_model: 'audit-log', mode: 'compare' });
  const report = await finished();
  expect(report).toMatchObject({ replay_id: compared.body.replay_id, state: 'succeeded', report: { differences: [] } });
  expect(report.report!.compared).toBeGreaterThanOrEqual(9);

  const before = await eventIds();
  const swapped = await admin.post<ReadModelReplayView>('/admin/read-models/audit-log/replay', {});
  expect(swapped.body.mode).toBe('swap');
  const done = await finished();
  expect(done).toMatchObject({ replay_id: swapped.body.replay_id, state: 'succeeded', seconds_left: 0 });
  expect(done.events_done).toBeGreaterThanOrEqual(done.events_total);

  const verification = await admin.get<AuditChainVerification>('/audit/verify?organization_id=all');
  expect(verification.status).toBe(200);
  expect(verification.body).toMatchObject({ intact: true });
  expect(await eventIds()).toEqual(expect.arrayContaining(before));

  // the ingestor goes on appending to the swapped-in chains
  const later = await admin.post<{ id: string }>('/users', { username: 'replay-audit-later', account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(later.status).toBe(201);
  await pollUntil(
    async () => (await admin.get<AuditEventsPage>(`/audit/events?subject_id=${later.body.id}`)).body.results.length > 0,
    'the new user to reach the audit log',
  );
  expect((await admin.get<AuditChainVerification>('/audit/verify?organization_id=all')).body).toMatchObject({ intact: true });
});

it('answers only the platform admin', async () => {
  const account = await admin.post<{ id: string }>('/users', { username: 'replay-audit-outsider', account_type: 'service_external', password: 'envelope-status-updater-9' });
  expect(account.status).toBe(201);
  const outsider = await ApiClient.login(system.gatewayUrl, 'replay-audit-outsider', 'envelope-status-updater-9');
  const refused = await outsider.post<{ code: string }>('/admin/read-models/audit-log/replay', { mode: 'compare' });
  expect(refused.status).toBe(403);
  expect(refused.body.code).toBe('forbidden');
});
