import { Controller, INestApplication, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CommonErrorCode, Envelope, RequestContext, WardenError } from '@warden/contracts';
import { TEST_NATS_URL, pollUntil, startNatsCluster, uniqueTestId } from '@warden/testing';
import { IsString } from 'class-validator';
import { JSONCodec, ServiceError, connect, headers as natsHeaders } from 'nats';
import { Writable } from 'node:stream';
import { NatsConfig } from '../config/config-fragments';
import { ProblemDetailsFilter } from '../errors/problem-details.filter';
import { validateDto } from '../errors/validation';
import { currentCorrelationId } from '../logging/correlation-context';
import { createLogger, WardenLogger } from '../logging/logger';
import { LoggingModule } from '../logging/logging.module';
import { NatsRpcModule, connectNatsMicroservice } from './nats-rpc.module';
import { ServiceClient } from './service-client';
import { PLAIN_JSON_REQUESTS } from './warden-nats-server';

class CreateOrganization {
  @IsString()
  name!: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let slowStarted: () => void = () => undefined;

@Controller()
class OrganizationsHandlers {
  @MessagePattern('users.organizations.create')
  async create(@Payload() envelope: Envelope<unknown>) {
    const organization = await validateDto(CreateOrganization, envelope.payload);
    return { name: organization.name, correlationId: currentCorrelationId() };
  }

  @MessagePattern('users.organizations.refuse')
  refuse() {
    throw new WardenError(CommonErrorCode.ValidationFailed, 'Invalid field: settings.serviceExternalLimit', [
      { field: 'settings.serviceExternalLimit', message: 'serviceExternalLimit must not be less than 0' },
    ]);
  }

  @MessagePattern('users.organizations.crash')
  crash() {
    throw new Error('relation "users.organizations" does not exist');
  }

  @MessagePattern('users.organizations.lookup', PLAIN_JSON_REQUESTS)
  async lookup(@Payload() envelope: Envelope<unknown>) {
    const organization = await validateDto(CreateOrganization, envelope.payload);
    return { name: organization.name, correlationId: currentCorrelationId(), actorType: envelope.context.actorType };
  }

  @MessagePattern('users.organizations.crash-plainly', PLAIN_JSON_REQUESTS)
  crashPlainly() {
    throw new Error('relation "users.organizations" does not exist');
  }

  @MessagePattern('users.organizations.slow')
  async slow(@Payload() envelope: Envelope<{ ms: number }>) {
    slowStarted();
    await sleep(envelope.payload.ms);
    return { done: true };
  }
}

function capturingLogger(lines: Array<Record<string, unknown>>): WardenLogger {
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return createLogger({ service: 'test', level: 'info', destination });
}

function natsConfig(prefix: string, timeoutMs = 1000, url = TEST_NATS_URL): NatsConfig {
  return { NATS_URL: url, NATS_SUBJECT_PREFIX: prefix, NATS_REQUEST_TIMEOUT_MS: timeoutMs };
}

async function startService(config: NatsConfig, logger: WardenLogger): Promise<INestApplication> {
  @Module({
    imports: [
      LoggingModule.forRoot(logger),
      NatsRpcModule.forService(config, 'users-service', { drainTimeoutMs: 5000 }),
    ],
    controllers: [OrganizationsHandlers],
  })
  class UsersServiceModule {}

  const app = await NestFactory.create(UsersServiceModule, new FastifyAdapter(), { logger: false });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  connectNatsMicroservice(app);
  await app.startAllMicroservices();
  await app.init();
  return app;
}

async function startGateway(config: NatsConfig, logger: WardenLogger): Promise<INestApplicationContext> {
  @Module({ imports: [LoggingModule.forRoot(logger), NatsRpcModule.forRoot(config)] })
  class GatewayModule {}
  return NestFactory.createApplicationContext(GatewayModule, { logger: false });
}

function envelope<T>(payload: T, correlationId = uniqueTestId('corr')): Envelope<T> {
  const context: RequestContext = { correlationId, actorType: 'system' };
  return { context, payload };
}

async function rejectionOf(promise: Promise<unknown>): Promise<WardenError> {
  const reason = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(reason instanceof WardenError)) throw new Error(`expected a WardenError, got ${String(reason)}`);
  return reason;
}

