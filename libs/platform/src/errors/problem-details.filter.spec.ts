import { Body, Controller, Get, Module, NotFoundException, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import { IsString } from 'class-validator';
import type { InjectOptions } from 'fastify';
import { Writable } from 'node:stream';
import { registerCorrelationId } from '../http/correlation-hook';
import { currentCorrelationId } from '../logging/correlation-context';
import { createLogger } from '../logging/logger';
import { ProblemDetailsFilter } from './problem-details.filter';
import { validationPipe } from './validation';

class CreateThing {
  @IsString()
  name!: string;
}

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() thing: CreateThing) {
    return { name: thing.name, correlationId: currentCorrelationId() };
  }

  @Get('forbidden')
  forbidden() {
    throw new WardenError(CommonErrorCode.Forbidden, 'Not your organization');
  }

  @Get('broken')
  broken() {
    throw new Error('pool exhausted on db-2.internal');
  }

  @Get('missing')
  missing() {
    throw new NotFoundException();
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('ProblemDetailsFilter on a Fastify app', () => {
  let app: NestFastifyApplication;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const logger = createLogger({ service: 'test', level: 'info', destination });
    app = await NestFactory.create<NestFastifyApplication>(
      ThingsModule,
      new FastifyAdapter({ bodyLimit: 1024 }),
      { logger: false },
    );
    registerCorrelationId(app.getHttpAdapter().getInstance());
    app.useGlobalFilters(new ProblemDetailsFilter(logger));
    app.useGlobalPipes(validationPipe());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  const inject = (options: InjectOptions) => app.getHttpAdapter().getInstance().inject(options);

  it('keeps the correlation context through body parsing into the handler', async () => {
    const response = await inject({
      method: 'POST',
      url: '/things',
      payload: { name: 'a' },
      headers: { 'x-correlation-id': 'req-123' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['x-correlation-id']).toBe('req-123');
    expect(response.json()).toEqual({ name: 'a', correlationId: 'req-123' });
  });

  it('replaces an insane correlation id with a fresh one', async () => {
    const response = await inject({
      method: 'POST',
      url: '/things',
      payload: { name: 'a' },
      headers: { 'x-correlation-id': 'a b<script>' },
    });
    const echoed = response.headers['x-correlation-id'];
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json().correlationId).toBe(echoed);
  });

  it('answers a validation failure as problem+json naming the field', async () => {
    const response = await inject({
      method: 'POST',
      url: '/things?x=1',
      payload: { name: 5 },
      headers: { 'x-correlation-id': 'req-v' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toEqual({
      type: 'urn:warden:problem:validation_failed',
      title: 'The request is invalid',
      status: 400,
      detail: 'Invalid field: name',
      code: 'validation_failed',
      instance: '/things',
      correlationId: 'req-v',
      errors: [{ field: 'name', message: 'name must be a string' }],
    });
  });

  it.each([
    [
      'malformed JSON',
      {
        method: 'POST',
        url: '/things',
        payload: '{"name":',
        headers: { 'content-type': 'application/json' },
      },
      400,
      'malformed_body',
    ],
    [
      'a body over the limit',
      { method: 'POST', url: '/things', payload: { name: 'x'.repeat(2000) } },
      413,
      'payload_too_large',
    ],
    [
      'an unsupported content type',
      { method: 'POST', url: '/things', payload: '<name/>', headers: { 'content-type': 'application/xml' } },
      415,
      'unsupported_media_type',
    ],
    ['an unknown route', { method: 'GET', url: '/nothing' }, 404, 'route_not_found'],
    ['a WardenError', { method: 'GET', url: '/things/forbidden' }, 403, 'forbidden'],
  ] as const)('answers %s with its code and the correlation id', async (_kind, request, status, code) => {
    const response = await inject({
      ...request,
      headers: { ...('headers' in request ? request.headers : {}), 'x-correlation-id': `req-${code}` },
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ status, code, correlationId: `req-${code}` });
  });

  it('answers an unexpected error as internal_error and logs the real one with its correlation id', async () => {
    const response = await inject({
      method: 'GET',
      url: '/things/broken',
      headers: { 'x-correlation-id': 'req-boom' },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal_error', correlationId: 'req-boom' });
    expect(response.body).not.toContain('db-2');
    const logged = lines.find(
      (line) => line['msg'] === 'unexpected error' && line['correlationId'] === 'req-boom',
    );
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged!['err'])).toContain('pool exhausted on db-2.internal');
  });
});
