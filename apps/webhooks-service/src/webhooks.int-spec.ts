// Outbound webhooks on real PostgreSQL and NATS JetStream, to a real HTTP receiver that
// checks every delivery with the standardwebhooks package: exactly the expected events,
// each signature valid, a duplicate only under the same id and only after a failed attempt,
// one delivery per message however many instances run, the subscription disabled after the
// retry window, targets refused by the SSRF policy, and tenants kept apart.
import { randomBytes, randomUUID } from 'node:crypto';
import { CommonErrorCode, RequestContext, WardenError, WebhooksErrorCode } from '@warden/contracts';
import { RecordedEvent } from '@warden/event-store';
import { PublishedEvent, encodePublishedEvent, ensureEventsStream, eventSubject, silentMessagingLog } from '@warden/messaging';
import { RelayTestBed, TEST_NATS_URL, WebhookReceiver, deleteStreamQuietly, openRelayTestBed, plainPrincipalView, pollUntil } from '@warden/testing';
import { NatsConnection, connect } from 'nats';
import { DeliveryWorker, RetrySchedule } from './delivery-worker';
import { SecretBox } from './secret-box';
import { WebhookTargetPolicy } from './target-policy';
import { WebhookIngestor } from './webhook-ingestor';
import { WebhookSender } from './webhook-sender';
import { WebhookStore } from './webhook-store';
import { WebhookSubscriptions } from './webhook-subscriptions';

const ORG_A = randomUUID();
const ORG_B = randomUUID();

const adminOf = (organizationId: string): RequestContext => ({
  correlationId: randomUUID(),
  actorType: 'user',
  actorId: randomUUID(),
  organizationId,
  principal: plainPrincipalView({ organizationId, accountType: 'user', isSuperAdmin: true, credential: { kind: 'session', id: 's-1', expiresAt: null } }),
});
const readerOf = (organizationId: string): RequestContext => ({
  ...adminOf(organizationId),
  principal: plainPrincipalView({ organizationId, permissions: { 'webhooks:read': 'organization' } }),
});

let bed: RelayTestBed;
let nc: NatsConnection;
let store: WebhookStore;
let subscriptions: WebhookSubscriptions;
let secrets: SecretBox;
let targets: WebhookTargetPolicy;
let cleanups: (() => Promise<unknown>)[];
const FAST_RETRY: RetrySchedule = { initialMs: 50, maxMs: 200, windowMs: 60_000 };

beforeEach(async () => {
  bed = await openRelayTestBed('webhooks');
  nc = await connect({ servers: TEST_NATS_URL });
  const jsm = await nc.jetstreamManager();
  await ensureEventsStream(jsm, { stream: bed.stream, subjectPrefix: bed.subjectPrefix });
  cleanups = [() => deleteStreamQuietly(jsm, bed.stream), () => nc.drain()];
  store = new WebhookStore(bed.pool, bed.id);
  await store.migrate();
  secrets = new SecretBox(randomBytes(32).toString('base64'));
  // Tests allow the receiver's loopback address by configuration, as a deployment would a private one.
  targets = new WebhookTargetPolicy(['127.0.0.1']);
  subscriptions = new WebhookSubscriptions({ eventStore: bed.store, store, secrets, targets });
});

afterEach(async () => {
  await bed.close(cleanups);
});

async function receiver(): Promise<{ receiver: WebhookReceiver; url: string }> {
  const opened = await new WebhookReceiver().listen();
  cleanups.push(() => opened.close());
  return { receiver: opened, url: opened.url('/hooks') };
}

function worker(options: { retry?: RetrySchedule; timeoutMs?: number; concurrency?: number } = {}): DeliveryWorker {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const sender = new WebhookSender(targets, timeoutMs);
  const started = new DeliveryWorker({
    store,
    sender,
    secrets,
    retry: options.retry ?? FAST_RETRY,
    timeoutMs,
    pollIntervalMs: 20,
    concurrency: options.concurrency ?? 8,
    onExhausted: (delivery) => subscriptions.disableFailing(delivery.organizationId, delivery.subscriptionId, delivery.id),
    log: silentMessagingLog,
  });
  started.start();
  cleanups.push(async () => {
    await started.stop();
    sender.close();
  });
  return started;
}

