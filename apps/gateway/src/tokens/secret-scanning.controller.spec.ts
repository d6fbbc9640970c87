import Fastify, { FastifyInstance } from 'fastify';
import { SECRET_SCANNING_ALERTS_PATH, keepSecretScanningBodies, rawBodyOf } from './secret-scanning.controller';

describe('keepSecretScanningBodies', () => {
  let fastify: FastifyInstance;
  // Signed as sent: spacing and key order a parser would not give back.
  const sent = '[ {"type":"warden_api_token",  "token":"wdn_x", "url":"https://example.com", "source":"content"} ]';

  beforeAll(async () => {
    fastify = Fastify();
    keepSecretScanningBodies(fastify);
    // As Nest registers its controllers' routes at init, after configureGateway.
    fastify.post(SECRET_SCANNING_ALERTS_PATH, (request) => ({ raw: rawBodyOf(request).toString('utf8'), parsed: request.body }));
    fastify.post('/api/v1/tokens/verify', (request) => ({ raw: rawBodyOf(request).toString('utf8'), parsed: request.body }));
    await fastify.ready();
  });

  afterAll(() => fastify.close());

  it("keeps the scanner route's body byte for byte, and still parses it", async () => {
    const response = await fastify.inject({ method: 'POST', url: SECRET_SCANNING_ALERTS_PATH, headers: { 'content-type': 'application/json' }, payload: sent });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ raw: sent, parsed: JSON.parse(sent) });
  });

  it("keeps nothing of any other route's body", async () => {
    const response = await fastify.inject({ method: 'POST', url: '/api/v1/tokens/verify', headers: { 'content-type': 'application/json' }, payload: '{"token": "wdn_x"}' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ raw: '', parsed: { token: 'wdn_x' } });
  });

  it('puts its hook on the scanner route alone', () => {
    const routes = fastify.printRoutes({ commonPrefix: false, includeHooks: true });
    expect(routes).toMatch(/secret-scanning\/alerts \(POST\)\n.*• \(preParsing\) \["keepRawBody\(\)"\]/);
    expect(routes.match(/\(preParsing\)/g)).toHaveLength(1);
  });
});
