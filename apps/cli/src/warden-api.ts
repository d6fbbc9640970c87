import { Readable } from 'node:stream';
import { ApiError, CliError, problemFrom } from './cli-error';
import { ExitCode } from './exit-codes';

export type QueryValue = string | number | undefined;

export function withQuery(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The gateway's HTTP API, as one credential sees it. Any answer but a 2xx becomes an ApiError. */
export class WardenApi {
  constructor(
    readonly baseUrl: string,
    private readonly key?: string,
  ) {}

  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.json<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  /** A streamed body (the NDJSON audit export): the status is checked, the body is left to the caller. */
  async stream(path: string, query?: Record<string, QueryValue>): Promise<Readable> {
    const response = await this.send('GET', withQuery(path, query));
    if (!response.ok) throw await this.failure(response);
    if (!response.body) return Readable.from([]);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (!response.ok) throw await this.failure(response);
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`the gateway answered ${method} ${path} with something that is not JSON`, ExitCode.Failure);
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json, application/x-ndjson' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.key) headers['authorization'] = `Bearer ${this.key}`;
    try {
      return await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the gateway at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? String(error)}`, ExitCode.Unavailable);
    }
  }

  private async failure(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return new ApiError(problemFrom(response.status, response.statusText, body));
  }
}
