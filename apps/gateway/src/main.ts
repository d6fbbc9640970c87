import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  NestPinoLogger,
  ProblemDetailsFilter,
  bootConfig,
  createLogger,
  installGracefulShutdown,
  registerCorrelationId,
  validationPipe,
} from '@warden/platform';
import { AuthenticationGuard } from './auth/authentication.guard';
import { gatewayConfigSchema } from './gateway-config';
import { GatewayModule } from './gateway.module';

async function main(): Promise<void> {
  const config = bootConfig(gatewayConfigSchema);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const adapter = new FastifyAdapter({ bodyLimit: config.HTTP_BODY_LIMIT_BYTES, trustProxy: false });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, logger), adapter, {
    bufferLogs: true,
  });
  app.useLogger(new NestPinoLogger(logger));
  registerCorrelationId(app.getHttpAdapter().getInstance());
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'health/live', 'health/ready'] });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  app.useGlobalPipes(validationPipe());
  // Every route but login and health needs a credential (auth/public-routes.ts).
  app.useGlobalGuards(app.get(AuthenticationGuard));
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  installGracefulShutdown(app, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, logger });
  logger.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}/api/v1` }, 'gateway started');
}

void main();
