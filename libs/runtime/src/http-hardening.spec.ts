import { hardenedFastifyAdapter } from './http-hardening';

describe('the hardened HTTP adapter', () => {
  const serve = async () => {
    const instance = hardenedFastifyAdapter().getInstance();
    instance.get('/plain', async (_request, reply) => reply.header('x-powered-by', 'Express').header('server', 'nginx').send({ ok: true }));
    instance.get('/cached', async (_request, reply) => reply.header('cache-control', 'max-age=60').send({ ok: true }));
    instance.get('/items/:id', async () => ({ ok: true }));
    await instance.ready();
    return instance;
  };

  it('drops banner headers, forbids sniffing and caches nothing unless a route says so', async () => {
    const instance = await serve();
    const plain = await instance.inject({ method: 'GET', url: '/plain' });
    expect(plain.headers['x-powered-by']).toBeUndefined();
    expect(plain.headers['server']).toBeUndefined();
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['cache-control']).toBe('no-store');
    const cached = await instance.inject({ method: 'GET', url: '/cached' });
    expect(cached.headers['cache-control']).toBe('max-age=60');
    await instance.close();
  });

  it('answers an undecodable path and an overlong parameter as problem documents', async () => {
    const instance = await serve();
    for (const url of ['/items/%C0%AF', `/items/${'a'.repeat(500)}`]) {
      const response = await instance.inject({ method: 'GET', url });
      expect([url, response.statusCode]).toEqual([url, 400]);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    await instance.close();
  });
});