async function ingestor(): Promise<WebhookIngestor> {
  const started = new WebhookIngestor({
    nats: nc,
    stream: bed.stream,
    subjectPrefix: bed.subjectPrefix,
    store,
    refreshSubscription: (id) => subscriptions.refresh(id),
    onEnqueued: () => undefined,
    log: silentMessagingLog,
    durable: `webhooks_${bed.id}`,
  });
  await started.start();
  cleanups.push(() => started.stop());
  return started;
}

let position = 0;
function domainEvent(service: string, type: string, data: Record<string, unknown>, organizationId: string): PublishedEvent {
  position += 1;
  const recorded: RecordedEvent = {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data: data as RecordedEvent['data'],
    metadata: { correlationId: randomUUID(), actorType: 'user', organizationId },
    streamId: `${type}-${randomUUID()}`,
    version: 1,
    position: String(position),
    recordedAt: new Date().toISOString(),
  };
  return { ...recorded, service };
}

const tokenIssued = (organizationId: string, tokenId = randomUUID()) =>
  domainEvent(
    'tokens',
    'TokenIssued',
    {
      tokenId,
      organizationId,
      ownerId: randomUUID(),
      name: 'CI',
      visibility: 'private',
      allowedOrigins: [],
      expiresAt: null,
      permissions: null,
      secretHash: 'f'.repeat(64),
      lastFour: 'abcd',
      issuedAt: new Date().toISOString(),
    },
    organizationId,
  );
const tokenRevoked = (organizationId: string, tokenId = randomUUID()) =>
  domainEvent('tokens', 'TokenRevoked', { tokenId, ownerId: randomUUID(), revokedAt: new Date().toISOString() }, organizationId);

async function publish(event: PublishedEvent): Promise<void> {
  await nc.jetstream().publish(eventSubject(bed.subjectPrefix, event.service, event.type), encodePublishedEvent(event, event.service), { msgID: event.id });
}

/** Waits until `count` deliveries of the subscription have succeeded, and gives its log. */
async function succeeded(subscriptionId: string, count: number) {
  const log = () => subscriptions.deliveries(adminOf(ORG_A), { subscription_id: subscriptionId, limit: 100 });
  await pollUntil(async () => (await log()).results.filter((d) => d.status === 'succeeded').length >= count, `${count} deliveries succeeded`);
  return (await log()).results;
}

async function refusal(promise: Promise<unknown>): Promise<WardenError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WardenError);
  return error as WardenError;
}

