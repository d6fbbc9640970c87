import pino, { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/config-fragments';
import { currentCorrelationId } from './correlation-context';

export type WardenLogger = Logger;

export interface LoggerOptions {
  /** The app's name, on every line (`gateway`, `users-service`). */
  service: string;
  level: LogLevel;
  /** Where lines go; stdout when absent. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'clientSecret',
  'authorization',
  'cookie',
  'apiKey',
  '"x-api-key"',
];

// fast-redact wildcards cover one level each, so secrets are matched at the top level and
// up to three levels down (`req.headers.authorization`, `body.credentials.password`).
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const tail = key.startsWith('"') ? `[${key}]` : `.${key}`;
  return [key.startsWith('"') ? `[${key}]` : key, `*${tail}`, `*.*${tail}`, `*.*.*${tail}`];
});

export function createLogger(options: LoggerOptions): WardenLogger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      // Every line written while a request is handled carries its correlation id.
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
    },
    options.destination,
  );
}
