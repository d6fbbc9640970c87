import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { APP_LOGGER, WardenLogger } from '@warden/platform';
import Redis from 'ioredis';
import { IDEMPOTENCY_KEY_PREFIX, IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency-store';

const IDEMPOTENCY_REDIS = Symbol('IDEMPOTENCY_REDIS');

class IdempotencyRedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(IDEMPOTENCY_REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

export interface IdempotencyModuleOptions {
  config: { REDIS_URL: string; REDIS_KEY_PREFIX: string; NATS_REQUEST_TIMEOUT_MS: number };
}

/** `Idempotency-Key` on every authenticated POST and PATCH, installed as a global interceptor. */
@Module({})
export class IdempotencyModule {
  static forRoot({ config }: IdempotencyModuleOptions): DynamicModule {
    // A request may ask a few services in turn (an account, then its first token), each up
    // to the NATS timeout; the lock outlives that, yet a crashed gateway's lock ends soon.
    const lockMs = Math.max(30_000, 4 * config.NATS_REQUEST_TIMEOUT_MS);
    return {
      module: IdempotencyModule,
      providers: [
        {
          provide: IDEMPOTENCY_REDIS,
          inject: [APP_LOGGER],
          useFactory: (logger: WardenLogger) => {
            const redis = new Redis(config.REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
            redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'Redis connection error (idempotency keys)'));
            return redis;
          },
        },
        { provide: IdempotencyStore, inject: [IDEMPOTENCY_REDIS], useFactory: (redis: Redis) => new IdempotencyStore(redis, lockMs) },
        { provide: IDEMPOTENCY_KEY_PREFIX, useValue: config.REDIS_KEY_PREFIX },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        IdempotencyRedisLifecycle,
      ],
    };
  }
}
