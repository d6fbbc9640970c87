// The warden CLI as a user runs it: the built apps/cli as a real process, against the four
// services running as processes. Logs in, creates service accounts, issues, lists, rotates,
// reassigns, verifies and revokes a token, exports and verifies the audit log, and checks the
// exit codes scripts rely on; replays a read model as the platform admin; manages
// organizations, roles, teams and accounts; completes the command line in bash.
import { ApiClient, RunningSystem, WebhookReceiver, pollUntil, startSystem } from '@warden/testing';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.resolve(ROOT, process.env['WARDEN_DIST'] ?? 'dist', 'apps/cli/src/main.js');
const STRONG = 'plinth-orbit-cascade-47';
const TENANT_ADMIN = 'cli.admin@corp';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let system: RunningSystem;
let folder: string;
let credentials: string;

function warden(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: folder,
        WARDEN_URL: system.gatewayUrl,
        WARDEN_CREDENTIALS: credentials,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

async function wardenJson<T>(
  args: string[],
  options?: { stdin?: string; env?: Record<string, string> },
): Promise<T> {
  const run = await warden([...args, '--json'], options);
  if (run.code !== 0) throw new Error(`warden ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Whoever presents this secret: 200 while it works, 401 once it does not. */
async function whoamiStatus(secret: string): Promise<number> {
  return (await new ApiClient(system.gatewayUrl).withApiKey(secret).get('/auth/whoami')).status;
}

interface Account {
  id: string;
  username: string;
  account_type: string;
}
interface Token {
  id: string;
  user_id: string;
  name: string;
  status: string;
  last_four: string;
  expires_at: string | null;
  token?: string;
}

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build first (npm run build)`);
  system = await startSystem();
  folder = await mkdtemp(path.join(tmpdir(), 'warden-cli-'));
  credentials = path.join(folder, 'config', 'warden', 'credentials');
  const platformAdmin = await ApiClient.login(
    system.gatewayUrl,
    system.admin.username,
    system.admin.password,
  );
  const tenant = await platformAdmin.post<{ id: string }>('/organizations', {
    name: 'CLI Corp',
    settings: { service_external_limit: 20 },
  });
  expect(tenant.status).toBe(201);
  const admin = await platformAdmin.post('/users', {
    username: TENANT_ADMIN,
    account_type: 'user',
    password: STRONG,
    organization: tenant.body.id,
    roles: ['WARDEN_SUPER_ADMIN'],
  });
  expect(admin.status).toBe(201);
});

