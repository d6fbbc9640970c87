import { LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { EnvReader } from '../shared/env';
import { ProblemFilter } from '../shared/problem';
import { CONNECT_HMAC_KEYS, ConnectWebhookController } from './connect-webhook.controller';
import { RecordsClient } from './records-client';

// The webhook processor of the example: receives DocuSign Connect notifications and records
// each envelope's status through the records API, as the external service account whose
// Warden API token it holds.

export interface WebhookProcessorConfig {
  host: string;
  port: number;
  /** The Connect HMAC keys in use (several while DocuSign-side keys are rotated). */
  connectHmacKeys: string[];
  recordsApiUrl: string;
  /** The external service account's Warden API token (`wdn_p_...`). */
  recordsApiToken: string;
  recordsApiTimeoutMs: number;
}

export function webhookProcessorConfig(env: NodeJS.ProcessEnv): WebhookProcessorConfig {
  const read = new EnvReader(env);
  const config = {
    host: read.string('WEBHOOKS_HTTP_HOST', '127.0.0.1'),
    port: read.port('WEBHOOKS_HTTP_PORT', 4200),
    connectHmacKeys: read.secrets('DOCUSIGN_CONNECT_HMAC_KEYS'),
    recordsApiUrl: read.url('RECORDS_API_URL', 'http://127.0.0.1:4100'),
    recordsApiToken: read.string('RECORDS_API_TOKEN'),
    recordsApiTimeoutMs: 5000,
  };
  read.done();
  return config;
}

// Connect sends documents inline when configured to; a notification this large is not ours.
const BODY_LIMIT_BYTES = 1024 * 1024;

export async function createWebhookProcessor(
  config: Omit<WebhookProcessorConfig, 'host' | 'port'>,
  logger: LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<NestFastifyApplication> {
  @Module({
    controllers: [ConnectWebhookController],
    providers: [
      { provide: CONNECT_HMAC_KEYS, useValue: [...config.connectHmacKeys] },
      {
        provide: RecordsClient,
        useValue: new RecordsClient({ baseUrl: config.recordsApiUrl, apiToken: config.recordsApiToken, timeoutMs: config.recordsApiTimeoutMs }),
      },
    ],
  })
  class WebhookProcessorModule {}

  const app = await NestFactory.create<NestFastifyApplication>(WebhookProcessorModule, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }), {
    logger,
    bodyParser: false,
  });
  // The HMAC is over the exact bytes Connect sent: keep every body as a Buffer, unparsed.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.useGlobalFilters(new ProblemFilter());
  return app;
}
