import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import { installGracefulShutdown } from './graceful-shutdown';

// A signal no test runner uses; process.emit calls the handlers without signalling.
const SIGNAL: NodeJS.Signals = 'SIGUSR2';

function fakeApp(close: () => Promise<void>) {
  return { close: jest.fn(close) } as unknown as INestApplicationContext & { close: jest.Mock };
}

describe('installGracefulShutdown', () => {
  const logger = pino({ level: 'silent' });
  let uninstall: () => void = () => undefined;

  afterEach(() => {
    uninstall();
    jest.useRealTimers();
  });

  it('closes the app once and exits 0', async () => {
    const exit = jest.fn();
    const app = fakeApp(async () => undefined);
    uninstall = installGracefulShutdown(app, { timeoutMs: 5000, logger, signals: [SIGNAL], exit });
    process.emit(SIGNAL, SIGNAL);
    process.emit(SIGNAL, SIGNAL);
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when closing outlasts the timeout', () => {
    jest.useFakeTimers();
    const exit = jest.fn();
    const app = fakeApp(() => new Promise<void>(() => undefined));
    uninstall = installGracefulShutdown(app, { timeoutMs: 5000, logger, signals: [SIGNAL], exit });
    process.emit(SIGNAL, SIGNAL);
    jest.advanceTimersByTime(4999);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits 1 when closing fails', async () => {
    const exit = jest.fn();
    uninstall = installGracefulShutdown(
      fakeApp(() => Promise.reject(new Error('pool end failed'))),
      { timeoutMs: 5000, logger, signals: [SIGNAL], exit },
    );
    process.emit(SIGNAL, SIGNAL);
    await new Promise((resolve) => setImmediate(resolve));
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('removes its handlers when uninstalled', () => {
    const before = process.listenerCount(SIGNAL);
    const remove = installGracefulShutdown(
      fakeApp(async () => undefined),
      { timeoutMs: 5000, logger, signals: [SIGNAL], exit: jest.fn() },
    );
    expect(process.listenerCount(SIGNAL)).toBe(before + 1);
    remove();
    expect(process.listenerCount(SIGNAL)).toBe(before);
  });
});
