// tools/ensure-servers.sh, run first by `npm start` and `npm test`: where a server is
// neither running nor installed, it stops at once with one message naming what is missing
// and how to get it. Run on a PATH holding only the shell tools it needs (no server, no
// client), against ports nothing listens on.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@warden/testing';

const SCRIPT = path.resolve(__dirname, 'ensure-servers.sh');
const SHELL_TOOLS = ['bash', 'seq', 'sort', 'ls', 'tail', 'grep', 'dirname', 'cat'];
let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(path.join(tmpdir(), 'ensure-servers-'));
  const { stdout } = await promisify(execFile)('bash', ['-c', `command -v ${SHELL_TOOLS.join(' ')}`]);
  await Promise.all(stdout.trim().split('\n').map((tool) => symlink(tool, path.join(bin, path.basename(tool)))));
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

async function ensureServers(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(bin, 'bash'), [SCRIPT], { env: { PATH: bin, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('ensure-servers.sh', () => {
  it('names every server neither running nor installed, with the packages and the compose services to get them, and starts nothing', async () => {
    const [postgres, redis, nats] = [await freePort(), await freePort(), await freePort()];
    const run = await ensureServers({
      TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${postgres}/warden_test`,
      TEST_REDIS_URL: `redis://127.0.0.1:${redis}`,
      TEST_NATS_URL: `nats://127.0.0.1:${nats}`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`PostgreSQL (port ${postgres}), Redis (port ${redis}), NATS with JetStream (port ${nats})`);
    expect(run.stderr).toContain('apt-get install postgresql redis-server nats-server');
    expect(run.stderr).toContain('docker compose up -d --wait postgres redis nats');
    expect(run.stderr).toContain('TEST_DATABASE_URL=postgres://postgres:warden@127.0.0.1:5432/warden_test');
    expect(run.stderr).not.toContain('starting');
  });

  it('names only the one missing when the others answer', async () => {
    const nats = await freePort();
    // PostgreSQL and Redis are the test servers, up; without their clients an open port tells.
    const run = await ensureServers({ TEST_NATS_URL: `nats://127.0.0.1:${nats}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`installed where this script can start it: NATS with JetStream (port ${nats}).`);
    expect(run.stderr).toContain('apt-get install nats-server)');
    expect(run.stderr).toContain('docker compose up -d --wait nats\n');
    expect(run.stderr).not.toMatch(/PostgreSQL \(port|Redis \(port|TEST_DATABASE_URL/);
  });
});
