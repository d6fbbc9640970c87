import { ServiceNames } from '@warden/contracts';
import { isRedisCluster } from '@warden/redis';
import { TEST_DATABASE_URL, TEST_NATS_URL, deleteStreamQuietly, testRedisEnv, testRedisIsCluster, uniqueTestId } from '@warden/testing';
import pino from 'pino';
import { serviceConfigSchema } from './service-config';
import { ServiceInfrastructure } from './service-infrastructure';

describe('ServiceInfrastructure', () => {
  const id = uniqueTestId('infra');
  let infrastructure: ServiceInfrastructure;

  beforeAll(async () => {
    const config = serviceConfigSchema(0).parse({
      DATABASE_URL: TEST_DATABASE_URL,
      NATS_URL: TEST_NATS_URL,
      NATS_SUBJECT_PREFIX: id,
      ...testRedisEnv(),
      EVENTS_STREAM: `EVENTS_${id.toUpperCase()}`,
      EVENTS_SUBJECT_PREFIX: `${id}.events`,
    });
    infrastructure = await ServiceInfrastructure.start({
      service: ServiceNames.users,
      schema: id,
      config,
      logger: pino({ level: 'silent' }),
      eventLog: false,
    });
  });

  afterAll(async () => {
    if (!infrastructure) return;
    await deleteStreamQuietly(await infrastructure.nats.jetstreamManager(), infrastructure.options.config.EVENTS_STREAM);
    await infrastructure.close();
  });

  it('opens a Redis Cluster client exactly when REDIS_CLUSTER_NODES is set', async () => {
    expect(isRedisCluster(infrastructure.redis)).toBe(testRedisIsCluster());
    await infrastructure.redis.set(`${id}:written`, 'yes', 'EX', 60);
    expect(await infrastructure.redis.get(`${id}:written`)).toBe('yes');
    await infrastructure.redis.del(`${id}:written`);
  });

  it('sends the Redis commands issued in one tick together', async () => {
    const { redis } = infrastructure;
    const replies = Promise.all(Array.from({ length: 10 }, (_, index) => redis.get(`${id}:absent:${index}`)));
    // Queued for one write on the next tick, not written one by one.
    expect(redis.autoPipelineQueueSize).toBe(10);
    await expect(replies).resolves.toEqual(Array(10).fill(null));
  });
});
