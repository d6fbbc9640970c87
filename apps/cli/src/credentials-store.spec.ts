import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError } from './cli-error';
import { credentialsPath, loadCredentials, removeCredentials, saveCredentials } from './credentials-store';
import { ExitCode } from './exit-codes';

const credentials = { url: 'http://127.0.0.1:3000/api/v1', username: 'admin', key: 'wdn_s_example', expires_at: '2030-01-01T00:00:00.000Z' };

describe('credentialsPath', () => {
  it('prefers --credentials, then WARDEN_CREDENTIALS, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(credentialsPath('/a/flag', { WARDEN_CREDENTIALS: '/b/env' })).toBe('/a/flag');
    expect(credentialsPath(undefined, { WARDEN_CREDENTIALS: '/b/env', XDG_CONFIG_HOME: '/c' })).toBe('/b/env');
    expect(credentialsPath(undefined, { XDG_CONFIG_HOME: '/c' })).toBe('/c/warden/credentials');
    expect(credentialsPath(undefined, {})).toMatch(/\.config\/warden\/credentials$/);
  });
});

describe('the credentials file', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'warden-credentials-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is written 0600 in a 0700 folder and read back', async () => {
    const file = path.join(folder, 'nested', 'credentials');
    await saveCredentials(file, credentials);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await loadCredentials(file)).toEqual(credentials);
  });

  it('replaces an earlier login whole', async () => {
    const file = path.join(folder, 'credentials');
    await saveCredentials(file, credentials);
    await saveCredentials(file, { ...credentials, username: 'other', expires_at: null });
    expect(await loadCredentials(file)).toEqual({ ...credentials, username: 'other', expires_at: null });
  });

  it('is absent before a login and after removal', async () => {
    const file = path.join(folder, 'credentials');
    expect(await loadCredentials(file)).toBeUndefined();
    await saveCredentials(file, credentials);
    await removeCredentials(file);
    expect(await loadCredentials(file)).toBeUndefined();
  });

  it('is refused when others may read it, or when it is not one', async () => {
    const file = path.join(folder, 'credentials');
    await saveCredentials(file, credentials);
    await chmod(file, 0o644);
    await expect(loadCredentials(file)).rejects.toMatchObject({ exitCode: ExitCode.Auth, message: expect.stringContaining('chmod 600') });

    await writeFile(file, '{"key": 42}', { mode: 0o600 });
    await chmod(file, 0o600);
    await expect(loadCredentials(file)).rejects.toBeInstanceOf(CliError);
  });
});
