import 'reflect-metadata';
import { Controller, Delete, Get, Patch, Post, RequestMethod, Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { createLogger } from '@warden/platform';
import { gatewayConfigSchema } from '../gateway-config';
import { GatewayModule } from '../gateway.module';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { honourIdempotencyKeys } from './idempotency.module';

const interceptorsOf = (handler: unknown): unknown[] => (Reflect.getMetadata(INTERCEPTORS_METADATA, handler as object) as unknown[] | undefined) ?? [];

function handlersOf(controller: Type): Array<{ name: string; method: string; handler: unknown }> {
  return Object.getOwnPropertyNames(controller.prototype)
    .map((name) => ({ name, handler: Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as unknown }))
    .filter(({ handler }) => typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler as object))
    .map(({ name, handler }) => ({ name, handler, method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler as object) as RequestMethod]! }));
}

describe('honourIdempotencyKeys', () => {
  @Controller('things')
  class ThingsController {
    @Get()
    list() {}

    @Post()
    create() {}

    @Patch(':id')
    rename() {}

    @Delete(':id')
    remove() {}

    helper() {}
  }

  it('puts the interceptor on POST and PATCH handlers only, once however often it runs', () => {
    honourIdempotencyKeys([ThingsController]);
    honourIdempotencyKeys([ThingsController]);
    const { prototype } = ThingsController;
    expect(interceptorsOf(prototype.create)).toEqual([IdempotencyInterceptor]);
    expect(interceptorsOf(prototype.rename)).toEqual([IdempotencyInterceptor]);
    expect(interceptorsOf(prototype.list)).toEqual([]);
    expect(interceptorsOf(prototype.remove)).toEqual([]);
    expect(interceptorsOf(prototype.helper)).toEqual([]);
  });

  it("covers every POST and PATCH route of the gateway, login's and logout's included, and no other", () => {
    const config = gatewayConfigSchema.parse({ NATS_URL: 'nats://127.0.0.1:4222', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'spec:' });
    const gateway = GatewayModule.forRoot(config, createLogger({ service: 'spec', level: 'silent' }));
    const controllers = [
      ...(gateway.controllers ?? []),
      ...(gateway.imports ?? []).flatMap((imported) => ('controllers' in imported ? (imported.controllers ?? []) : [])),
    ];
    const handlers = controllers.flatMap(handlersOf);
    const writes = handlers.filter(({ method }) => method === 'POST' || method === 'PATCH');
    expect(writes.map(({ name }) => name)).toEqual(expect.arrayContaining(['login', 'logout', 'exchange']));
    for (const { handler } of writes) expect(interceptorsOf(handler)).toEqual([IdempotencyInterceptor]);
    for (const { handler } of handlers.filter((entry) => !writes.includes(entry))) expect(interceptorsOf(handler)).toEqual([]);
  });
});
