import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from './cli-error';
import { ExitCode } from './exit-codes';

// The login key lives in one file only its owner can read (0600, in a 0700 folder), as
// ssh keeps its keys; a file that others can read is refused rather than used.

export interface StoredCredentials {
  /** The API base URL the key was issued by. */
  url: string;
  username: string;
  key: string;
  expires_at: string | null;
}

/** --credentials, then WARDEN_CREDENTIALS, then $XDG_CONFIG_HOME/warden/credentials (~/.config by default). */
export function credentialsPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = flag ?? (env['WARDEN_CREDENTIALS'] || undefined);
  if (given) return path.resolve(given);
  const configHome = env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config');
  return path.join(configHome, 'warden', 'credentials');
}

function isStoredCredentials(value: unknown): value is StoredCredentials {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['url'] === 'string' &&
    typeof record['username'] === 'string' &&
    typeof record['key'] === 'string' &&
    (record['expires_at'] === null || typeof record['expires_at'] === 'string')
  );
}

/** The stored credentials, or undefined when nobody has logged in. */
export async function loadCredentials(file: string): Promise<StoredCredentials | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new CliError(`${file} may be read by other users: run chmod 600 on it, or log in again`, ExitCode.Auth);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    parsed = undefined;
  }
  if (!isStoredCredentials(parsed)) throw new CliError(`${file} is not a Warden credentials file: log in again`, ExitCode.Auth);
  return parsed;
}

/** Written to a new 0600 file beside the old one, then renamed over it: never a moment readable by others, never half written. */
export async function saveCredentials(file: string, credentials: StoredCredentials): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const staging = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(staging, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(credentials, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(staging, { force: true });
    throw error;
  }
  await handle.close();
  await rename(staging, file);
  await chmod(file, 0o600);
}

export async function removeCredentials(file: string): Promise<void> {
  await rm(file, { force: true });
}
