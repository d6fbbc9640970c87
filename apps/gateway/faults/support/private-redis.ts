// A redis-server of the fault tier's own (never the shared one on 6379), with no
// persistence: stopping and starting it again gives an empty Redis, as a crashed cache
// host or a new one would.
import { ChildProcess, spawn } from 'node:child_process';
import { freePort, pollUntil } from '@warden/testing';
import Redis from 'ioredis';

const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BINARY ?? 'redis-server';

export interface PrivateRedisServer {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startPrivateRedisServer(): Promise<PrivateRedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const spawned = spawn(REDIS_SERVER_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = spawned;
    spawned.once('exit', () => {
      if (child === spawned) child = undefined;
    });
    await pollUntil(() => answersPing(url), `redis-server on port ${port}`, 10_000, 50);
  };
  const stop = async () => {
    const running = child;
    if (!running) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();
  return { url, start, stop };
}