describe('request-reply over NATS', () => {
  const prefix = uniqueTestId('rpc');
  const serviceLog: Array<Record<string, unknown>> = [];
  const gatewayLog: Array<Record<string, unknown>> = [];
  let service: INestApplication;
  let gateway: INestApplicationContext;
  let client: ServiceClient;

  beforeAll(async () => {
    service = await startService(natsConfig(prefix), capturingLogger(serviceLog));
    gateway = await startGateway(natsConfig(prefix, 1000), capturingLogger(gatewayLog));
    client = gateway.get(ServiceClient);
  });

  afterAll(async () => {
    await gateway?.close();
    await service?.close();
  });

  it('answers a request, with the correlation id in the handler context', async () => {
    const reply = await client.send<{ name: string; correlationId: string }>(
      'users.organizations.create',
      envelope({ name: 'Acme' }, 'req-rt-1'),
    );
    expect(reply).toEqual({ name: 'Acme', correlationId: 'req-rt-1' });
  });

  it('falls back to the envelope correlation id when the NATS header is missing', async () => {
    const connection = await connect({ servers: TEST_NATS_URL });
    try {
      const codec = JSONCodec();
      const packet = {
        pattern: 'users.organizations.create',
        id: 'p1',
        data: envelope({ name: 'Acme' }, 'req-from-envelope'),
      };
      const message = await connection.request(`${prefix}.users.organizations.create`, codec.encode(packet), {
        timeout: 5000,
      });
      expect(codec.decode(message.data)).toMatchObject({ response: { correlationId: 'req-from-envelope' } });
    } finally {
      await connection.close();
    }
  });

  it("answers each request of a burst in Nest's packet format, echoing its id", async () => {
    const connection = await connect({ servers: TEST_NATS_URL });
    try {
      const codec = JSONCodec();
      const inbox = `_INBOX.${uniqueTestId('burst')}`;
      const replies = connection.subscribe(`${inbox}.*`, { max: 50 });
      for (let index = 0; index < 50; index++) {
        const packet = { pattern: 'users.organizations.create', id: `p-${index}`, data: envelope({ name: `org-${index}` }) };
        connection.publish(`${prefix}.users.organizations.create`, codec.encode(packet), { reply: `${inbox}.${index}` });
      }
      const answered: unknown[] = [];
      for await (const reply of replies) {
        const index = reply.subject.slice(inbox.length + 1);
        answered.push(codec.decode(reply.data));
        expect(codec.decode(reply.data)).toEqual({
          response: { name: `org-${index}`, correlationId: expect.any(String) },
          isDisposed: true,
          id: `p-${index}`,
        });
      }
      expect(answered).toHaveLength(50);
    } finally {
      await connection.close();
    }
  });

  it('logs a request that is not JSON and leaves it unanswered', async () => {
    const connection = await connect({ servers: TEST_NATS_URL });
    try {
      const request = connection.request(`${prefix}.users.organizations.create`, new TextEncoder().encode('{"pattern":'), {
        timeout: 500,
      });
      await expect(request).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(serviceLog.some((line) => line['msg'] === 'could not handle a NATS message')).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('matches each reply to its request with many in flight on one connection', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        client.send<{ name: string; correlationId: string }>(
          'users.organizations.create',
          envelope({ name: `org-${index}` }, `req-many-${index}`),
        ),
      ),
    );
    replies.forEach((reply, index) => expect(reply).toEqual({ name: `org-${index}`, correlationId: `req-many-${index}` }));
  });

  it('brings back a WardenError with its code and field errors', async () => {
    const error = await rejectionOf(client.send('users.organizations.refuse', envelope({})));
    expect(error.code).toBe(CommonErrorCode.ValidationFailed);
    expect(error.detail).toBe('Invalid field: settings.serviceExternalLimit');
    expect(error.errors).toEqual([
      { field: 'settings.serviceExternalLimit', message: 'serviceExternalLimit must not be less than 0' },
    ]);
  });

  it('brings back a validation failure of the payload naming the field', async () => {
    const error = await rejectionOf(
      client.send('users.organizations.create', envelope({ name: 42, admin: true })),
    );
    expect(error.code).toBe(CommonErrorCode.ValidationFailed);
    expect(error.errors!.map((fieldError) => fieldError.field).sort()).toEqual(['admin', 'name']);
  });

  it('sends an unexpected error back as internal_error and logs it with the correlation id', async () => {
    const error = await rejectionOf(client.send('users.organizations.crash', envelope({}, 'req-crash')));
    expect(error.code).toBe(CommonErrorCode.Internal);
    expect(error.detail).not.toContain('relation');
    const logged = serviceLog.find(
      (line) => line['msg'] === 'unexpected error' && line['correlationId'] === 'req-crash',
    );
    expect(JSON.stringify(logged?.['err'])).toContain('relation \\"users.organizations\\" does not exist');
  });

  it('fails with service_unavailable when nothing listens on the subject', async () => {
    const error = await rejectionOf(client.send('users.nobody.home', envelope({})));
    expect(error.code).toBe(CommonErrorCode.ServiceUnavailable);
  });

  it('is not answered by a service under another prefix', async () => {
    const otherGateway = await startGateway(natsConfig(uniqueTestId('other')), capturingLogger([]));
    try {
      const error = await rejectionOf(
        otherGateway.get(ServiceClient).send('users.organizations.create', envelope({ name: 'Acme' })),
      );
      expect(error.code).toBe(CommonErrorCode.ServiceUnavailable);
    } finally {
      await otherGateway.close();
    }
  });

  it('fails with upstream_timeout when the handler is slower than the timeout', async () => {
    const started = Date.now();
    const error = await rejectionOf(client.send('users.organizations.slow', envelope({ ms: 4000 })));
    expect(error.code).toBe(CommonErrorCode.UpstreamTimeout);
    // The timeout is 1 s; the bound is generous for a loaded machine, far below the handler's 4 s.
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('waits less for one request when asked, never more than the configured timeout', async () => {
    const shorter = await rejectionOf(client.send('users.organizations.slow', envelope({ ms: 900 }), { timeoutMs: 200 }));
    expect(shorter).toMatchObject({ code: CommonErrorCode.UpstreamTimeout, detail: expect.stringContaining('within 200 ms') });
    const capped = await rejectionOf(client.send('users.organizations.slow', envelope({ ms: 4000 }), { timeoutMs: 60_000 }));
    expect(capped).toMatchObject({ code: CommonErrorCode.UpstreamTimeout, detail: expect.stringContaining('within 1000 ms') });
  });

  it('drops a reply that comes after its request timed out, and answers the next one', async () => {
    const error = await rejectionOf(client.send('users.organizations.slow', envelope({ ms: 1300 })));
    expect(error.code).toBe(CommonErrorCode.UpstreamTimeout);
    await sleep(600); // the late reply arrives meanwhile
    await expect(client.send('users.organizations.create', envelope({ name: 'after' }, 'req-after'))).resolves.toEqual({
      name: 'after',
      correlationId: 'req-after',
    });
  });
});

// Any NATS client (the nats CLI, Go, Python) may ask a subject flagged PLAIN_JSON_REQUESTS
// with a bare JSON body; the requests here are made with the nats client alone, and errors
// read with its own ServiceError, as a NATS service client in another language reads them.
describe('plain JSON requests', () => {
  const prefix = uniqueTestId('plain');
  const serviceLog: Array<Record<string, unknown>> = [];
  let service: INestApplication;
  let connection: Awaited<ReturnType<typeof connect>>;
  const text = new TextEncoder();
  const ask = (subject: string, body: string, correlationId?: string) => {
    const headers = natsHeaders();
    if (correlationId) headers.set('x-correlation-id', correlationId);
    return connection.request(`${prefix}.${subject}`, text.encode(body), { timeout: 5000, headers });
  };
  const json = (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;

  beforeAll(async () => {
    service = await startService(natsConfig(prefix), capturingLogger(serviceLog));
    connection = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    await connection?.close();
    await service?.close();
  });

  it('answers a bare JSON body with the bare value, in the correlation of its header, as an anonymous caller', async () => {
    const reply = await ask('users.organizations.lookup', '{"name": "Acme"}', 'req-plain-1');
    expect(ServiceError.isServiceError(reply)).toBe(false);
    expect(json(reply.data)).toEqual({ name: 'Acme', correlationId: 'req-plain-1', actorType: 'anonymous' });
  });

  it("still answers Nest's packet on the same subject in Nest's format", async () => {
    const packet = { pattern: 'users.organizations.lookup', id: 'p-plain', data: envelope({ name: 'Acme' }, 'req-packet') };
    const reply = await ask('users.organizations.lookup', JSON.stringify(packet));
    expect(json(reply.data)).toEqual({ response: { name: 'Acme', correlationId: 'req-packet', actorType: 'system' }, isDisposed: true, id: 'p-plain' });
  });

  it('answers a body that is not JSON with a malformed_body problem and the NATS service-error headers', async () => {
    for (const body of ['{"name":', '', 'Acme']) {
      const reply = await ask('users.organizations.lookup', body, 'req-plain-malformed');
      expect(ServiceError.toServiceError(reply)).toMatchObject({ code: 400, message: 'The request body must be JSON' });
      expect(json(reply.data)).toMatchObject({ status: 400, code: CommonErrorCode.MalformedBody, correlationId: 'req-plain-malformed' });
    }
  });

  it('answers an invalid body with validation_failed naming each field at fault', async () => {
    for (const [body, fields] of [
      ['{"name": 42, "admin": true}', ['admin', 'name']],
      ['{}', ['name']],
    ] as const) {
      const reply = await ask('users.organizations.lookup', body);
      expect(ServiceError.toServiceError(reply)?.code).toBe(400);
      const problem = json(reply.data) as { code: string; errors: { field: string }[] };
      expect(problem.code).toBe(CommonErrorCode.ValidationFailed);
      expect(problem.errors.map((error) => error.field).sort()).toEqual([...fields]);
    }
    for (const body of ['null', '[1]', '"Acme"']) {
      const reply = await ask('users.organizations.lookup', body);
      expect(json(reply.data)).toMatchObject({ status: 400, code: CommonErrorCode.ValidationFailed });
    }
  });

  it('answers an unexpected failure as a 500 internal_error that says nothing of it, and logs it', async () => {
    const reply = await ask('users.organizations.crash-plainly', '{}', 'req-plain-crash');
    expect(ServiceError.toServiceError(reply)?.code).toBe(500);
    expect(json(reply.data)).toMatchObject({ status: 500, code: CommonErrorCode.Internal });
    expect(new TextDecoder().decode(reply.data)).not.toContain('does not exist');
    expect(serviceLog.some((line) => line['msg'] === 'unexpected error' && line['correlationId'] === 'req-plain-crash')).toBe(true);
  });

  it('leaves a bare body on a subject that is not flagged unanswered', async () => {
    const request = connection.request(`${prefix}.users.organizations.create`, text.encode('{"name": "Acme"}'), { timeout: 500 });
    await expect(request).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('a service behind a queue group', () => {
  it('shares the requests between its instances', async () => {
    const prefix = uniqueTestId('queue');
    const first = await startService(natsConfig(prefix), capturingLogger([]));
    const second = await startService(natsConfig(prefix), capturingLogger([]));
    const gateway = await startGateway(natsConfig(prefix, 5000), capturingLogger([]));
    const answeredBy = new Map<string, number>();
    try {
      // Each request is answered exactly once: a queue group delivers it to one instance.
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          gateway
            .get(ServiceClient)
            .send<{ name: string }>('users.organizations.create', envelope({ name: `org-${index}` })),
        ),
      );
      expect(replies.map((reply) => reply.name).sort()).toEqual(
        Array.from({ length: 40 }, (_, index) => `org-${index}`).sort(),
      );
      for (const app of [first, second]) {
        const connection = app.getMicroservices()[0]!.unwrap<{ stats(): { inMsgs: number } }>();
        answeredBy.set(String(answeredBy.size), connection.stats().inMsgs);
      }
      // NATS picks an instance at random: 40 requests all to one instance is a 2^-39 chance.
      expect([...answeredBy.values()].every((count) => count > 0)).toBe(true);
      expect([...answeredBy.values()].reduce((sum, count) => sum + count, 0)).toBe(40);
    } finally {
      await gateway.close();
      await first.close();
      await second.close();
    }
  });
});

describe('closing a service', () => {
  it('answers the requests it has taken before closing the connection', async () => {
    const prefix = uniqueTestId('drain');
    const service = await startService(natsConfig(prefix), capturingLogger([]));
    const gateway = await startGateway(natsConfig(prefix, 10_000), capturingLogger([]));
    try {
      const handlerStarted = new Promise<void>((resolve) => (slowStarted = resolve));
      const reply = gateway.get(ServiceClient).send('users.organizations.slow', envelope({ ms: 500 }));
      await handlerStarted;
      await service.close();
      await expect(reply).resolves.toEqual({ done: true });
      // Closed: the next request finds no responder.
      expect(
        (
          await rejectionOf(
            gateway.get(ServiceClient).send('users.organizations.create', envelope({ name: 'x' })),
          )
        ).code,
      ).toBe(CommonErrorCode.ServiceUnavailable);
    } finally {
      slowStarted = () => undefined;
      await gateway.close();
    }
  });
});

describe('on a three-node NATS cluster', () => {
  it('rides out the loss of any one node: the gateway and the service reconnect through the node list', async () => {
    const cluster = await startNatsCluster();
    const prefix = uniqueTestId('cluster');
    const service = await startService(natsConfig(prefix, 1000, cluster.url), capturingLogger([]));
    const gateway = await startGateway(natsConfig(prefix, 1000, cluster.url), capturingLogger([]));
    const client = gateway.get(ServiceClient);
    const ask = (name: string) => client.send<{ name: string }>('users.organizations.create', envelope({ name }));
    try {
      await expect(ask('before')).resolves.toMatchObject({ name: 'before' });
      // Each node in turn, so whichever node each connection is on, both lose theirs once.
      for (const [index, node] of cluster.nodes.entries()) {
        await cluster.kill(index);
        await pollUntil(
          () => ask(`without ${node.name}`).then(() => true, () => false),
          `an answer with ${node.name} down`,
          30_000,
          100,
        );
        const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => ask(`${node.name}-${n}`)));
        expect(answers.map((answer) => answer.name)).toEqual(Array.from({ length: 20 }, (_, n) => `${node.name}-${n}`));
        await cluster.start(index);
      }
    } finally {
      await gateway.close();
      await service.close();
      await cluster.dispose();
    }
    // Three restarts, each waiting for the cluster's JetStream meta leader: slow on a loaded machine.
  }, 180_000);
});
