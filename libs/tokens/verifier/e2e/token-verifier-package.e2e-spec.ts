// The verifier as an integrator gets it: the package staged by tools/pack-library.mjs and
// packed by `npm pack`, installed into a fresh NestJS app in a temporary folder outside the
// repository (every other dependency from the npm registry), the app and the package
// README's examples checked with `tsc --strict`, and the app run against the four services
// in both modes: direct Redis, and the gateway's HTTP introspection.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, RunningSystem, freePort, pollUntil, startSystem } from '@warden/testing';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const STRONG = 'ledger-quartz-meadow-58';

interface Token {
  id: string;
  token: string;
}
interface Principal {
  userId: string;
  credential: { id: string; kind: string };
}

let work: string;
let app: string;
let system: RunningSystem;
let tenantAdmin: ApiClient;
// The scratch app is not Warden: its answers are not in Warden's API description.
const NOT_WARDEN = { checkAnswers: false };
let writerId: string;
/** This service's own credential for the introspection mode: a token of the tenant's internal account. */
let serviceToken: Token;
/** Verified in both modes, which must see the same principal. */
let shared: Token;
const principals: Record<string, Principal> = {};
/** 'compiled', or why the scratch app did not compile. */
let compiled: Promise<string>;

// npm's own variables of an enclosing `npm test` would steer the scratch app's npm.
const childEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  ...extra,
});

async function sh(file: string, args: string[], cwd: string, timeout = 300_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env: childEnv(), timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

const workspaceVersion = async (name: string) => {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
};

// The typed examples of the package README, each a module of its own.
async function readmeExamples(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, 'libs/tokens/verifier/README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

const MAIN = `import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RequirePermission, WardenAuthGuard, WardenAuthModule, WardenPrincipal, type PrincipalView, type WardenVerifierOptions } from '@warden/token-verifier';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set');
  return value;
}

const options: WardenVerifierOptions = process.env['WARDEN_INTROSPECTION_URL']
  ? { introspection: { url: env('WARDEN_INTROSPECTION_URL'), credential: env('WARDEN_API_TOKEN') } }
  : { redisUrl: env('WARDEN_REDIS_URL'), keyPrefix: env('WARDEN_KEY_PREFIX') };

@Controller('records')
@UseGuards(WardenAuthGuard)
class RecordsController {
  @Get('caller')
  @RequirePermission('records:write')
  caller(@WardenPrincipal() caller: PrincipalView): PrincipalView {
    return caller;
  }
}

@Module({ imports: [WardenAuthModule.forRoot(options)], controllers: [RecordsController] })
class RecordsModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(RecordsModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(env('PORT')), '127.0.0.1');
}
void main();
`;

async function createScratchApp(tarball: string): Promise<void> {
  await mkdir(path.join(app, 'src/readme'), { recursive: true });
  const pinned = async (name: string) => [name, await workspaceVersion(name)] as const;
  const dependencies = Object.fromEntries([
    ['@warden/token-verifier', `file:${tarball}`],
    await pinned('@nestjs/common'),
    await pinned('@nestjs/core'),
    await pinned('reflect-metadata'),
    await pinned('rxjs'),
    await pinned('fastify'),
    ['@nestjs/platform-express', '^11'],
    ['express', '^5'],
  ]);
  const devDependencies = Object.fromEntries([await pinned('typescript'), await pinned('@types/node'), ['@types/express', '^5']]);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'records-api', private: true, dependencies, devDependencies }, null, 2));
  // A NestJS app's compiler options, strict, and checking the declarations of every package.
  const compilerOptions = {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'ES2023',
    strict: true,
    skipLibCheck: false,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    isolatedModules: true,
    outDir: 'dist',
    rootDir: 'src',
    types: ['node'],
  };
  await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  await writeFile(path.join(app, 'src/main.ts'), MAIN);
  const examples = await readmeExamples();
  await Promise.all(examples.map((code, index) => writeFile(path.join(app, `src/readme/example-${index + 1}.ts`), code)));
}

