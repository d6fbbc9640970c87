// The load balancer of docker-compose.cluster.yml: its configuration checked by HAProxy itself
// (Debian's haproxy, installed by tools/ensure-test-tools.sh). The compose files' topology and
// `docker compose config` are checked in the unit tier (tools/compose.spec.ts).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

describe('the cluster compose file', () => {
  it('balances over the gateways with a configuration HAProxy accepts', async () => {
    const { stdout, stderr } = await run('haproxy', [
      '-c',
      '-f',
      path.join(ROOT, 'ops/haproxy/haproxy.cfg'),
    ]).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `haproxy -c failed (is it installed? npm run test:e2e runs tools/ensure-test-tools.sh): ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    });
    expect(`${stdout}${stderr}`).toContain('Configuration file is valid');
  });
});
