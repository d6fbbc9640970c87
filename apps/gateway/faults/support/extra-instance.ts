// A second instance of an app, beside the one startSystem runs, on the same database,
// subjects and Redis prefix: the gateway reaches either through NATS queue groups.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { RunningSystem, ServiceApp, freePort, nodeFlagsFor, pollUntil } from '@warden/testing';

const ROOT = path.resolve(__dirname, '../../../..');
const DIST = path.resolve(ROOT, process.env['WARDEN_DIST'] ?? 'dist');

export interface ExtraInstance {
  app: ServiceApp;
  port: number;
  healthUrl: string;
  /** The gateway instance's API base URL (meaningful for the gateway only). */
  apiUrl: string;
  /** Everything it wrote to stdout and stderr, one line per entry. */
  logs(): string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting for an exit (SIGSTOP, SIGCONT); nothing once it exited. */
  signal(signal: NodeJS.Signals): void;
}

export async function startExtraInstance(system: RunningSystem, app: ServiceApp): Promise<ExtraInstance> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [...nodeFlagsFor(app), path.join(DIST, `apps/${app}/src/main.js`)], {
    env: { PATH: process.env.PATH ?? '', ...system.env, HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const healthUrl = `http://127.0.0.1:${port}/health`;
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`a second ${app} exited with ${child.exitCode}:\n${output.join('\n')}`);
      return (await fetch(`${healthUrl}/ready`).catch(() => undefined))?.status === 200;
    },
    `a second ${app} to be ready`,
    30_000,
    100,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    app,
    port,
    healthUrl,
    apiUrl: `http://127.0.0.1:${port}/api/v1`,
    logs: () => output,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
