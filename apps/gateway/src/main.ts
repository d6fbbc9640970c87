import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { hardenedFastifyAdapter } from '@warden/runtime';
import { NestPinoLogger, bootConfig, createLogger, installGracefulShutdown } from '@warden/platform';
import { configureGateway, publishApiDescription } from './gateway-app';
import { gatewayConfigSchema, publicBaseUrlOf, trustProxyOf } from './gateway-config';
import { GatewayModule } from './gateway.module';

async function main(): Promise<void> {
  const config = bootConfig(gatewayConfigSchema);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const adapter = hardenedFastifyAdapter({ bodyLimit: config.HTTP_BODY_LIMIT_BYTES, trustProxy: trustProxyOf(config), skipMiddie: true });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, logger), adapter, {
    bufferLogs: true,
  });
  app.useLogger(new NestPinoLogger(logger));
  configureGateway(app, logger, publicBaseUrlOf(config));
  await app.init();
  await publishApiDescription(app);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  installGracefulShutdown(app, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, logger });
  logger.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}/api/v1`, docs: `http://${config.HTTP_HOST}:${config.HTTP_PORT}/docs` }, 'gateway started');
}

void main();