describe('webhook subscriptions', () => {
  it('shows the signing secret once, stores it sealed, and rotates it', async () => {
    const created = await subscriptions.create(adminOf(ORG_A), { url: 'http://127.0.0.1:9/hooks', event_types: ['token.revoked'] });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({ organization_id: ORG_A, url: 'http://127.0.0.1:9/hooks', event_types: ['token.revoked'], enabled: true });
    const read = await subscriptions.get(adminOf(ORG_A), created.id);
    expect(read).not.toHaveProperty('secret');
    expect((await subscriptions.list(adminOf(ORG_A))).results.map((s) => Object.keys(s))).toEqual([Object.keys(read)]);
    const key = created.secret.slice('whsec_'.length);
    const everything = JSON.stringify((await bed.pool.query(`SELECT * FROM "${bed.id}".events`)).rows) + JSON.stringify((await bed.pool.query(`SELECT * FROM "${bed.id}".webhook_subscriptions`)).rows);
    expect(everything).not.toContain(key);

    const rotated = await subscriptions.rotateSecret(adminOf(ORG_A), created.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
  });

  it('refuses internal targets at create and update, naming the field, and writes nothing', async () => {
    const strict = new WebhookSubscriptions({ eventStore: bed.store, store, secrets, targets: new WebhookTargetPolicy() });
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://10.1.2.3/', 'http://169.254.169.254/', 'http://[::1]/', 'http://[fe80::1]/', 'http://[fd00::1]/']) {
      const error = await refusal(strict.create(adminOf(ORG_A), { url, event_types: ['token.issued'] }));
      expect(error.code).toBe(WebhooksErrorCode.WebhookTargetNotAllowed);
      expect(error.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    expect((await subscriptions.list(adminOf(ORG_A))).results).toEqual([]);
    expect((await bed.pool.query(`SELECT count(*)::int AS n FROM "${bed.id}".events`)).rows[0].n).toBe(0);

    const made = await subscriptions.create(adminOf(ORG_A), { url: 'http://127.0.0.1:9/hooks', event_types: ['token.issued'] });
    const error = await refusal(strict.update(adminOf(ORG_A), { subscription_id: made.id, url: 'http://192.168.0.10/' }));
    expect(error.code).toBe(WebhooksErrorCode.WebhookTargetNotAllowed);
    expect((await subscriptions.get(adminOf(ORG_A), made.id)).url).toBe('http://127.0.0.1:9/hooks');
  });

  it('keeps organizations apart: another organization sees none of its subscriptions or deliveries', async () => {
    const a = await subscriptions.create(adminOf(ORG_A), { url: 'http://127.0.0.1:9/a', event_types: ['token.issued'] });
    const b = await subscriptions.create(adminOf(ORG_B), { url: 'http://127.0.0.1:9/b', event_types: ['token.issued'] });
    expect((await subscriptions.list(adminOf(ORG_A))).results.map((s) => s.id)).toEqual([a.id]);
    expect((await subscriptions.list(adminOf(ORG_B))).results.map((s) => s.id)).toEqual([b.id]);
    const notFound = WebhooksErrorCode.WebhookSubscriptionNotFound;
    expect((await refusal(subscriptions.get(adminOf(ORG_B), a.id))).code).toBe(notFound);
    expect((await refusal(subscriptions.update(adminOf(ORG_B), { subscription_id: a.id, enabled: false }))).code).toBe(notFound);
    expect((await refusal(subscriptions.update(adminOf(ORG_B), { subscription_id: a.id, url: 'http://10.0.0.1/' }))).code).toBe(notFound);
    expect((await refusal(subscriptions.rotateSecret(adminOf(ORG_B), a.id))).code).toBe(notFound);
    expect((await refusal(subscriptions.delete(adminOf(ORG_B), a.id))).code).toBe(notFound);
    expect((await refusal(subscriptions.deliveries(adminOf(ORG_B), { subscription_id: a.id, limit: 10 }))).code).toBe(notFound);

    await store.enqueue({ eventId: 'e-1', type: 'token.issued', organizationId: ORG_A, occurredAt: new Date().toISOString(), body: () => '{}' });
    const [delivery] = (await subscriptions.deliveries(adminOf(ORG_A), { subscription_id: a.id, limit: 10 })).results;
    expect(delivery).toBeDefined();
    expect((await refusal(subscriptions.redeliver(adminOf(ORG_B), { subscription_id: a.id, delivery_id: delivery!.id }))).code).toBe(notFound);
    expect((await refusal(subscriptions.redeliver(adminOf(ORG_B), { subscription_id: b.id, delivery_id: delivery!.id }))).code).toBe(WebhooksErrorCode.WebhookDeliveryNotFound);
    expect((await subscriptions.deliveries(adminOf(ORG_B), { subscription_id: b.id, limit: 10 })).results).toEqual([]);
  });

  it('needs webhooks:write to change and webhooks:read to read', async () => {
    const made = await subscriptions.create(adminOf(ORG_A), { url: 'http://127.0.0.1:9/a', event_types: ['token.issued'] });
    expect((await subscriptions.get(readerOf(ORG_A), made.id)).id).toBe(made.id);
    expect((await refusal(subscriptions.create(readerOf(ORG_A), { url: 'http://127.0.0.1:9/a', event_types: ['token.issued'] }))).code).toBe(CommonErrorCode.Forbidden);
    expect((await refusal(subscriptions.rotateSecret(readerOf(ORG_A), made.id))).code).toBe(CommonErrorCode.Forbidden);
    const nobody: RequestContext = { ...adminOf(ORG_A), principal: plainPrincipalView({ organizationId: ORG_A }) };
    expect((await refusal(subscriptions.list(nobody))).code).toBe(CommonErrorCode.Forbidden);
  });
});

describe('webhook deliveries', () => {
  it('sends exactly the subscribed events of the organization, each signed, each once', async () => {
    const { receiver: hooks, url } = await receiver();
    const made = await subscriptions.create(adminOf(ORG_A), { url, event_types: ['token.issued', 'account.deactivated'] });
    hooks.verifyWith('/hooks', made.secret);
    await ingestor();
    worker();
    const issued = tokenIssued(ORG_A);
    const deactivated = domainEvent('users', 'UserDeactivated', { userId: randomUUID(), deactivatedAt: new Date().toISOString() }, ORG_A);
    const unsubscribed = tokenRevoked(ORG_A);
    const otherOrganization = tokenIssued(ORG_B);
    const notAWebhook = domainEvent('users', 'UserProfileChanged', { userId: randomUUID(), changes: {}, changedAt: new Date().toISOString() }, ORG_A);
    for (const event of [issued, unsubscribed, otherOrganization, notAWebhook, deactivated]) await publish(event);
    // A republished event (past JetStream's deduplication) makes no second delivery.
    await nc.jetstream().publish(eventSubject(bed.subjectPrefix, 'tokens', issued.type), encodePublishedEvent(issued, 'tokens'), { msgID: `${issued.id}-again` });
    const sentinel = tokenIssued(ORG_A);
    await publish(sentinel);

    const log = await succeeded(made.id, 3);
    expect(hooks.refused).toEqual([]);
    // Sent concurrently, so in any order.
    expect(hooks.verified.map((m) => [m.type, m.data['token_id'] ?? m.data['account_id']]).sort()).toEqual(
      [
        ['token.issued', issued.data['tokenId']],
        ['account.deactivated', deactivated.data['userId']],
        ['token.issued', sentinel.data['tokenId']],
      ].sort(),
    );
    expect(new Set(hooks.attempts()).size).toBe(hooks.attempts().length);
    expect(JSON.stringify(hooks.verified)).not.toMatch(/secret|hash|abcd/i);
    expect(log.map((d) => [d.status, d.attempts, d.response_code])).toEqual([
      ['succeeded', 1, 204],
      ['succeeded', 1, 204],
      ['succeeded', 1, 204],
    ]);
    expect(log.every((d) => typeof d.latency_ms === 'number')).toBe(true);
  });

  it('retries a receiver that answered 500 or timed out, under the same id, until it succeeds', async () => {
    const { receiver: hooks, url } = await receiver();
    const made = await subscriptions.create(adminOf(ORG_A), { url, event_types: ['token.revoked'] });
    hooks.verifyWith('/hooks', made.secret);
    const failing = tokenRevoked(ORG_A);
    const hanging = tokenRevoked(ORG_A);
    const ingest = await ingestor();
    await ingest.handle(failing);
    const failingId = (await subscriptions.deliveries(adminOf(ORG_A), { subscription_id: made.id, limit: 1 })).results[0]!.id;
    await ingest.handle(hanging);
    hooks.answer = (id, attempt) => (attempt > 1 ? 200 : id === failingId ? 500 : 'hang');
    worker({ timeoutMs: 300 });

    const log = await succeeded(made.id, 2);
    expect(hooks.refused).toEqual([]);
    const ids = [...new Set(hooks.attempts())];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(hooks.attempts().filter((seen) => seen === id)).toHaveLength(2);
    expect(hooks.verified.map((m) => m.data['token_id']).sort()).toEqual([failing.data['tokenId'], hanging.data['tokenId']].sort());
    expect(log.map((d) => [d.status, d.attempts, d.response_code])).toEqual([
      ['succeeded', 2, 200],
      ['succeeded', 2, 200],
    ]);
  });

  it('has several instances deliver every message once between them', async () => {
    const { receiver: hooks, url } = await receiver();
    const made = await subscriptions.create(adminOf(ORG_A), { url, event_types: ['token.issued'] });
    hooks.verifyWith('/hooks', made.secret);
    const ingest = await ingestor();
    const events = Array.from({ length: 60 }, () => tokenIssued(ORG_A));
    for (const event of events) await ingest.handle(event);
    const workers = [worker({ concurrency: 4 }), worker({ concurrency: 4 }), worker({ concurrency: 4 })];
    await pollUntil(() => hooks.verified.length >= events.length, 'every message delivered');
    // The rest of a poll: nothing more arrives.
    await pollUntil(async () => (await bed.pool.query(`SELECT count(*)::int AS n FROM "${bed.id}".webhook_deliveries WHERE status <> 'succeeded'`)).rows[0].n === 0, 'every row settled');
    expect(hooks.attempts()).toHaveLength(events.length);
    expect(new Set(hooks.attempts()).size).toBe(events.length);
    expect(workers.map((w) => w.attempts()).reduce((a, b) => a + b, 0)).toBe(events.length);
  });

  it('disables the subscription, with an event, when a delivery fails for the whole retry window; redelivery sends it again under the same id', async () => {
    const { receiver: hooks, url } = await receiver();
    const made = await subscriptions.create(adminOf(ORG_A), { url, event_types: ['token.revoked'] });
    hooks.verifyWith('/hooks', made.secret);
    hooks.answer = () => 503;
    const ingest = await ingestor();
    await ingest.handle(tokenRevoked(ORG_A));
    worker({ retry: { initialMs: 50, maxMs: 100, windowMs: 400 } });

    await pollUntil(async () => !(await subscriptions.get(adminOf(ORG_A), made.id)).enabled, 'subscription disabled');
    const subscription = await subscriptions.get(adminOf(ORG_A), made.id);
    expect(subscription.disabled_reason).toBe('failing');
    const [delivery] = (await subscriptions.deliveries(adminOf(ORG_A), { subscription_id: made.id, limit: 10 })).results;
    expect(delivery).toMatchObject({ status: 'failed', response_code: 503 });
    expect(delivery!.attempts).toBeGreaterThan(1);
    const stored = (await bed.pool.query(`SELECT type, data FROM "${bed.id}".events ORDER BY global_position`)).rows as { type: string; data: Record<string, unknown> }[];
    expect(stored.map((e) => e.type)).toEqual(['WebhookSubscriptionCreated', 'WebhookSubscriptionDisabled']);
    expect(stored[1]!.data).toMatchObject({ subscriptionId: made.id, reason: 'failing', deliveryId: delivery!.id });

    // While disabled nothing is sent; enabled again, a redelivery goes out under the same id.
    const attemptsBefore = hooks.attempts().length;
    hooks.answer = () => 200;
    await subscriptions.redeliver(adminOf(ORG_A), { subscription_id: made.id, delivery_id: delivery!.id });
    await pollUntil(async () => (await store.claimDue(1, 0)).length === 0, 'nothing due while disabled');
    expect(hooks.attempts().length).toBe(attemptsBefore);
    await subscriptions.update(adminOf(ORG_A), { subscription_id: made.id, enabled: true });
    await pollUntil(() => hooks.verified.length === 1, 'redelivered');
    expect(hooks.verified[0]!.id).toBe(delivery!.id);
    expect((await subscriptions.get(adminOf(ORG_A), made.id)).disabled_reason).toBeNull();
  });

  it('does not send to an address the policy refuses at delivery time', async () => {
    const { receiver: hooks, url } = await receiver();
    const made = await subscriptions.create(adminOf(ORG_A), { url, event_types: ['token.revoked'] });
    hooks.verifyWith('/hooks', made.secret);
    const ingest = await ingestor();
    await ingest.handle(tokenRevoked(ORG_A));
    // The same deployment without the loopback allowance (as if the name now resolved inside).
    targets = new WebhookTargetPolicy();
    worker();
    await pollUntil(async () => (await subscriptions.deliveries(adminOf(ORG_A), { subscription_id: made.id, limit: 1 })).results[0]!.last_error !== null, 'an attempt');
    const [delivery] = (await subscriptions.deliveries(adminOf(ORG_A), { subscription_id: made.id, limit: 1 })).results;
    expect(delivery).toMatchObject({ status: 'pending', response_code: null });
    expect(delivery!.last_error).toMatch(/may not be sent/);
    expect(hooks.attempts()).toEqual([]);
  });
});
