// Reads a service's configuration from its environment, collecting every missing or
// malformed variable so that one failed start names them all.

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  port(name: string, fallback: number): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) this.problems.push(`${name} must be a port number (0-65535), got "${raw}"`);
    return port;
  }

  url(name: string, fallback?: string): string {
    const value = this.string(name, fallback);
    if (value && !URL.canParse(value)) this.problems.push(`${name} must be a URL`);
    return value;
  }

  /** A comma-separated list of secrets; its values never appear in an error message. */
  secrets(name: string): string[] {
    const values = this.string(name).split(',').map((value) => value.trim()).filter(Boolean);
    if (this.env[name]?.trim() && values.length === 0) this.problems.push(`${name} must hold at least one value`);
    return values;
  }

  /** Throws if anything read so far was missing or malformed. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
