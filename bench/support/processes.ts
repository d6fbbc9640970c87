// Processes the benchmark forks or spawns: baseline targets (bench/targets/*.ts, run
// through the same SWC hook as the benchmark) and extra gateway instances of the system.
import { ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunningSystem, freePort, nodeFlagsFor, pollUntil } from '@warden/testing';
import type { BenchOptions } from './options';

const BENCH = path.resolve(__dirname, '..');
export const PROFILES = path.resolve(BENCH, '../tmp/profiles');
const children: ChildProcess[] = [];

const profileArgs = (options: BenchOptions) => (options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []);

/** Forks one of bench/targets/*.ts and waits for it to say it is ready. */
export async function startTarget(options: BenchOptions, file: string, config: Record<string, unknown>): Promise<ChildProcess> {
  const child = forkTarget(options, file, [JSON.stringify(config)]);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
  });
  return child;
}

/** Forks one of bench/targets/*.ts without waiting (it talks over IPC). */
export function forkTarget(options: BenchOptions, file: string, args: string[] = []): ChildProcess {
  const child = fork(path.join(BENCH, 'targets', file), args, {
    execArgv: ['-r', path.join(BENCH, 'support/register-ts.cjs'), ...profileArgs(options)],
    env: { ...process.env, WARDEN_DIST: options.dist },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

export async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

export async function stopAllTargets(): Promise<void> {
  await Promise.all(children.map(stopTarget));
}

// Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux builds for x86 and arm).
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** A process's user and system CPU time in seconds, from /proc/<pid>/stat (fields 14 and 15). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // after the command name in parentheses: state is field 3, utime 14, stime 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export interface GatewayInstance {
  /** `http://127.0.0.1:<port>/api/v1` */
  url: string;
  pid: number;
  /** Resident set size now, in bytes (from /proc). */
  rss(): Promise<number>;
  /** CPU time used so far, user and system, in seconds (from /proc). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * One more gateway process of the running system (its environment, another port): what
 * a second instance behind a load balancer is. Its pid is known, so its RSS can be read.
 */
export async function startGateway(system: RunningSystem, options: BenchOptions, env: Record<string, string> = {}): Promise<GatewayInstance> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlagsFor('gateway'), ...profileArgs(options), path.join(options.dist, 'apps/gateway/src/main.js')], {
    env: { PATH: process.env.PATH ?? '', ...system.env, HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the extra gateway exited with ${child.exitCode}`);
      return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
    },
    'the extra gateway to be ready',
    30_000,
    100,
  );
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    pid: child.pid!,
    rss: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
    },
    cpuSeconds: () => processCpuSeconds(child.pid!),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