/** The scratch app running in one mode, until stopped. */
async function startApp(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], { cwd: app, env: childEnv({ ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the scratch app exited with ${child.exitCode}:\n${output.join('')}`);
      return (await fetch(`${url}/records/caller`).catch(() => undefined)) !== undefined;
    },
    'the scratch app to listen',
    30_000,
    100,
  );
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM'); // its shutdown hooks write the last uses still pending
      await exited;
    },
  };
}

async function issue(userId: string, name: string): Promise<Token> {
  const issued = await tenantAdmin.post<Token>('/tokens', { user_id: userId, name });
  expect(issued.status).toBe(201);
  return issued.body;
}

async function serviceAccount(username: string, body: Record<string, unknown>): Promise<string> {
  const created = await tenantAdmin.post<{ id: string }>('/users', { username, password: 'envelope-status-updater-9', ...body });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'warden-verifier-package-'));
  app = path.join(work, 'records-api');
  await sh(process.execPath, [path.join(ROOT, 'tools/pack-library.mjs'), 'libs/tokens/verifier', '--out', path.join(work, 'stage')], ROOT);
  const packed = JSON.parse(await sh('npm', ['pack', path.join(work, 'stage'), '--pack-destination', work, '--json'], work)) as [{ filename: string }];
  await createScratchApp(path.join(work, packed[0].filename));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app, 540_000);
  // Compiled (and so type-checked) here, since both modes run the result; the first test reports it.
  compiled = sh(path.join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--strict'], app).then(
    () => 'compiled',
    (error: Error) => error.message,
  );
  await compiled;

  system = await startSystem({ TOKEN_USE_FLUSH_INTERVAL_MS: '200', TOKEN_LAST_USED_FLUSH_MS: '100' });
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Records Corp' });
  expect(tenant.status).toBe(201);
  const admin = await platformAdmin.post('/users', { username: 'admin@records', account_type: 'user', password: STRONG, organization: tenant.body.id, roles: ['WARDEN_SUPER_ADMIN'] });
  expect(admin.status).toBe(201);
  tenantAdmin = await ApiClient.login(system.gatewayUrl, 'admin@records', STRONG);
  const role = await tenantAdmin.post('/roles', { name: 'RECORDS_WRITER', display_name: 'Records writer', permissions: ['records:write'], access_scope: 'organization' });
  expect(role.status).toBe(201);
  writerId = await serviceAccount('writer@records', { account_type: 'service_external', roles: ['RECORDS_WRITER'] });
  serviceToken = await issue(await serviceAccount('records-api@records', { account_type: 'service_internal' }), 'records API introspection');
  shared = await issue(writerId, 'writer (both modes)');
}, 900_000);

afterAll(async () => {
  await system?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('@warden/token-verifier, packed and installed alone', () => {
  it('ships its declarations: the app and the README examples pass tsc --strict', async () => {
    expect((await readmeExamples()).length).toBeGreaterThanOrEqual(4);
    expect(await compiled).toBe('compiled');
  });

  it('brings the workspace libraries it needs inside itself', async () => {
    expect(await readdir(path.join(app, 'node_modules/@warden'))).toEqual(['token-verifier']);
    const installed = path.join(app, 'node_modules/@warden/token-verifier');
    expect(await readdir(path.join(installed, 'libs'))).toEqual(expect.arrayContaining(['contracts', 'tokens']));
  });

  const modes: Array<[string, () => Record<string, string>]> = [
    ['direct Redis', () => ({ WARDEN_REDIS_URL: system.env.REDIS_URL!, WARDEN_KEY_PREFIX: system.env.REDIS_KEY_PREFIX! })],
    ['HTTP introspection', () => ({ WARDEN_INTROSPECTION_URL: `${system.gatewayUrl}/tokens/verify`, WARDEN_API_TOKEN: serviceToken.token })],
  ];

  describe.each(modes)('in the %s mode', (mode, env) => {
    let records: { url: string; stop(): Promise<void> };
    let writer: Token;
    const callAs = (key?: string) =>
      new ApiClient(records.url, key === undefined ? undefined : { header: 'x-api-key', key }, NOT_WARDEN).get<Principal & { code?: string }>('/records/caller');

    beforeAll(async () => {
      writer = await issue(writerId, `writer (${mode})`);
      records = await startApp(env());
    });

    afterAll(async () => {
      await records?.stop();
    });

    it('lets in a real token holding the permission, with its principal', async () => {
      const answer = await callAs(writer.token);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ userId: writerId, credential: { kind: 'api_token', id: writer.id } });
      principals[mode] = (await callAs(shared.token)).body;
    });

    it('refuses no credential and a forged one with 401, and a token without the permission with 403', async () => {
      expect((await callAs()).status).toBe(401);
      // The last (checksum) character changed, to one it is not.
      const forged = writer.token.slice(0, -1) + (writer.token.endsWith('x') ? 'y' : 'x');
      expect((await callAs(forged)).body).toMatchObject({ status: 401, code: 'unauthenticated' });
      const reader = await serviceAccount(`reader-${mode.replace(/\W/g, '')}@records`, { account_type: 'service_external' });
      expect((await callAs((await issue(reader, 'no permission')).token)).body).toMatchObject({ status: 403, code: 'forbidden' });
    });

    it("records the token's last use, as the gateway does", async () => {
      await pollUntil(async () => (await tenantAdmin.get<{ last_used_at: string | null }>(`/tokens/${writer.id}`)).body.last_used_at !== null, 'the last use to be recorded', 20_000, 100);
    });

    it('refuses a token from the moment its revoke answered', async () => {
      expect((await tenantAdmin.post(`/tokens/${writer.id}/revoke`)).status).toBe(200);
      expect((await callAs(writer.token)).status).toBe(401);
    });
  });

  it("answers 503, never 401, while Warden refuses the introspection mode's own credential", async () => {
    const refusedCredential = await issue(writerId, 'revoked before use');
    expect((await tenantAdmin.post(`/tokens/${refusedCredential.id}/revoke`)).status).toBe(200);
    const records = await startApp({ WARDEN_INTROSPECTION_URL: `${system.gatewayUrl}/tokens/verify`, WARDEN_API_TOKEN: refusedCredential.token });
    try {
      const valid = await issue(writerId, 'valid');
      const answer = await new ApiClient(records.url, { header: 'x-api-key', key: valid.token }, NOT_WARDEN).get('/records/caller');
      expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    } finally {
      await records.stop();
    }
  });

  it('loads its Fastify entry without loading NestJS', async () => {
    const probe = `const entry = require('@warden/token-verifier/fastify');
const nest = Object.keys(require.cache).filter((file) => file.includes('/@nestjs/'));
console.log(JSON.stringify({ hook: typeof entry.wardenFastifyHook, verifier: typeof entry.createWardenVerifier, guard: typeof entry.WardenAuthGuard, nest }));`;
    const loaded = JSON.parse(await sh(process.execPath, ['-e', probe], app)) as Record<string, unknown>;
    expect(loaded).toEqual({ hook: 'function', verifier: 'function', guard: 'undefined', nest: [] });
  });

  it('sees the same principal in both modes', () => {
    const [redis, http] = modes.map(([mode]) => principals[mode]);
    expect(redis).toMatchObject({ userId: writerId, credential: { id: shared.id } });
    expect(http).toEqual(redis);
  });
});
