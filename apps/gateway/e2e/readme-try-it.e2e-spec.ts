// README.md's "Try it" block, run as written with bash against a started system and its
// bootstrap admin, so that the quick start cannot drift from what the API does.
import { RunningSystem, startSystem } from '@warden/testing';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const README = path.resolve(__dirname, '../../../README.md');

/** The first ```bash block after a heading. */
function fencedBlockAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(markdown.slice(at));
  if (!block) throw new Error(`no bash block after "${heading}"`);
  return block[1]!;
}

function runBash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // stdin from /dev/null: on a socket (Node's default pipe) Debian's bash takes itself for a remote shell and reads bashrc
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("README.md's Try it", () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('runs as written: the tenant, its super admin, a service account, its token, verified', async () => {
    const block = fencedBlockAfter(readFileSync(README, 'utf8'), '### Try it');
    const run = await runBash(block, {
      WARDEN: new URL(system.gatewayUrl).origin,
      ADMIN_PASSWORD: system.admin.password,
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    // each command's answer, one JSON document after another
    const answers = run.stdout
      .replace(/\}\s*\{/g, '}\n\u0000{')
      .split('\n\u0000')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    const [superAdmin, introspection, whoami, organizations, audit, problem] = answers;
    expect(answers).toHaveLength(6);
    expect(superAdmin).toMatchObject({
      username: 'alice@acme',
      roles: ['WARDEN_SUPER_ADMIN'],
      status: 'active',
    });
    expect(introspection).toMatchObject({
      active: true,
      token_type: 'api_token',
      organization_id: superAdmin!['organization_id'],
    });
    expect(whoami).toMatchObject({ account_type: 'service_external', credential: { kind: 'api_token' } });
    expect(organizations).toMatchObject({
      pagination: { total: 2 },
      results: expect.arrayContaining([expect.objectContaining({ name: 'Acme' })]),
    });
    expect(audit).toMatchObject({ results: expect.any(Array), next_cursor: null });
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(new Set((problem!['errors'] as { field: string }[]).map((error) => error.field))).toEqual(
      new Set(['account_type', 'roles', 'username']),
    );
  });

  it('stops at once, saying why, without the admin password', async () => {
    const block = fencedBlockAfter(readFileSync(README, 'utf8'), '### Try it');
    const run = await runBash(block, { WARDEN: new URL(system.gatewayUrl).origin });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('export ADMIN_PASSWORD');
    expect(run.stdout).toBe('');
  });
});
