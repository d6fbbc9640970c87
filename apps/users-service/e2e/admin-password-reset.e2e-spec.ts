// The bootstrap admin's password lost: `npm run reset-admin-password` (the built script) against
// a running system's database, and the admin logs in with the new one.
import { ApiClient, RunningSystem, startSystem } from '@warden/testing';
import { spawn } from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../..', process.env['WARDEN_DIST'] ?? 'dist', 'apps/users-service/src/bootstrap/reset-admin-password.js');

function reset(env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('resetting a lost bootstrap admin password', () => {
  let system: RunningSystem;
  const login = (password: string) => new ApiClient(system.gatewayUrl).post('/auth/login', { username: system.admin.username, password });

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('takes the new password from stdin, or makes one and shows it once; the old one stops working', async () => {
    const given = await reset({ DATABASE_URL: system.env['DATABASE_URL']! }, 'lantern-copper-orbit-77\n');
    expect(given).toEqual({ code: 0, stdout: "the bootstrap admin's password is changed\n", stderr: '' });
    expect((await login(system.admin.password)).status).toBe(401);
    expect((await login('lantern-copper-orbit-77')).status).toBe(200);

    const generated = await reset({ DATABASE_URL: system.env['DATABASE_URL']! }, '');
    expect(generated.code).toBe(0);
    const password = /new password: (\S+) \(shown once\)/.exec(generated.stdout)?.[1];
    expect(password).toBeDefined();
    expect((await login(password!)).status).toBe(200);
  });

  it('refuses a weak password, and a database without Warden, saying why', async () => {
    const weak = await reset({ DATABASE_URL: system.env['DATABASE_URL']! }, 'admin\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^error: /);
    const elsewhere = await reset({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }, 'lantern-copper-orbit-77');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('there is no bootstrap admin yet');
  });
});
