import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { runWithContext } from './correlation-context';
import { createLogger } from './logger';
import { NestPinoLogger } from './nest-pino-logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return { lines, logger: createLogger({ service: 'users-service', level: 'trace', destination }) };
}

describe('createLogger', () => {
  it('writes JSON lines with the service, level name and time', () => {
    const { lines, logger } = capture();
    logger.info({ organizationId: 'org_1' }, 'organization created');
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'users-service',
      organizationId: 'org_1',
      msg: 'organization created',
    });
    expect(typeof lines[0]!['time']).toBe('string');
  });

  it('adds the correlation id of the current context to every line', async () => {
    const { lines, logger } = capture();
    logger.info('outside');
    await runWithContext({ correlationId: 'req-42' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.warn('inside, after an await');
      logger.child({ component: 'relay' }).info('from a child logger');
    });
    expect(lines[0]).not.toHaveProperty('correlationId');
    expect(lines[1]).toMatchObject({ correlationId: 'req-42', msg: 'inside, after an await' });
    expect(lines[2]).toMatchObject({ correlationId: 'req-42', component: 'relay' });
  });

  it('redacts secrets at any depth up to three levels', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'p1',
        token: 'wdn_abc',
        req: {
          headers: {
            authorization: 'Bearer wdn_abc',
            'x-api-key': 'k1',
            cookie: 'session=1',
            accept: 'application/json',
          },
        },
        body: { credentials: { secret: 's1', clientSecret: 's2' }, name: 'Acme' },
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 'wdn_abc', 'k1', 'session=1', 's1', 's2']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      req: { headers: { authorization: '[redacted]', accept: 'application/json' } },
      body: { name: 'Acme' },
    });
  });
});

describe('NestPinoLogger', () => {
  afterEach(() => Logger.overrideLogger(false));

  it('writes nothing below the logger\'s level', () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    Logger.overrideLogger(new NestPinoLogger(createLogger({ service: 'users-service', level: 'warn', destination })));
    new Logger('RoutesResolver').log('Mapped {/health, GET} route');
    new Logger('InstanceLoader').debug('dependencies initialized');
    new Logger('NestApplication').warn('deprecated option');
    Logger.overrideLogger(false);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', context: 'NestApplication', msg: 'deprecated option' })]);
  });

  it('writes Nest logs as JSON with their context, and errors with their stack', () => {
    const { lines, logger } = capture();
    Logger.overrideLogger(new NestPinoLogger(logger));
    new Logger('RoutesResolver').log('Mapped {/health, GET} route');
    const error = new Error('no pool');
    new Logger('ExceptionsHandler').error(error);
    new Logger('NestApplication').error('failed to start', 'Error: x\n    at main (main.ts:1:1)');
    Logger.overrideLogger(false);

    expect(lines[0]).toMatchObject({
      level: 'info',
      context: 'RoutesResolver',
      msg: 'Mapped {/health, GET} route',
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      context: 'ExceptionsHandler',
      msg: 'no pool',
      err: { message: 'no pool' },
    });
    expect(lines[2]).toMatchObject({
      level: 'error',
      context: 'NestApplication',
      msg: 'failed to start',
      stack: expect.stringContaining('at main'),
    });
  });
});
