// The relay and a durable consumer on a three-node NATS cluster of the test's own, with the
// events stream at three replicas: they connect with the node list, and a node killed with
// kill -9 in the middle of the writes (the stream's leader) and started again costs nothing:
// every event applied once, in its stream's order, and the relay never had to republish.
import { PostgresEventStore } from '@warden/event-store-postgres';
import { NatsConnection, connect } from 'nats';
import { Pool } from 'pg';
import { AppliedEvents, NatsCluster, appendContinuously, appendSome, eventIdsByStream, pollUntil, readAllCommitted, startNatsCluster, RelayTestBed, openRelayTestBed } from '@warden/testing';
import { EventRelay } from './event-relay';
import { ensureEventsStream } from './events-stream';
import { EventConsumer } from './jetstream-consumer';
import { silentMessagingLog } from './messaging-log';
import { serviceEventsFilter } from './published-event';

const SERVICE = 'users';

describe('events on a three-node NATS cluster', () => {
  let cluster: NatsCluster;
  let id: string;
  let pool: Pool;
  let store: PostgresEventStore;
  let stream: string;
  let subjectPrefix: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster();
  });

  afterAll(async () => {
    await cluster?.dispose();
  });

  let bed: RelayTestBed;

  beforeEach(async () => {
    bed = await openRelayTestBed('cluster');
    ({ id, pool, store, stream, subjectPrefix } = bed);
  });

  afterEach(() => bed.close(cleanups));

  async function connected(): Promise<NatsConnection> {
    const nc = await connect({ servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanups.push(() => nc.close());
    return nc;
  }

  async function relayAndConsumer(): Promise<{
    relay: EventRelay;
    applied: AppliedEvents;
    nc: NatsConnection;
  }> {
    const nc = await connected();
    const info = await ensureEventsStream(await nc.jetstreamManager(), {
      stream,
      subjectPrefix,
      replicas: 3,
    });
    expect(info.config.num_replicas).toBe(3);
    const relay = new EventRelay({
      service: SERVICE,
      store,
      pool,
      schema: id,
      js: nc.jetstream(),
      stream,
      subjectPrefix,
      streamOptions: { replicas: 3 },
      streamCheckIntervalMs: 500,
      publishTimeoutMs: 2_000,
      idleWaitMs: 100,
      backoff: { initialMs: 50, maxMs: 500 },
      log: silentMessagingLog,
    });
    cleanups.push(() => relay.stop());
    relay.start();
    // The consumer on a connection of its own, as in another service.
    const applied = new AppliedEvents(store);
    const consumer = new EventConsumer(await connected(), {
      stream,
      log: silentMessagingLog,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    cleanups.push(() => consumer.stop());
    await consumer.start({
      durable: 'effects',
      filterSubjects: [serviceEventsFilter(subjectPrefix, SERVICE)],
      ackWaitMs: 2_000,
      handler: (event) => applied.apply(event),
    });
    return { relay, applied, nc };
  }

  it('relays events to an R3 stream, placed on all three nodes, and a durable consumer applies each once', async () => {
    const { relay, applied, nc } = await relayAndConsumer();
    const appended = [
      ...(await appendSome(store, 'user-1', 'UserCreated', 5)),
      ...(await appendSome(store, 'user-2', 'UserCreated', 5)),
    ];

    await pollUntil(() => applied.count() === appended.length, 'the consumer to apply every event');
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    const placed = [
      info.cluster?.leader,
      ...(info.cluster?.replicas ?? []).map((replica) => replica.name),
    ].sort();
    expect(placed).toEqual(cluster.nodes.map((node) => node.name).sort());
    expect(info.state.messages).toBe(appended.length);
    expect(applied.byStream()).toEqual(eventIdsByStream(appended));
    expect(applied.skipped).toBe(0);
    expect(relay.status()).toMatchObject({ published: appended.length, duplicates: 0, streamRecoveries: 0 });
  });

  it("loses nothing and applies nothing twice when the stream's leader is killed and started again under writes", async () => {
    const { relay, applied, nc } = await relayAndConsumer();
    const jsm = await nc.jetstreamManager();
    const writes = appendContinuously(store, ['user-1', 'user-2', 'user-3'], 'UserRenamed', 20);
    cleanups.push(() => writes.stop());
    await pollUntil(() => applied.count() >= 20, 'events to be applied before the fault');

    const leader = (await jsm.streams.info(stream)).cluster!.leader!;
    const killed = cluster.indexOf(leader);
    await cluster.kill(killed);
    const appliedAtKill = applied.count();
    // Two nodes of three still make a majority: a new leader takes the writes.
    await pollUntil(
      () => applied.count() >= appliedAtKill + 30,
      'events to be applied with one node down',
      60_000,
    );
    const newLeader = (await jsm.streams.info(stream)).cluster!.leader;
    expect(newLeader).not.toBe(leader);

    await cluster.start(killed);
    // The restarted node catches up with the new leader.
    await pollUntil(
      async () => {
        const replicas = (await jsm.streams.info(stream)).cluster?.replicas ?? [];
        return replicas.length === 2 && replicas.every((replica) => replica.current);
      },
      'the restarted node to be current again',
      60_000,
    );
    const written = await writes.stop();

    const all = await readAllCommitted(store, 10_000);
    expect(all.length).toBe(written.length);
    await pollUntil(
      () => applied.count() === all.length,
      `the consumer to apply all ${all.length} events`,
      60_000,
    );
    await pollUntil(async () => (await relay.lag()).caughtUp, 'the relay to save its checkpoint');
    expect(applied.byStream()).toEqual(eventIdsByStream(all));
    expect((await jsm.streams.info(stream)).state.messages).toBe(all.length);
    // Nothing the stream acked was lost with the node: no republish from the log was needed.
    expect(relay.status().streamRecoveries).toBe(0);
  });
});
