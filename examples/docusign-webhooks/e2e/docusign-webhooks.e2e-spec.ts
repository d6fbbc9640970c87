// A real consumer of Warden, end to end: Warden's four services running as processes, and the
// example's records API and webhook processor started in-process, the way a customer runs
// them beside a Warden deployment. An external service account holding only records:write
// gets an API token; DocuSign Connect notifications go through the processor into the
// records API; revoking the token stops the next one at once, and a rotation with a grace
// period keeps both secrets working until it ends.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';
import { randomUUID } from 'node:crypto';
import { createRecordsApi } from '../src/records-api/records-api';
import { connectSignature } from '../src/webhook-processor/connect-signature';
import { createWebhookProcessor } from '../src/webhook-processor/webhook-processor';

const CONNECT_KEY = 'connect-hmac-key-for-the-example';
// The example's own servers: not described by Warden's API description.
const NOT_WARDEN = { checkAnswers: false };
const STRONG = 'ledger-quartz-meadow-58';
const GRACE_SECONDS = 3;

interface Problem {
  code: string;
  status: number;
  upstream_status?: number;
}
interface Token {
  id: string;
  token: string;
}

let system: RunningSystem;
let tenantAdmin: ApiClient;
let account: { id: string };
let token: Token;
let recordsApi: NestFastifyApplication;
let recordsUrl: string;
const processors: NestFastifyApplication[] = [];

async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** A webhook processor configured with one API token, as one deployed instance would be. */
async function startProcessor(apiToken: string): Promise<string> {
  const app = await createWebhookProcessor({ connectHmacKeys: [CONNECT_KEY], recordsApiUrl: recordsUrl, recordsApiToken: apiToken, recordsApiTimeoutMs: 5000 }, false);
  processors.push(app);
  return listen(app);
}

function notification(envelopeId: string, status: string, changedAt = new Date()): string {
  return JSON.stringify({
    event: `envelope-${status}`,
    apiVersion: 'v2.1',
    uri: `/restapi/v2.1/accounts/0c9b6a4e-1d2f-4a3b-8c7d-6e5f4a3b2c1d/envelopes/${envelopeId}`,
    retryCount: 0,
    configurationId: 10516,
    generatedDateTime: changedAt.toISOString().replace('Z', '0000Z'),
    data: {
      accountId: '0c9b6a4e-1d2f-4a3b-8c7d-6e5f4a3b2c1d',
      userId: '5e0bd5fe-117f-4049-b686-1548b1ee5e14',
      envelopeId,
      envelopeSummary: { status, emailSubject: 'Please sign the lease', statusChangedDateTime: changedAt.toISOString() },
    },
  });
}

/** Posts a notification as Connect does: the body signed with the Connect key, unless told otherwise. */
function deliver(processorUrl: string, body: string, headers: Record<string, string> = { 'x-docusign-signature-1': connectSignature(Buffer.from(body), CONNECT_KEY) }) {
  return new ApiClient(processorUrl, undefined, NOT_WARDEN).post<Record<string, unknown> & Problem>('/docusign/connect', body, headers);
}

async function recordedStatus(envelopeId: string): Promise<string | undefined> {
  const response = await new ApiClient(recordsUrl, tenantAdmin.credential, NOT_WARDEN).get<{ status: string }>(`/records/envelopes/${envelopeId}`);
  return response.status === 200 ? response.body.status : undefined;
}

