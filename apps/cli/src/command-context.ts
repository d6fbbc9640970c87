import { resolveApiUrl } from './api-url';
import { CliError } from './cli-error';
import { credentialsPath, loadCredentials, StoredCredentials } from './credentials-store';
import { ExitCode } from './exit-codes';
import { renderJson } from './output';
import { WardenApi } from './warden-api';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
}

/** The options every command takes (given before or after the command's name). */
export interface GlobalOptions {
  url?: string;
  json?: boolean;
  credentials?: string;
}

/** How a run ends when no error was thrown: a command may finish its output and still fail. */
export interface RunOutcome {
  exitCode: ExitCode;
}

/** What a command needs to reach the API and to answer: the resolved options and the streams. */
export class CommandContext {
  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
    private readonly outcome: RunOutcome,
  ) {}

  /** Ends the run with this code once the command returns. */
  exitWith(code: ExitCode): void {
    this.outcome.exitCode = code;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  get credentialsFile(): string {
    return credentialsPath(this.options.credentials, this.io.env);
  }

  apiUrl(stored?: StoredCredentials): string {
    try {
      return resolveApiUrl(this.options.url, this.io.env, stored?.url);
    } catch (error) {
      throw new CliError((error as Error).message, ExitCode.Usage);
    }
  }

  /** For login: no credential is sent. */
  anonymousApi(): WardenApi {
    return new WardenApi(this.apiUrl());
  }

  /**
   * WARDEN_API_KEY (an API token, for scripts and pipelines) or the stored login key. The
   * stored key goes only to the gateway that issued it, never to another --url.
   */
  async api(): Promise<WardenApi> {
    const apiKey = this.io.env['WARDEN_API_KEY'];
    if (apiKey) return new WardenApi(this.apiUrl(), apiKey);
    const stored = await loadCredentials(this.credentialsFile);
    if (!stored) throw new CliError('not logged in: run `warden login` (or set WARDEN_API_KEY)', ExitCode.Auth);
    const url = this.apiUrl(stored);
    if (url !== stored.url) throw new CliError(`logged in to ${stored.url}, not ${url}: run \`warden login --url ${url}\``, ExitCode.Auth);
    if (stored.expires_at !== null && Date.parse(stored.expires_at) <= Date.now()) {
      throw new CliError(`the login of ${stored.username} expired at ${stored.expires_at}: run \`warden login\``, ExitCode.Auth);
    }
    return new WardenApi(url, stored.key);
  }

  /** The human text, or with --json the value as JSON; on stdout. */
  print(human: () => string, value: unknown): void {
    this.io.stdout.write(this.json ? renderJson(value) : human());
  }

  /** A remark for the person at the terminal: stderr, so stdout stays clean for pipes. */
  notice(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }
}
