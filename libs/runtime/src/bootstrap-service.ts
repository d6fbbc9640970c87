import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceName } from '@warden/contracts';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  NatsRpcModule,
  NestPinoLogger,
  ProblemDetailsFilter,
  WardenLogger,
  bootConfig,
  collectProcessMetrics,
  connectNatsMicroservice,
  createLogger,
  installGracefulShutdown,
  registerHttpMetrics,
} from '@warden/platform';
import { hardenedFastifyAdapter } from './http-hardening';
import { ServiceConfig, serviceConfigSchema } from './service-config';
import { ServiceInfrastructure } from './service-infrastructure';

export const SERVICE_INFRASTRUCTURE = Symbol('SERVICE_INFRASTRUCTURE');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

class InfrastructureLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_INFRASTRUCTURE) private readonly infrastructure: ServiceInfrastructure) {}

  // Runs after Nest has closed HTTP and drained the NATS request subscriptions.
  async onApplicationShutdown(): Promise<void> {
    await this.infrastructure.close();
  }
}

/** Makes the instance's connections injectable everywhere in the service. */
@Global()
@Module({})
export class ServiceInfrastructureModule {
  static forRoot(infrastructure: ServiceInfrastructure): DynamicModule {
    const providers = [
      { provide: SERVICE_INFRASTRUCTURE, useValue: infrastructure },
      { provide: SERVICE_CONFIG, useValue: infrastructure.options.config },
      ...(infrastructure.store ? [{ provide: EVENT_STORE, useValue: infrastructure.store }] : []),
      InfrastructureLifecycle,
    ];
    return {
      module: ServiceInfrastructureModule,
      providers,
      exports: providers.filter((p) => p !== InfrastructureLifecycle),
    };
  }
}

export interface BootstrapServiceOptions {
  service: ServiceName;
  /** Name of the app, as in logs and the NATS queue group (`users-service`). */
  appName: string;
  schema: string;
  eventLog: boolean;
  defaultHttpPort: number;
  /** The service's own module, given its connections. */
  module: (infrastructure: ServiceInfrastructure, logger: WardenLogger) => DynamicModule;
}

/**
 * Boots a back-end service: validated config, JSON logs, its connections, then a Nest app
 * serving `/health` and `/metrics` over HTTP and its commands and queries over NATS, with graceful shutdown.
 */
export async function bootstrapService(options: BootstrapServiceOptions): Promise<NestFastifyApplication> {
  const config: ServiceConfig = bootConfig(serviceConfigSchema(options.defaultHttpPort));
  const logger = createLogger({ service: options.appName, level: config.LOG_LEVEL });
  try {
    const infrastructure = await ServiceInfrastructure.start({
      service: options.service,
      schema: options.schema,
      config,
      logger,
      eventLog: options.eventLog,
    });
    @Module({
      imports: [
        LoggingModule.forRoot(logger),
        ServiceInfrastructureModule.forRoot(infrastructure),
        NatsRpcModule.forService(config, options.appName),
        HealthModule.forRoot({ useFactory: () => infrastructure.healthChecks() }),
        MetricsModule,
        options.module(infrastructure, logger),
      ],
    })
    class ServiceRootModule {}

    const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, hardenedFastifyAdapter(), {
      bufferLogs: true,
    });
    app.useLogger(new NestPinoLogger(logger));
    collectProcessMetrics(options.appName);
    registerHttpMetrics(app.getHttpAdapter().getInstance());
    app.useGlobalFilters(new ProblemDetailsFilter(logger));
    connectNatsMicroservice(app);
    await app.startAllMicroservices();
    await app.listen(config.HTTP_PORT, config.HTTP_HOST);
    installGracefulShutdown(app, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, logger });
    logger.info({ port: config.HTTP_PORT }, `${options.appName} started`);
    return app;
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? error.message : String(error) }, `${options.appName} failed to start`);
    logger.flush();
    process.exit(1);
  }
}