beforeAll(async () => {
  system = await startSystem();
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Envelope Corp' });
  expect(tenant.status).toBe(201);
  const admin = await platformAdmin.post('/users', {
    username: 'records.admin@envelope-corp',
    account_type: 'user',
    password: STRONG,
    organization: tenant.body.id,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(admin.status).toBe(201);
  tenantAdmin = await ApiClient.login(system.gatewayUrl, 'records.admin@envelope-corp', STRONG);

  // The only permission the integration gets: writing envelope records, organization-wide.
  const role = await tenantAdmin.post('/roles', { name: 'ENVELOPE_STATUS_WRITER', display_name: 'Envelope status writer', permissions: ['records:write'], access_scope: 'organization' });
  expect(role.status).toBe(201);
  const created = await tenantAdmin.post<{ id: string; account_type: string }>('/users', {
    username: 'docusign-webhooks@envelope-corp',
    account_type: 'service_external',
    first_name: 'DocuSign',
    last_name: 'Webhooks',
    password: 'envelope-status-updater-9',
    roles: ['ENVELOPE_STATUS_WRITER'],
  });
  expect(created.status).toBe(201);
  account = created.body;
  const issued = await tenantAdmin.post<Token>('/tokens', { user_id: account.id, name: 'DocuSign Connect processor' });
  expect(issued.status).toBe(201);
  token = issued.body;

  recordsApi = await createRecordsApi({ wardenRedisUrl: system.env.REDIS_URL!, wardenKeyPrefix: system.env.REDIS_KEY_PREFIX! }, false);
  recordsUrl = await listen(recordsApi);
});

afterAll(async () => {
  for (const app of processors) await app.close();
  await recordsApi?.close();
  await system?.stop();
});

describe('the records API behind the Warden guard', () => {
  it('lets the service account write, and nothing more', async () => {
    const envelopeId = randomUUID();
    const body = { status: 'sent', status_changed_at: new Date().toISOString() };
    const asIntegration = new ApiClient(recordsUrl, undefined, NOT_WARDEN).withApiKey(token.token);
    const written = await asIntegration.request<{ status: string; updated_by: string; applied: boolean }>('PUT', `/records/envelopes/${envelopeId}/status`, body);
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ status: 'sent', updated_by: account.id, applied: true });

    // records:read is not among its permissions
    const read = await asIntegration.get<Problem>(`/records/envelopes/${envelopeId}`);
    expect(read.status).toBe(403);
    expect(read.headers.get('content-type')).toContain('application/problem+json');
    expect(read.body.code).toBe('forbidden');

    // an external account without the role holds no records:write
    const bare = await tenantAdmin.post<{ id: string }>('/users', { username: 'no-role@envelope-corp', account_type: 'service_external', password: 'envelope-status-updater-9' });
    const bareToken = await tenantAdmin.post<Token>('/tokens', { user_id: bare.body.id, name: 'no role' });
    const refused = await new ApiClient(recordsUrl, undefined, NOT_WARDEN).withApiKey(bareToken.body.token).request<Problem>('PUT', `/records/envelopes/${envelopeId}/status`, body);
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);

    const anonymous = await new ApiClient(recordsUrl, undefined, NOT_WARDEN).request<Problem>('PUT', `/records/envelopes/${envelopeId}/status`, body);
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="warden"');

    const invalid = await asIntegration.request<Problem & { errors: { field: string }[] }>('PUT', `/records/envelopes/${envelopeId}/status`, { status: 'shredded', status_changed_at: 'soon' });
    expect([invalid.status, invalid.body.code]).toEqual([400, 'validation_failed']);
    expect(invalid.body.errors.map((e) => e.field).sort()).toEqual(['status', 'status_changed_at']);
    const badId = await asIntegration.request<Problem>('PUT', '/records/envelopes/not-a-guid/status', body);
    expect([badId.status, badId.body.code]).toEqual([400, 'invalid_envelope_id']);

    expect(await recordedStatus(envelopeId)).toBe('sent');
  });
});

