import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { currentCorrelationId } from '../logging/correlation-context';
import { request } from 'node:http';
import { registerCorrelationId } from './correlation-hook';

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    return { body, correlationId: currentCorrelationId() };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

// Over a real socket the body arrives in the socket's async context, not the request's:
// light-my-request (app.inject) does not reproduce that, hence a listening server here.
describe('registerCorrelationId over a real HTTP connection', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(EchoModule, new FastifyAdapter(), {
      logger: false,
    });
    registerCorrelationId(app.getHttpAdapter().getInstance());
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(() => app.close());

  it('runs the handler of a request with a body in its correlation context', async () => {
    const ids = Array.from({ length: 20 }, (_, index) => `req-${index}`);
    const answers = await Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`${baseUrl}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-correlation-id': id },
          body: JSON.stringify({ id, padding: 'x'.repeat(20_000) }),
        });
        expect(response.headers.get('x-correlation-id')).toBe(id);
        return (await response.json()) as { body: { id: string }; correlationId: string };
      }),
    );
    for (const answer of answers) expect(answer.correlationId).toBe(answer.body.id);
  });

  it('keeps the context when the body arrives after the headers', async () => {
    const answer = await new Promise<{ correlationId: string }>((resolve, reject) => {
      const outgoing = request(`${baseUrl}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'slow-body' },
      });
      outgoing.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve(JSON.parse(text)));
      });
      outgoing.on('error', reject);
      outgoing.flushHeaders();
      // Only now does the body come, read by the server in its socket's async context.
      setTimeout(() => outgoing.end(JSON.stringify({ id: 'slow-body' })), 100);
    });
    expect(answer.correlationId).toBe('slow-body');
  });
});
