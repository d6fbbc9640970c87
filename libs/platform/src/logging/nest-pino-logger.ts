import { LoggerService } from '@nestjs/common';
import type { WardenLogger } from './logger';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const STACK_TRACE = /\n\s+at /;

/**
 * Nest's own logs (bootstrap, routes, microservice status, unhandled exceptions) written
 * as JSON lines through the app's pino logger: `app.useLogger(new NestPinoLogger(logger))`.
 * Nest calls `log(message, context)` and `error(message, stack, context)`, where the
 * context is the last argument and the stack is present only on errors.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: WardenLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    // Nothing is picked apart for a line the level leaves out.
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (
      rest.length > 0 &&
      typeof rest[rest.length - 1] === 'string' &&
      !STACK_TRACE.test(rest[rest.length - 1] as string)
    ) {
      fields['context'] = rest.pop();
    }
    const stack = rest.find((param): param is string => typeof param === 'string' && STACK_TRACE.test(param));
    if (stack) fields['stack'] = stack;

    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
