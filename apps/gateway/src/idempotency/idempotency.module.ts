import { DynamicModule, Inject, Module, OnApplicationShutdown, RequestMethod, Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { APP_LOGGER, WardenLogger, redisConnection } from '@warden/platform';
import { RedisClient, createRedisClient } from '@warden/redis';
import { IDEMPOTENCY_KEY_PREFIX, IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENT_METHODS } from './idempotency-key';
import { IdempotencyStore } from './idempotency-store';

const IDEMPOTENCY_REDIS = Symbol('IDEMPOTENCY_REDIS');

class IdempotencyRedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(IDEMPOTENCY_REDIS) private readonly redis: RedisClient) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

export interface IdempotencyModuleOptions {
  config: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string; REDIS_KEY_PREFIX: string; NATS_REQUEST_TIMEOUT_MS: number };
}

/**
 * `Idempotency-Key` on every authenticated POST and PATCH: the store, global so that the
 * interceptor can be built in any module whose controllers honourIdempotencyKeys marked.
 */
@Module({})
export class IdempotencyModule {
  static forRoot({ config }: IdempotencyModuleOptions): DynamicModule {
    // A request may ask a few services in turn (an account, then its first token), each up
    // to the NATS timeout; the lock outlives that, yet a crashed gateway's lock ends soon.
    const lockMs = Math.max(30_000, 4 * config.NATS_REQUEST_TIMEOUT_MS);
    return {
      module: IdempotencyModule,
      global: true,
      providers: [
        {
          provide: IDEMPOTENCY_REDIS,
          inject: [APP_LOGGER],
          useFactory: (logger: WardenLogger) => {
            const redis = createRedisClient(redisConnection(config));
            redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'Redis connection error (idempotency keys)'));
            return redis;
          },
        },
        { provide: IdempotencyStore, inject: [IDEMPOTENCY_REDIS], useFactory: (redis: RedisClient) => new IdempotencyStore(redis, lockMs) },
        { provide: IDEMPOTENCY_KEY_PREFIX, useValue: config.REDIS_KEY_PREFIX },
        IdempotencyRedisLifecycle,
      ],
      exports: [IdempotencyStore, IDEMPOTENCY_KEY_PREFIX],
    };
  }
}

/**
 * Puts the idempotency interceptor on every POST and PATCH handler of these controllers,
 * and only there. As a global interceptor it wrapped every GET as well, only to pass it on:
 * Nest's interceptor chain (an rxjs `defer` over `AsyncResource.bind`, which builds a
 * deprecation wrapper on each call) cost each verified GET about 5% of the gateway's CPU.
 * Call before the app is created (Nest reads interceptors when it scans the modules).
 */
export function honourIdempotencyKeys(controllers: Iterable<Type>): void {
  for (const controller of controllers) {
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler: unknown = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value;
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || !IDEMPOTENT_METHODS.has(RequestMethod[method])) continue;
      const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
      if (!interceptors.includes(IdempotencyInterceptor)) {
        Reflect.defineMetadata(INTERCEPTORS_METADATA, [...interceptors, IdempotencyInterceptor], handler);
      }
    }
  }
}
