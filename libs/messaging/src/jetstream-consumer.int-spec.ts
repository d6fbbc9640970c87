import { NatsConnection, connect } from 'nats';
import { PrivateNatsServer, TEST_NATS_URL, deleteStreamQuietly, pollUntil, startPrivateNatsServer, uniqueTestId } from '@warden/testing';
import { EventConsumer } from './jetstream-consumer';
import { ensureEventsStream } from './events-stream';
import { silentMessagingLog } from './messaging-log';
import { encodePublishedEvent, eventSubject } from './published-event';

describe('EventConsumer', () => {
  let nc: NatsConnection;
  let stream: string;
  let subjectPrefix: string;
  const consumers: EventConsumer[] = [];

  beforeEach(async () => {
    const id = uniqueTestId('cons');
    stream = `S_${id}`;
    subjectPrefix = `${id}.events`;
    nc = await connect({ servers: TEST_NATS_URL });
    await ensureEventsStream(await nc.jetstreamManager(), { stream, subjectPrefix, duplicateWindowMs: 60_000 });
  });

  afterEach(async () => {
    for (const consumer of consumers.splice(0)) await consumer.stop();
    await deleteStreamQuietly(await nc.jetstreamManager(), stream);
    await nc.close();
  });

  async function publish(count: number, type = 'user-created'): Promise<string[]> {
    const js = nc.jetstream();
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const id = `evt-${index}-${Math.random().toString(36).slice(2)}`;
      ids.push(id);
      const event = { id, type, schemaVersion: 1, data: { index }, metadata: { correlationId: 'c' }, streamId: 's-1', version: index + 1, position: String(index + 1).padStart(8, '0'), recordedAt: new Date().toISOString() };
      await js.publish(eventSubject(subjectPrefix, 'users', type), encodePublishedEvent(event, 'users'), { msgID: id });
    }
    return ids;
  }

  function consumer(): EventConsumer {
    const instance = new EventConsumer(nc, { stream, log: silentMessagingLog });
    consumers.push(instance);
    return instance;
  }

  it('ensures the events stream idempotently, updating its duplicate window', async () => {
    const jsm = await nc.jetstreamManager();
    const info = await ensureEventsStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 90_000 });
    expect(info.config.subjects).toEqual([`${subjectPrefix}.>`]);
    expect(info.config.duplicate_window).toBe(90_000 * 1_000_000);
  });

  it('naks a failed event and sees it again before the next one (order kept)', async () => {
    const ids = await publish(4);
    const seen: string[] = [];
    let failuresLeft = 2;
    const events = consumer();
    await events.start({
      durable: 'flaky',
      filterSubjects: [`${subjectPrefix}.users.>`],
      nakDelaysMs: [10],
      handler: async (event) => {
        seen.push(event.id);
        if (event.id === ids[1] && failuresLeft-- > 0) throw new Error('projection unavailable');
      },
    });
    await pollUntil(() => events.status().handled === 4, 'every event to be handled');
    expect(seen).toEqual([ids[0], ids[1], ids[1], ids[1], ids[2], ids[3]]);
    expect(events.status().failed).toBe(2);
  });

  it('only receives the subjects it filters on', async () => {
    await publish(2, 'user-created');
    const wanted = await publish(2, 'user-deactivated');
    const seen: string[] = [];
    const events = consumer();
    await events.start({
      durable: 'deactivations',
      filterSubjects: [eventSubject(subjectPrefix, 'users', 'user-deactivated')],
      handler: async (event) => {
        seen.push(event.id);
      },
    });
    await pollUntil(() => seen.length === 2, 'the filtered events');
    expect(seen).toEqual(wanted);
  });

  it('resumes after a stop where it left off, with nothing lost or acked unhandled', async () => {
    const ids = await publish(6);
    const seen: string[] = [];
    const first = consumer();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    await first.start({
      durable: 'resume',
      filterSubjects: [`${subjectPrefix}.>`],
      handler: async (event) => {
        seen.push(event.id);
        if (event.id === ids[2]) await blocked;
      },
    });
    await pollUntil(() => seen.length === 3, 'the third event to be in hand');
    const stopping = first.stop();
    release(); // the event in hand finishes and is acked during the stop
    await stopping;
    expect(first.status()).toMatchObject({ state: 'stopped', handled: 3 });

    const second = consumer();
    await second.start({
      durable: 'resume',
      filterSubjects: [`${subjectPrefix}.>`],
      handler: async (event) => {
        seen.push(event.id);
      },
    });
    await pollUntil(() => second.status().handled === 3, 'the rest to be handled');
    expect(seen).toEqual(ids);
  });
});

// The NATS server itself stopped and started again (its JetStream store kept), as in the
// fault tier: the consumer must resume by itself, soon after JetStream is back.
describe('EventConsumer across a NATS server restart', () => {
  let server: PrivateNatsServer;
  let nc: NatsConnection;
  let events: EventConsumer | undefined;
  const stream = 'EVENTS_RESTART';
  const subjectPrefix = 'restart.events';

  beforeAll(async () => {
    server = await startPrivateNatsServer();
  });
  afterAll(async () => {
    await server.dispose();
  });
  beforeEach(async () => {
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    await ensureEventsStream(await nc.jetstreamManager(), { stream, subjectPrefix });
  });
  afterEach(async () => {
    await events?.stop();
    await deleteStreamQuietly(await nc.jetstreamManager(), stream);
    await nc.close();
  });

  async function publish(count: number): Promise<string[]> {
    const js = nc.jetstream();
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const id = `evt-${index}-${Math.random().toString(36).slice(2)}`;
      ids.push(id);
      const event = { id, type: 'user-created', schemaVersion: 1, data: { index }, metadata: { correlationId: 'c' }, streamId: 's-1', version: index + 1, position: String(index + 1).padStart(8, '0'), recordedAt: new Date().toISOString() };
      await js.publish(eventSubject(subjectPrefix, 'users', 'user-created'), encodePublishedEvent(event, 'users'), { msgID: id, timeout: 5_000 });
    }
    return ids;
  }

  it('resumes consuming within seconds of the server being back, losing nothing', async () => {
    const seen = new Set<string>();
    events = new EventConsumer(nc, { stream, log: silentMessagingLog });
    await events.start({
      durable: 'across-restart',
      filterSubjects: [`${subjectPrefix}.>`],
      maxAckPending: 16,
      handler: async (event) => {
        seen.add(event.id);
      },
    });
    const before = await publish(3);
    await pollUntil(() => before.every((id) => seen.has(id)), 'the events before the restart');

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await server.start();
    // published once JetStream answers again (the publisher retries, as the relay does)
    let after: string[] = [];
    await pollUntil(
      async () => {
        after = await publish(3).catch(() => []);
        return after.length === 3;
      },
      'a publish to be acked again',
      20_000,
      200,
    );
    const published = Date.now();
    await pollUntil(() => after.every((id) => seen.has(id)), 'the events after the restart', 20_000, 50);
    // the nats.js client alone may wait a whole pull expiry (30 s by default) here
    expect(Date.now() - published).toBeLessThan(8_000);
    expect(events.status().state).toBe('consuming');
  });
});
