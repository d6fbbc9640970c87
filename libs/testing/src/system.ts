// Starts the built services (dist/) as real processes, isolated from any other run on the
// same servers: their own database, NATS subject prefix, JetStream stream and Redis prefix.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { deleteRedisPrefix, testRedis, testRedisEnv } from './redis';
import { deleteStreamQuietly, freePort, pollUntil } from './nats';
import { TEST_DATABASE_URL, TEST_NATS_URL, uniqueTestId } from './servers';

export const SERVICE_APPS = ['users-service', 'tokens-service', 'audit-service', 'webhooks-service', 'gateway'] as const;
export type ServiceApp = (typeof SERVICE_APPS)[number];

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.resolve(ROOT, process.env['WARDEN_DIST'] ?? 'dist');

/** The Node flags an app is started with (tools/node-flags.json, shared with tools/start.sh). */
export function nodeFlagsFor(app: ServiceApp): string[] {
  const flags = JSON.parse(readFileSync(path.join(ROOT, 'tools/node-flags.json'), 'utf8')) as Record<string, string[]>;
  return flags[app] ?? flags['default']!;
}

interface RunningApp {
  process: ChildProcess;
  port: number;
  output: string[];
}

export interface RunningSystem {
  gatewayUrl: string;
  /** The super admin of the root organization, created by the users service at first start. */
  admin: { username: string; password: string };
  env: Record<string, string>;
  healthUrl(app: ServiceApp): string;
  /** Everything an app wrote to stdout and stderr, one line per entry. */
  logs(app: ServiceApp): string[];
  kill(app: ServiceApp, signal?: NodeJS.Signals): Promise<void>;
  start(app: ServiceApp): Promise<void>;
  stop(): Promise<void>;
}

function databaseUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function startSystem(extraEnv: Record<string, string> = {}): Promise<RunningSystem> {
  const id = uniqueTestId('e2e');
  const database = `warden_${id}`;
  const stream = `EVENTS_${id.toUpperCase()}`;
  const admin = { username: 'admin', password: `Bootstrap-${randomBytes(12).toString('base64url')}` };
  if (!existsSync(path.join(DIST, 'apps/gateway/src/main.js'))) {
    throw new Error('dist/ is missing: the e2e tier runs the build first (npm run test:e2e)');
  }
  await adminQuery(`CREATE DATABASE ${database}`);
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl(database),
    NATS_URL: TEST_NATS_URL,
    NATS_SUBJECT_PREFIX: id,
    EVENTS_STREAM: stream,
    EVENTS_SUBJECT_PREFIX: `${id}.events`,
    // The tests' Redis, or their Redis Cluster when TEST_REDIS_CLUSTER_NODES names one.
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: `${id}:`,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Generous: the e2e tier shares two cores with everything else; a test of the timeout
    // itself passes its own value in extraEnv.
    NATS_REQUEST_TIMEOUT_MS: '20000',
    BOOTSTRAP_ADMIN_USERNAME: admin.username,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    WEBHOOKS_SECRET_KEY: randomBytes(32).toString('base64'),
    // Receivers in the tests listen on loopback, which a deployment refuses.
    WEBHOOKS_ALLOWED_TARGETS: '127.0.0.1',
    ...extraEnv,
  };
  const apps = new Map<ServiceApp, RunningApp>();

  const start = async (app: ServiceApp) => {
    const port = apps.get(app)?.port ?? (await freePort());
    // one log per app across restarts: a restarted app's lines follow its predecessor's
    const output = apps.get(app)?.output ?? [];
    const child = spawn(process.execPath, [...nodeFlagsFor(app), path.join(DIST, `apps/${app}/src/main.js`)], {
      env: { PATH: process.env.PATH ?? '', ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    apps.set(app, { process: child, port, output });
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${output.join('\n')}`);
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
        return response?.status === 200;
      },
      `${app} to be ready`,
      30_000,
      100,
    );
  };

  const kill = async (app: ServiceApp, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = apps.get(app)?.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };

  const system: RunningSystem = {
    env,
    admin,
    get gatewayUrl() {
      return `http://127.0.0.1:${apps.get('gateway')!.port}/api/v1`;
    },
    healthUrl: (app) => `http://127.0.0.1:${apps.get(app)!.port}/health`,
    logs: (app) => apps.get(app)?.output ?? [],
    kill,
    start,
    async stop() {
      await Promise.all(SERVICE_APPS.map((app) => kill(app)));
      const nc = await connect({ servers: TEST_NATS_URL });
      await deleteStreamQuietly(await nc.jetstreamManager(), stream);
      await nc.close();
      const redis = testRedis();
      await deleteRedisPrefix(redis, `${id}:`);
      redis.disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
  try {
    for (const app of SERVICE_APPS) await start(app);
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}