afterAll(async () => {
  await system?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('before logging in', () => {
  it('exits 2 on a command line it does not understand, and 0 with the exit codes in its help', async () => {
    const unknown = await warden(['tokens', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await warden(['tokens', 'issue', '--name', 'no owner']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--account');
    const help = await warden(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('4  not found (404)');
  });

  it('exits 3 without a credential, and 3 with a wrong password, storing nothing', async () => {
    const anonymous = await warden(['tokens', 'list']);
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain('not logged in');

    const wrong = await warden(['login', '--username', TENANT_ADMIN, '--password-stdin'], {
      stdin: 'not-the-password\n',
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/invalid_credentials, HTTP 401/);
    expect(existsSync(credentials)).toBe(false);
  });

  it('exits 7 when the gateway cannot be reached', async () => {
    const run = await warden(
      ['login', '--username', TENANT_ADMIN, '--password-stdin', '--url', 'http://127.0.0.1:9'],
      { stdin: STRONG },
    );
    expect(run.code).toBe(7);
    expect(run.stderr).toContain('cannot reach the gateway at http://127.0.0.1:9/api/v1');
  });
});

describe('logged in', () => {
  let webhooks: Account;
  let spare: Account;
  let token: Token;

  it('logs in with the password on stdin, keeping the key in a 0600 file and never printing it', async () => {
    const run = await warden(['login', '--username', TENANT_ADMIN, '--password-stdin'], {
      stdin: `${STRONG}\n`,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^logged in as:\s+cli\.admin@corp$/m);
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(credentials))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(credentials, 'utf8')) as {
      key: string;
      url: string;
      username: string;
    };
    expect(stored).toMatchObject({ url: system.gatewayUrl, username: TENANT_ADMIN });
    expect(stored.key).toMatch(/^wdn_s_/);
    expect(run.stdout + run.stderr).not.toContain(stored.key);
  });

  it('creates service accounts and lists them, as JSON and as a table', async () => {
    webhooks = await wardenJson<Account>([
      'accounts',
      'create',
      'webhooks@corp',
      '--first-name',
      'DocuSign',
      '--last-name',
      'Webhooks',
    ]);
    expect(webhooks).toMatchObject({ username: 'webhooks@corp', account_type: 'service_external' });
    spare = await wardenJson<Account>(['accounts', 'create', 'spare@corp', '--type', 'service_internal']);
    expect(spare.account_type).toBe('service_internal');

    const listed = await wardenJson<Account[]>(['accounts', 'list']);
    expect(listed.map((account) => account.username).sort()).toEqual(['spare@corp', 'webhooks@corp']);
    const externalOnly = await wardenJson<Account[]>(['accounts', 'list', '--type', 'service_external']);
    expect(externalOnly.map((account) => account.id)).toEqual([webhooks.id]);

    const table = await warden(['accounts', 'list']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+USERNAME\s+TYPE\s+STATUS/);
    expect(rows).toHaveLength(2);
    expect(table.stdout).not.toContain(TENANT_ADMIN);
  });

  it('exits 6 with the problem on stderr for input the API refuses, and 5 for a taken username', async () => {
    const invalid = await warden(['accounts', 'create', 'has spaces']);
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toMatch(/^error: .*\(invalid_username, HTTP 422\)/);
    expect(invalid.stdout).toBe('');

    const taken = await warden(['accounts', 'create', 'webhooks@corp', '--json']);
    expect(taken.code).toBe(5);
    expect(JSON.parse(taken.stderr)).toMatchObject({ status: 409, code: 'username_taken' });
  });

  it('issues a token whose secret is printed once, on stdout only, and lists it without the secret', async () => {
    const human = await warden(['tokens', 'issue', '--account', webhooks.id, '--name', 'DocuSign Connect']);
    expect(human.code).toBe(0);
    const secret = /^token:\s+(wdn_p_\S+)$/m.exec(human.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(human.stderr).toContain('shown this once');
    expect(human.stderr).not.toContain(secret!);
    expect(await whoamiStatus(secret!)).toBe(200);

    const beyondOwner = await warden([
      'tokens',
      'issue',
      '--account',
      webhooks.id,
      '--name',
      'Records API',
      '--permission',
      'users:read',
    ]);
    expect(beyondOwner.code).toBe(6);
    expect(beyondOwner.stderr).toMatch(/^  permissions: users:read is not held by the owner/m);

    const inAMonth = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 24 * 3600 * 1000).toISOString();
    token = await wardenJson<Token>([
      'tokens',
      'issue',
      '--account',
      webhooks.id,
      '--name',
      'Records API',
      '--expires-at',
      inAMonth,
    ]);
    expect(token.token).toMatch(/^wdn_p_/);
    expect(token.expires_at).toBe(inAMonth);
    expect(await whoamiStatus(token.token!)).toBe(200);

    const listed = await warden(['tokens', 'list', '--account', webhooks.id, '--json']);
    expect(listed.code).toBe(0);
    const tokens = JSON.parse(listed.stdout) as Token[];
    expect(tokens.map((t) => t.name).sort()).toEqual(['DocuSign Connect', 'Records API']);
    expect(listed.stdout).not.toContain(secret!);
    expect(listed.stdout).not.toContain(token.token!);
    const expiring = async (within: string) => (JSON.parse((await warden(['tokens', 'list', '--expiring-within', within, '--json'])).stdout) as Token[]).map((t) => t.id);
    expect(await expiring('40d')).toContain(token.id);
    expect(await expiring('7d')).not.toContain(token.id);
    const table = await warden(['tokens', 'list']);
    expect(table.stdout).toMatch(
      new RegExp(
        `${token.id}\\s+Records API\\s+${webhooks.id}\\s+active\\s+wdn_p_…${token.token!.slice(-4)}`,
      ),
    );
  });

  it("shows an account as an OAuth client: a client secret printed once, then listed with its keys and rules, never the secret", async () => {
    const added = await warden(['accounts', 'add-client-secret', webhooks.id]);
    expect(added.code).toBe(0);
    const secret = /^client_secret:\s+(wdn_c_\S+)$/m.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(added.stderr).toContain('shown this once');
    const granted = await fetch(`${new URL(system.gatewayUrl).origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${webhooks.id}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(granted.status).toBe(200);

    const shown = await warden(['accounts', 'oauth', webhooks.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`client_id:\\s+${webhooks.id}`));
    expect(shown.stdout).toMatch(new RegExp(`wdn_c_…${secret!.slice(-4)}\\s+active`));
    expect(shown.stdout).toContain('federation rules');
    expect(shown.stdout).not.toContain(secret!);
    const json = await wardenJson<{ client_id: string; client_secrets: unknown[]; keys: unknown[]; federation_rules: unknown[] }>(['accounts', 'oauth', webhooks.id]);
    expect(json).toMatchObject({ client_id: webhooks.id, keys: [], federation_rules: [] });
    expect(json.client_secrets).toHaveLength(1);
  });

  it('rotates: a new secret once, the old one refused at once without a grace period', async () => {
    const old = token.token!;
    const rotated = await wardenJson<Token>(['tokens', 'rotate', token.id]);
    expect(rotated.id).toBe(token.id);
    expect(rotated.token).toMatch(/^wdn_p_/);
    expect(rotated.token).not.toBe(old);
    expect(await whoamiStatus(old)).toBe(401);
    expect(await whoamiStatus(rotated.token!)).toBe(200);
    token = rotated;

    const badGrace = await warden(['tokens', 'rotate', token.id, '--grace-period', 'soon']);
    expect(badGrace.code).toBe(2);
  });

  it('reassigns the token to another service account', async () => {
    const moved = await wardenJson<Token>(['tokens', 'reassign', token.id, '--to', spare.id]);
    expect(moved.user_id).toBe(spare.id);
    const shown = await warden(['tokens', 'show', token.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^owner:\\s+${spare.id}$`, 'm'));
  });

  it('revokes: the secret is refused as soon as the command returns, and a later rotate conflicts', async () => {
    const revoked = await wardenJson<Token>(['tokens', 'revoke', token.id]);
    expect(revoked.status).toBe('revoked');
    expect(await whoamiStatus(token.token!)).toBe(401);

    const rotateRevoked = await warden(['tokens', 'rotate', token.id]);
    expect(rotateRevoked.code).toBe(5);
    expect(rotateRevoked.stderr).toContain('token_not_active');

    const asToken = await warden(['tokens', 'list'], { env: { WARDEN_API_KEY: token.token! } });
    expect(asToken.code).toBe(3);
  });

  it('exits 4 for a token that does not exist, and 6 for an id that is not one', async () => {
    const missing = await warden(['tokens', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('token_not_found');
    const malformed = await warden(['tokens', 'revoke', 'not-an-id']);
    expect(malformed.code).toBe(6);
  });

  it('verifies the audit chain and exports the log as NDJSON', async () => {
    const verified = await warden(['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^intact: \d+ records in 1 chain$/m);
    const asJson = await wardenJson<{ intact: boolean; records: number }>(['audit', 'verify']);
    expect(asJson.intact).toBe(true);

    // the audit service records from JetStream: the revocation arrives shortly after it is answered
    let lines: { event_type: string; stream_id: string; hash: string }[] = [];
    await pollUntil(
      async () => {
        const exported = await warden(['audit', 'export', '--order', 'oldest']);
        expect(exported.code).toBe(0);
        lines = exported.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { event_type: string; stream_id: string; hash: string });
        return lines.some((record) => record.event_type === 'TokenRevoked');
      },
      'the revocation in the exported audit log',
      10_000,
      200,
    );
    expect(lines.map((record) => record.event_type)).toEqual(
      expect.arrayContaining(['TokenIssued', 'TokenRotated', 'TokenReassigned', 'TokenRevoked']),
    );
    for (const record of lines) expect(record.hash).toMatch(/^[0-9a-f]{64}$/);

    const filtered = await warden(['audit', 'export', '--event-type', 'TokenRevoked']);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(1);
    const badFilter = await warden(['audit', 'export', '--from', 'yesterday']);
    expect(badFilter.code).toBe(6);
    expect(badFilter.stdout).toBe('');
  });

  it('never sends the stored key to another gateway', async () => {
    const run = await warden(['tokens', 'list', '--url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`logged in to ${system.gatewayUrl}, not http://127.0.0.1:9/api/v1`);
  });

  it('refuses a credentials file that others may read', async () => {
    const { chmod } = await import('node:fs/promises');
    await chmod(credentials, 0o644);
    const run = await warden(['tokens', 'list']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('chmod 600');
    await chmod(credentials, 0o600);
  });

  it('replays a read model for the platform admin, with its own credentials file, and refuses anyone else', async () => {
    const asTenant = await warden(['replay', 'tokens']);
    expect(asTenant.code).toBe(3);
    expect(asTenant.stderr).toContain('forbidden');
    const unknown = await warden(['replay', 'nothing']);
    expect(unknown.code).toBe(2);

    const adminFile = path.join(folder, 'platform-admin');
    const login = await warden(
      ['login', '-u', system.admin.username, '--password-stdin', '--credentials', adminFile],
      { stdin: system.admin.password },
    );
    expect(login.code).toBe(0);
    const swapped = await warden(['replay', 'tokens', '--credentials', adminFile]);
    expect(swapped.code).toBe(0);
    expect(swapped.stderr).toMatch(/\[#{30}\] 100% {2}\d+\/\d+ events/);
    expect(swapped.stdout).toMatch(/^state:\s+succeeded$/m);

    const compared = await warden([
      'replay',
      'tokens',
      '--mode',
      'compare',
      '--json',
      '--credentials',
      adminFile,
    ]);
    expect({ code: compared.code, report: compared.stdout }).toEqual({ code: 0, report: expect.any(String) });
    const run = JSON.parse(compared.stdout) as {
      state: string;
      events_done: number;
      report: { compared: number; differences: unknown[] };
    };
    expect(run).toMatchObject({ state: 'succeeded', report: { differences: [] } });
    expect(run.events_done).toBeGreaterThan(0);
    expect(run.report.compared).toBeGreaterThan(0);
  });

  it('says who is logged in, and who an API token stands for, as JSON that pipes into jq through npx', async () => {
    const human = await warden(['whoami']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^type:\s+user$/m);
    expect(human.stdout).toMatch(/^roles:\s+WARDEN_SUPER_ADMIN$/m);
    const me = await wardenJson<{ user_id: string; credential: { kind: string } }>(['whoami']);
    expect(me.credential.kind).toBe('session');

    const issued = await wardenJson<Token>(['tokens', 'issue', '--account', webhooks.id, '--name', 'whoami']);
    const asToken = await wardenJson<{ user_id: string; credential: { kind: string; id: string } }>(
      ['whoami'],
      { env: { WARDEN_API_KEY: issued.token! } },
    );
    expect(asToken).toMatchObject({ user_id: webhooks.id, credential: { kind: 'api_token', id: issued.id } });

    // the command the README documents: npx prints nothing of its own on stdout
    const piped = await new Promise<Run>((resolve, reject) => {
      const child = spawn('bash', ['-c', 'npx --no-install warden whoami --json | jq -r .credential.kind'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: folder,
          WARDEN_URL: system.gatewayUrl,
          WARDEN_CREDENTIALS: credentials,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(piped).toMatchObject({ code: 0, stdout: 'session\n' });
  });

  it('verifies a token read from stdin, and exits 10 with the reason once it is revoked', async () => {
    const issued = await wardenJson<Token>([
      'tokens',
      'issue',
      '--account',
      webhooks.id,
      '--name',
      'to verify',
    ]);
    const active = await warden(['tokens', 'verify', '--stdin', '--json'], { stdin: `${issued.token!}\n` });
    expect(active.code).toBe(0);
    expect(JSON.parse(active.stdout)).toMatchObject({
      active: true,
      token_id: issued.id,
      user_id: webhooks.id,
      token_type: 'api_token',
    });
    expect(active.stdout + active.stderr).not.toContain(issued.token!);

    await wardenJson(['tokens', 'revoke', issued.id]);
    const revoked = await warden(['tokens', 'verify', '--stdin'], { stdin: issued.token! });
    expect(revoked.code).toBe(10);
    expect(revoked.stdout).toMatch(/^active:\s+false$/m);
    expect(revoked.stdout).toMatch(/^reason:\s+revoked$/m);
    const none = await warden(['tokens', 'verify']);
    expect(none.code).toBe(2);
  });

  it('shows the organization; only the platform admin creates one', async () => {
    const listed = await wardenJson<{ id: string; name: string }[]>(['organizations', 'list']);
    expect(listed.map((organization) => organization.name)).toEqual(['CLI Corp']);
    const shown = await warden(['organizations', 'show', listed[0]!.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^name:\s+CLI Corp$/m);
    expect(shown.stdout).toMatch(/^external accounts:\s+\d+ of 20$/m);
    expect(shown.stdout).toMatch(/^access token lifetime:\s+900s$/m);
    // Its admin sets the access tokens' lifetime; out of bounds, the API refuses the input (exit 6).
    const updated = await warden(['organizations', 'update', listed[0]!.id, '--access-token-lifetime', '120']);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^access token lifetime:\s+120s$/m);
    const outOfBounds = await warden(['organizations', 'update', listed[0]!.id, '--access-token-lifetime', '30']);
    expect(outOfBounds.code).toBe(6);
    expect(outOfBounds.stderr).toContain('access_token_lifetime_seconds');
    expect((await wardenJson<{ settings: { access_token_lifetime_seconds: number } }>(['organizations', 'show', listed[0]!.id])).settings.access_token_lifetime_seconds).toBe(120);
    const refused = await warden(['organizations', 'create', 'Not Mine']);
    expect(refused.code).toBe(3);

    const adminFile = path.join(folder, 'organizations-admin');
    expect(
      (
        await warden(['login', '-u', system.admin.username, '--password-stdin', '--credentials', adminFile], {
          stdin: system.admin.password,
        })
      ).code,
    ).toBe(0);
    const created = await wardenJson<{ name: string; settings: { max_token_lifetime_seconds: number } }>([
      'organizations',
      'create',
      'Globex',
      '--max-token-lifetime',
      '86400',
      '--credentials',
      adminFile,
    ]);
    expect(created).toMatchObject({ name: 'Globex', settings: { max_token_lifetime_seconds: 86400 } });
    const all = await wardenJson<{ name: string }[]>(['organizations', 'list', '--credentials', adminFile]);
    expect(all.map((organization) => organization.name)).toEqual(
      expect.arrayContaining(['CLI Corp', 'Globex']),
    );
  });

  it('lists the roles, creates a custom one and archives it', async () => {
    const table = await warden(['roles', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^WARDEN_SUPER_ADMIN\s+default\s+ACTIVE/m);
    const created = await wardenJson<{ name: string; type: string; permissions: string[] }>([
      'roles',
      'create',
      'RECORDS_WRITER',
      '--display-name',
      'Records writer',
      '--permission',
      'records:write',
    ]);
    expect(created).toMatchObject({ name: 'RECORDS_WRITER', type: 'custom', permissions: ['records:write'] });
    const archived = await wardenJson<{ status: string }>(['roles', 'archive', 'RECORDS_WRITER']);
    expect(archived.status).toBe('ARCHIVED');
    const lowerCase = await warden(['roles', 'archive', 'not-a-role']);
    expect(lowerCase.code).toBe(6);
  });

  it('creates a team, adds and removes a member, and deletes it', async () => {
    const team = await wardenJson<{ id: string; members: string[] }>(['teams', 'create', 'Payments']);
    expect(team.members).toEqual([]);
    const joined = await wardenJson<{ members: string[] }>(['teams', 'add-member', team.id, webhooks.id]);
    expect(joined.members).toEqual([webhooks.id]);
    const listed = await warden(['teams', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${team.id}\\s+Payments\\s+1\\s`, 'm'));
    const renamed = await wardenJson<{ name: string }>(['teams', 'rename', team.id, 'Billing']);
    expect(renamed.name).toBe('Billing');
    const notEmpty = await warden(['teams', 'delete', team.id]);
    expect(notEmpty.code).toBe(5);
    expect(
      (await wardenJson<{ members: string[] }>(['teams', 'remove-member', team.id, webhooks.id])).members,
    ).toEqual([]);
    expect((await warden(['teams', 'delete', team.id])).code).toBe(0);
    expect((await warden(['teams', 'show', team.id])).code).toBe(4);
  });

  it('subscribes to webhooks, shows the secret once, lists deliveries and deletes the subscription', async () => {
    const receiver = await new WebhookReceiver().listen();
    try {
      const made = await wardenJson<{ id: string; secret: string; event_types: string[] }>([
        'webhooks', 'create', receiver.url('/cli'), '--event', 'token.issued', '--event', 'token.revoked',
      ]);
      expect(made.secret).toMatch(/^whsec_/);
      expect(made.event_types).toEqual(['token.issued', 'token.revoked']);
      receiver.verifyWith('/cli', made.secret);
      const shown = await warden(['webhooks', 'show', made.id]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).not.toContain(made.secret);
      expect((await warden(['webhooks', 'list'])).stdout).toMatch(new RegExp(`^${made.id}\\s+${receiver.url('/cli')}\\s+token.issued,token.revoked\\s+true`, 'm'));

      const issued = await wardenJson<Token>(['tokens', 'issue', '--account', webhooks.id, '--name', 'hooked']);
      await pollUntil(() => receiver.verified.some((m) => m.path === '/cli' && m.data['token_id'] === issued.id), 'the token.issued webhook', 30_000, 100);
      await pollUntil(async () => (await wardenJson<{ status: string }[]>(['webhooks', 'deliveries', made.id])).some((d) => d.status === 'succeeded'), 'the delivery logged', 30_000, 100);
      const [delivery] = await wardenJson<{ id: string; event_type: string; attempts: number }[]>(['webhooks', 'deliveries', made.id]);
      expect(delivery).toMatchObject({ event_type: 'token.issued', attempts: 1 });
      expect((await warden(['webhooks', 'redeliver', made.id, delivery!.id])).code).toBe(0);
      await pollUntil(() => receiver.verified.filter((m) => m.id === delivery!.id).length === 2, 'the redelivery, same id', 30_000, 100);

      const rotated = await wardenJson<{ secret: string }>(['webhooks', 'rotate-secret', made.id]);
      expect(rotated.secret).not.toBe(made.secret);
      expect((await wardenJson<{ enabled: boolean }>(['webhooks', 'disable', made.id])).enabled).toBe(false);
      expect((await warden(['webhooks', 'create', 'http://10.0.0.1/hooks', '--event', 'token.issued'])).code).toBe(6);
      expect((await warden(['webhooks', 'delete', made.id])).code).toBe(0);
      expect((await warden(['webhooks', 'show', made.id])).code).toBe(4);
      expect(receiver.refused).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('shows, deactivates, reactivates and deletes an account', async () => {
    const temp = await wardenJson<Account>(['accounts', 'create', 'temp@corp']);
    const shown = await warden(['accounts', 'show', temp.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^username:\s+temp@corp$/m);
    const issued = await wardenJson<Token>([
      'tokens',
      'issue',
      '--account',
      temp.id,
      '--name',
      'short-lived',
    ]);
    expect((await wardenJson<{ status: string }>(['accounts', 'deactivate', temp.id])).status).toBe(
      'deactivated',
    );
    expect(await whoamiStatus(issued.token!)).toBe(401);
    expect((await wardenJson<{ status: string }>(['accounts', 'reactivate', temp.id])).status).toBe('active');
    expect(await whoamiStatus(issued.token!)).toBe(200);

    const ownsTokens = await warden(['accounts', 'delete', temp.id]);
    expect(ownsTokens.code).toBe(5);
    expect(ownsTokens.stderr).toContain('user_owns_tokens');
    await wardenJson(['tokens', 'revoke', issued.id]);
    const deleted = await warden(['accounts', 'delete', temp.id]);
    expect({ code: deleted.code, stdout: deleted.stdout }).toEqual({
      code: 0,
      stdout: `deleted account ${temp.id}\n`,
    });
    expect((await warden(['accounts', 'show', temp.id])).code).toBe(4);
  });

  it('completes commands, subcommands and choices in bash, and prints a zsh script', async () => {
    const script = await warden(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = path.join(folder, 'warden.bash');
    await writeFile(file, script.stdout);
    // as bash runs it on a tab: the words typed so far, the cursor on the last
    const complete = (words: string[]) =>
      new Promise<string>((resolve, reject) => {
        const line = `source ${file}; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _warden; echo "\${COMPREPLY[*]}"`;
        const child = spawn('bash', ['-c', line], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(stdout.trim()));
      });
    expect(await complete(['warden', 'acc'])).toBe('accounts');
    expect((await complete(['warden', 'accounts', ''])).split(' ')).toEqual(
      expect.arrayContaining(['show', 'deactivate', 'reactivate', 'delete']),
    );
    expect(await complete(['warden', '--url', 'http://x', 'tokens', 've'])).toBe('verify');
    expect(await complete(['warden', 'tokens', 'list', '--status', ''])).toBe('active revoked expired disabled owner_inactive');
    expect(await complete(['warden', 'replay', 'au'])).toBe('audit-log');

    const zsh = await warden(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef warden\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect((await warden(['completion', 'fish'])).code).toBe(2);
  });

  it('logs out: the session ends and the file is gone', async () => {
    const stored = JSON.parse(await readFile(credentials, 'utf8')) as { key: string };
    const run = await warden(['logout']);
    expect(run.code).toBe(0);
    expect(existsSync(credentials)).toBe(false);
    expect(await whoamiStatus(stored.key)).toBe(401);
    expect((await warden(['accounts', 'list'])).code).toBe(3);
  });
});
