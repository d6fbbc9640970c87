import { LogLevel, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { WardenAuthModule } from '@warden/token-verifier';
import { EnvReader } from '../shared/env';
import { Problem, ProblemFilter } from '../shared/problem';
import { EnvelopeRecordsController } from './envelope-records.controller';
import { EnvelopeRecordsStore } from './envelope-records.store';

// The "records" API of the example: the customer's own service, which keeps envelope
// statuses and lets in only callers that Warden vouches for (the verifier reads Warden's
// Redis read model directly; there is no call to Warden's gateway per request).

export interface RecordsApiConfig {
  host: string;
  port: number;
  /** Warden's Redis and the deployment's REDIS_KEY_PREFIX. */
  wardenRedisUrl: string;
  wardenKeyPrefix: string;
}

export function recordsApiConfig(env: NodeJS.ProcessEnv): RecordsApiConfig {
  const read = new EnvReader(env);
  const config = {
    host: read.string('RECORDS_HTTP_HOST', '127.0.0.1'),
    port: read.port('RECORDS_HTTP_PORT', 4100),
    wardenRedisUrl: read.url('WARDEN_REDIS_URL'),
    wardenKeyPrefix: read.string('WARDEN_REDIS_KEY_PREFIX', 'warden:'),
  };
  read.done();
  return config;
}

export async function createRecordsApi(
  config: Pick<RecordsApiConfig, 'wardenRedisUrl' | 'wardenKeyPrefix'>,
  logger: LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<NestFastifyApplication> {
  @Module({
    imports: [WardenAuthModule.forRoot({ redisUrl: config.wardenRedisUrl, keyPrefix: config.wardenKeyPrefix })],
    controllers: [EnvelopeRecordsController],
    providers: [EnvelopeRecordsStore],
  })
  class RecordsApiModule {}

  const app = await NestFactory.create<NestFastifyApplication>(RecordsApiModule, new FastifyAdapter({ bodyLimit: 16 * 1024 }), { logger });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) =>
        new Problem(400, 'validation_failed', `Invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.property).join(', ')}`, {
          errors: errors.flatMap((e) => Object.values(e.constraints ?? {}).map((message) => ({ field: e.property, message }))),
        }),
    }),
  );
  return app;
}
