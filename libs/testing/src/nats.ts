// NATS helpers for integration tests: a private nats-server that a test may stop and
// start again (never the shared one on 4222), the process handle the cluster helper shares,
// and cleanup of a test's stream.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JetStreamManager } from 'nats';

const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? '/usr/sbin/nats-server';

export interface PrivateNatsServer {
  readonly url: string;
  readonly port: number;
  /** JetStream storage; kept across stop/start so streams and consumers survive. */
  readonly storeDir: string;
  /** Stops the process (SIGTERM) and waits until the port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'warden-nats-'));
  const server = natsServerProcess(['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], port);
  await server.start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start: server.start,
    stop: () => server.stop('SIGTERM'),
    dispose: async () => {
      await server.stop('SIGTERM');
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** One `nats-server` child process that can be stopped (or killed) and started again with the same arguments. */
export interface NatsServerProcess {
  readonly port: number;
  running(): boolean;
  /** Starts it (if not running) and waits until its client port accepts connections. */
  start(): Promise<void>;
  /** Sends `signal` and waits until the process has exited and its port is closed. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

// Servers a test forgot to stop would outlive the test process: they are killed when it exits.
const liveServers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveServers) child.kill('SIGKILL');
});

export function natsServerProcess(args: readonly string[], port: number): NatsServerProcess {
  let child: ChildProcess | undefined;
  return {
    port,
    running: () => child !== undefined,
    async start() {
      if (child) return;
      const spawned = spawn(NATS_SERVER_BINARY, args, { stdio: 'ignore' });
      child = spawned;
      liveServers.add(spawned);
      spawned.once('exit', () => {
        liveServers.delete(spawned);
        if (child === spawned) child = undefined;
      });
      await pollUntil(() => portOpen(port), `nats-server on port ${port} to accept connections`);
    },
    async stop(signal) {
      const running = child;
      if (!running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
      child = undefined;
      await pollUntil(async () => !(await portOpen(port)), `port ${port} to close`);
    },
  };
}

/** Deletes a test's stream (and so its consumers); a missing stream is fine. */
export async function deleteStreamQuietly(jsm: JetStreamManager, stream: string): Promise<void> {
  await jsm.streams.delete(stream).catch(() => undefined);
}

/** Polls `condition` until true, or fails after `timeoutMs` naming what it waited for. */
export async function pollUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
