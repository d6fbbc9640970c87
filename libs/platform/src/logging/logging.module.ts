import { DynamicModule, Global, Module } from '@nestjs/common';
import type { WardenLogger } from './logger';

/** Injection token of the app's pino logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/** Makes the app's logger injectable everywhere: `@Inject(APP_LOGGER) logger: WardenLogger`. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger: WardenLogger): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      exports: [APP_LOGGER],
    };
  }
}
