import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from '@warden/testing';
import { createServer } from 'node:net';
import { HealthCheck, HealthCheckResult } from './health-check';
import { HealthModule } from './health.module';
import { natsHealthCheck, postgresHealthCheck, redisHealthCheck } from './infra-health-checks';

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

@Injectable()
class ReadModelHealth implements HealthCheck {
  readonly name = 'read model';
  state: HealthCheckResult = { status: 'up', detail: 'caught up' };
  async check() {
    return this.state;
  }
}

@Module({ providers: [ReadModelHealth], exports: [ReadModelHealth] })
class ReadModelModule {}

async function startApp(urls: { database: string; redis: string; nats: string }) {
  @Module({
    imports: [
      HealthModule.forRoot({
        imports: [ReadModelModule],
        inject: [ReadModelHealth],
        useFactory: (readModel: ReadModelHealth) => [
          postgresHealthCheck({ url: urls.database }),
          redisHealthCheck({ url: urls.redis }),
          natsHealthCheck({ url: urls.nats }),
          readModel,
        ],
        timeoutMs: 3000,
      }),
    ],
  })
  class AppModule {}

  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('HealthModule', () => {
  describe('with every server up', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await startApp({ database: TEST_DATABASE_URL, redis: TEST_REDIS_URL, nats: TEST_NATS_URL });
    });
    afterAll(() => app.close());

    it('is ready, with each check up and timed', async () => {
      const response = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.status).toBe('ok');
      expect(Object.keys(body.checks).sort()).toEqual(['nats', 'postgres', 'read model', 'redis']);
      for (const check of Object.values(body.checks) as Array<{ status: string; latencyMs: number }>) {
        expect(check.status).toBe('up');
        expect(typeof check.latencyMs).toBe('number');
      }
      expect(body.checks.nats.detail).toMatch(/^rtt \d+ ms$/);
    });

    it('answers /health like /health/ready', async () => {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json().status).toBe('ok');
    });

    it('turns unavailable when an app check is down, and back', async () => {
      const readModel = app.get(ReadModelHealth);
      readModel.state = { status: 'down', detail: 'rebuilding' };
      const down = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({
        status: 'unavailable',
        checks: { 'read model': { status: 'down', detail: 'rebuilding' }, postgres: { status: 'up' } },
      });

      readModel.state = { status: 'degraded', detail: 'lagging 120 events' };
      const degraded = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(degraded.statusCode).toBe(200);
      expect(degraded.json().status).toBe('degraded');
      readModel.state = { status: 'up' };
    });
  });

  describe('with the servers on a closed port', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      const port = await closedPort();
      app = await startApp({
        database: `postgres://postgres@127.0.0.1:${port}/warden`,
        redis: `redis://127.0.0.1:${port}`,
        nats: `nats://127.0.0.1:${port}`,
      });
    });
    afterAll(() => app.close());

    it('is unavailable, naming each server down', async () => {
      const response = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.status).toBe('unavailable');
      expect(body.checks.postgres.status).toBe('down');
      expect(body.checks.redis.status).toBe('down');
      expect(body.checks.nats.status).toBe('down');
      expect(body.checks['read model'].status).toBe('up');
      expect(body.checks.postgres.detail).toMatch(/ECONNREFUSED/);
    });

    it('is still live', async () => {
      const response = await app.inject({ method: 'GET', url: '/health/live' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });
  });
});
