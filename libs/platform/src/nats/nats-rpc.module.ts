import { DynamicModule, INestApplication, INestMicroservice, Module } from '@nestjs/common';
import type { CustomStrategy } from '@nestjs/microservices';
import { NatsConfig, natsServers } from '../config/config-fragments';
import type { WardenLogger } from '../logging/logger';
import { APP_LOGGER } from '../logging/logging.module';
import { NATS_REQUEST_TIMEOUT_MS, ServiceClient } from './service-client';
import { WardenNatsClient } from './warden-nats-client';
import { WardenNatsServer } from './warden-nats-server';

export interface NatsServiceOptions {
  /** On shutdown, how long requests already taken may take to answer. */
  drainTimeoutMs?: number;
}

/**
 * Request-reply over NATS. `forRoot` gives the gateway a ServiceClient; `forService`
 * gives a service its WardenNatsServer, to connect with `connectNatsMicroservice(app)`.
 * Both need LoggingModule.forRoot in the app.
 */
@Module({})
export class NatsRpcModule {
  static forRoot(config: NatsConfig, connectionName = 'gateway'): DynamicModule {
    return {
      module: NatsRpcModule,
      providers: [
        {
          provide: WardenNatsClient,
          useFactory: () =>
            new WardenNatsClient(config.NATS_SUBJECT_PREFIX, {
              servers: natsServers(config),
              name: connectionName,
              maxReconnectAttempts: -1,
            }),
        },
        { provide: NATS_REQUEST_TIMEOUT_MS, useValue: config.NATS_REQUEST_TIMEOUT_MS },
        ServiceClient,
      ],
      exports: [ServiceClient, NATS_REQUEST_TIMEOUT_MS],
    };
  }

  static forService(
    config: NatsConfig,
    serviceName: string,
    options: NatsServiceOptions = {},
  ): DynamicModule {
    return {
      module: NatsRpcModule,
      providers: [
        {
          provide: WardenNatsServer,
          inject: [APP_LOGGER],
          useFactory: (logger: WardenLogger) => createNatsServer(config, serviceName, logger, options),
        },
      ],
      exports: [WardenNatsServer],
    };
  }
}

/** For `app.connectMicroservice(options, { inheritAppConfig: true })` without the module. */
export function createNatsMicroserviceOptions(
  config: NatsConfig,
  serviceName: string,
  logger: WardenLogger,
  options: NatsServiceOptions = {},
): CustomStrategy {
  return { strategy: createNatsServer(config, serviceName, logger, options) };
}

/**
 * Connects the service's NATS server (from NatsRpcModule.forService) to the HTTP app.
 * The app's global filter and pipes apply to message handlers too (`inheritAppConfig`),
 * which is how a WardenError thrown by a handler travels back as its ErrorPayload.
 */
export function connectNatsMicroservice(app: INestApplication): INestMicroservice {
  return app.connectMicroservice({ strategy: app.get(WardenNatsServer) }, { inheritAppConfig: true });
}

function createNatsServer(
  config: NatsConfig,
  serviceName: string,
  logger: WardenLogger,
  options: NatsServiceOptions,
): WardenNatsServer {
  return new WardenNatsServer({
    servers: natsServers(config),
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    queue: serviceName,
    name: serviceName,
    logger,
    drainTimeoutMs: options.drainTimeoutMs,
  });
}
