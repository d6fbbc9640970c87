import Fastify from 'fastify';
import { currentCorrelationId } from '../logging/correlation-context';
import { correlationIdOfRequest, registerCorrelationId, requestContextFrom } from './correlation-hook';

describe('registerCorrelationId', () => {
  const app = Fastify();
  registerCorrelationId(app);
  app.get('/context', async (request) => ({
    inContext: currentCorrelationId(),
    ofRequest: correlationIdOfRequest(request),
    context: requestContextFrom(request),
  }));

  afterAll(() => app.close());

  it('accepts a sane id from the caller and echoes it', async () => {
    const response = await app.inject({
      url: '/context',
      headers: { 'x-correlation-id': 'Abc.def_1-2', 'user-agent': 'deploy-bot/1.0' },
    });
    expect(response.headers['x-correlation-id']).toBe('Abc.def_1-2');
    expect(response.json()).toEqual({
      inContext: 'Abc.def_1-2',
      ofRequest: 'Abc.def_1-2',
      context: {
        correlationId: 'Abc.def_1-2',
        actorType: 'anonymous',
        clientAddress: '127.0.0.1',
        userAgent: 'deploy-bot/1.0',
      },
    });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with a space', 'a b'],
    ['with a newline', 'a%0Ab'],
    ['with a slash', 'a/b'],
  ])('replaces an id %s with a uuid', async (_kind, id) => {
    const response = await app.inject({ url: '/context', headers: { 'x-correlation-id': id } });
    const echoed = response.headers['x-correlation-id'];
    expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.json().inContext).toBe(echoed);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const id = 'x'.repeat(128);
    expect(
      (await app.inject({ url: '/context', headers: { 'x-correlation-id': id } })).headers[
        'x-correlation-id'
      ],
    ).toBe(id);
  });

  it('makes a new id when the caller sends none, different per request', async () => {
    const [first, second] = await Promise.all([
      app.inject({ url: '/context' }),
      app.inject({ url: '/context' }),
    ]);
    expect(first.headers['x-correlation-id']).toBeTruthy();
    expect(first.headers['x-correlation-id']).not.toBe(second.headers['x-correlation-id']);
  });
});

describe('registerCorrelationId without an async context', () => {
  const app = Fastify();
  registerCorrelationId(app, { asyncContext: false });
  app.get('/context', async (request) => ({
    inContext: currentCorrelationId() ?? null,
    context: requestContextFrom(request),
  }));

  afterAll(() => app.close());

  it('still echoes the id and gives it to the request, where the app reads it', async () => {
    const response = await app.inject({ url: '/context', headers: { 'x-correlation-id': 'no-context-1', 'user-agent': 'probe/1' } });
    expect(response.headers['x-correlation-id']).toBe('no-context-1');
    expect(response.json()).toEqual({
      inContext: null,
      context: { correlationId: 'no-context-1', actorType: 'anonymous', clientAddress: '127.0.0.1', userAgent: 'probe/1' },
    });
  });
});

describe('requestContextFrom', () => {
  it('carries the authenticated actor', async () => {
    const app = Fastify();
    registerCorrelationId(app);
    app.get('/', async (request) =>
      requestContextFrom(request, {
        actorType: 'service_internal',
        actorId: 'usr_1',
        organizationId: 'org_1',
      }),
    );
    const response = await app.inject({
      url: '/',
      headers: { 'x-correlation-id': 'c-1', 'user-agent': 'u'.repeat(1000) },
    });
    await app.close();
    const context = response.json();
    expect(context).toMatchObject({
      correlationId: 'c-1',
      actorType: 'service_internal',
      actorId: 'usr_1',
      organizationId: 'org_1',
    });
    expect(context.userAgent).toHaveLength(256);
  });
});
