import type { INestApplicationContext } from '@nestjs/common';
import type { WardenLogger } from '../logging/logger';

export interface GracefulShutdownOptions {
  timeoutMs: number;
  logger: WardenLogger;
  signals?: NodeJS.Signals[];
  /** Replaced in tests; process.exit otherwise. */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT, `app.close()`, which in Nest's order: stops the HTTP server (Fastify
 * lets in-flight requests finish), closes the NATS server (drains: requests taken are
 * answered), then runs onApplicationShutdown, where each owner closes its pool. Exits 0
 * when done, or 1 with a log line when it takes longer than `timeoutMs`. Use instead of
 * `app.enableShutdownHooks()`. Returns a function removing the signal handlers.
 */
export function installGracefulShutdown(
  app: INestApplicationContext,
  options: GracefulShutdownOptions,
): () => void {
  const {
    timeoutMs,
    logger,
    signals = ['SIGTERM', 'SIGINT'],
    exit = (code: number) => process.exit(code),
  } = options;
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    shuttingDown = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const forced = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time; exiting anyway');
      logger.flush();
      exit(1);
    }, timeoutMs);

    app.close().then(
      () => {
        clearTimeout(forced);
        logger.info('shut down');
        logger.flush();
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(forced);
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        exit(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