describe('DocuSign Connect notifications through the webhook processor', () => {
  let processorUrl: string;

  beforeAll(async () => {
    processorUrl = await startProcessor(token.token);
  });

  it('records the status of a signed notification', async () => {
    const envelopeId = randomUUID();
    const delivered = await deliver(processorUrl, notification(envelopeId, 'completed'));
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ outcome: 'recorded', envelope_id: envelopeId, status: 'completed', applied: true });
    expect(await recordedStatus(envelopeId)).toBe('completed');

    const ignored = await deliver(processorUrl, JSON.stringify({ event: 'recipient-sent', data: { envelopeId } }));
    expect(ignored.body).toEqual({ outcome: 'ignored', event: 'recipient-sent' });
  });

  it('refuses a tampered, foreign or missing signature with a 401 problem, and records nothing', async () => {
    const envelopeId = randomUUID();
    const genuine = notification(envelopeId, 'completed');
    const signature = connectSignature(Buffer.from(genuine), CONNECT_KEY);
    const tampered = genuine.replace('"completed"', '"voided"');
    const attempts: [string, string, Record<string, string>][] = [
      ['a tampered body', tampered, { 'x-docusign-signature-1': signature }],
      ['a signature under another key', genuine, { 'x-docusign-signature-1': connectSignature(Buffer.from(genuine), 'not-our-key') }],
      ['a flipped signature', genuine, { 'x-docusign-signature-1': signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }],
      ['no signature', genuine, {}],
    ];
    for (const [what, body, headers] of attempts) {
      const refused = await deliver(processorUrl, body, headers);
      expect([what, refused.status, refused.body.code]).toEqual([what, 401, 'invalid_signature']);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await recordedStatus(envelopeId)).toBeUndefined();
  });

  it('refuses a signed notification it cannot read with a 4xx problem', async () => {
    const notJson = '<DocuSignEnvelopeInformation/>';
    const xml = await deliver(processorUrl, notJson);
    expect([xml.status, xml.body.code]).toEqual([400, 'invalid_notification']);
    const noEnvelope = JSON.stringify({ event: 'envelope-sent', generatedDateTime: new Date().toISOString(), data: {} });
    const missing = await deliver(processorUrl, noEnvelope);
    expect([missing.status, missing.body.code]).toEqual([400, 'invalid_notification']);
    const body = notification(randomUUID(), 'sent');
    const asText = await new ApiClient(processorUrl, undefined, NOT_WARDEN).post<Problem>('/docusign/connect', body, {
      'content-type': 'text/plain',
      'x-docusign-signature-1': connectSignature(Buffer.from(body), CONNECT_KEY),
    });
    expect([asText.status, asText.body.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('rotates with a grace period: both secrets work until it ends, then only the new one', async () => {
    const rotated = await tenantAdmin.post<Token>(`/tokens/${token.id}/rotate`, { grace_period_seconds: GRACE_SECONDS });
    expect(rotated.status).toBe(200);
    // The old secret's grace ends at most GRACE_SECONDS after the rotation answered.
    const graceEndsBy = Date.now() + GRACE_SECONDS * 1000;
    expect(rotated.body.token).not.toBe(token.token);
    // A rolling deploy: the instance still holding the old secret, and a new one with the new secret.
    const rotatedProcessorUrl = await startProcessor(rotated.body.token);

    const duringGrace = [await deliver(processorUrl, notification(randomUUID(), 'sent')), await deliver(rotatedProcessorUrl, notification(randomUUID(), 'sent'))];
    expect(Date.now()).toBeLessThan(graceEndsBy);
    expect(duringGrace.map((r) => r.status)).toEqual([200, 200]);

    await new Promise((resolve) => setTimeout(resolve, graceEndsBy - Date.now() + 50));
    const envelopeId = randomUUID();
    const old = await deliver(processorUrl, notification(envelopeId, 'delivered'));
    expect(old.status).toBe(502);
    expect(old.body).toMatchObject({ code: 'records_update_refused', upstream_status: 401 });
    expect(await recordedStatus(envelopeId)).toBeUndefined();
    const current = await deliver(rotatedProcessorUrl, notification(envelopeId, 'delivered'));
    expect(current.status).toBe(200);
    expect(await recordedStatus(envelopeId)).toBe('delivered');
    token = { id: token.id, token: rotated.body.token };
    processorUrl = rotatedProcessorUrl;
  });

  it('revokes the token, and the very next notification is refused', async () => {
    const envelopeId = randomUUID();
    expect((await deliver(processorUrl, notification(envelopeId, 'sent'))).status).toBe(200);
    expect((await tenantAdmin.post(`/tokens/${token.id}/revoke`)).status).toBe(200);

    const next = await deliver(processorUrl, notification(envelopeId, 'completed'));
    expect(next.status).toBe(502);
    expect(next.body).toMatchObject({ code: 'records_update_refused', upstream_status: 401 });
    expect(await recordedStatus(envelopeId)).toBe('sent');
  });
});
