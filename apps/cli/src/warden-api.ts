import { WardenClient, createWardenClient } from '@warden/api-client';
import { Readable } from 'node:stream';
import { ApiError, CliError, problemFrom } from './cli-error';
import { ExitCode } from './exit-codes';

/** What the typed client answers for one request. */
interface Answered<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const API_PATH = /\/api\/v1$/;

/** The gateway's HTTP API, as one credential sees it, through the typed client. Any answer but a 2xx becomes an ApiError. */
export class WardenApi {
  readonly client: WardenClient;

  constructor(
    /** The API base, ending in /api/v1 (the typed client's paths start there). */
    readonly baseUrl: string,
    key?: string,
  ) {
    this.client = createWardenClient({
      baseUrl: baseUrl.replace(API_PATH, ''),
      credential: key,
      fetch: (request) => this.reach(request),
    });
  }

  /** The data of a 2xx answer; a problem document (or whatever came instead) as an ApiError. */
  async answer<T>(request: Promise<Answered<T>>): Promise<T> {
    const result = await request;
    if (!result.response.ok || result.error !== undefined)
      throw new ApiError(problemFrom(result.response.status, result.response.statusText, result.error));
    return result.data as T;
  }

  /** A streamed body (the NDJSON audit export): the status is checked, the body is left to the caller. */
  async stream(request: Promise<Answered<ReadableStream<Uint8Array> | null>>): Promise<Readable> {
    const body = await this.answer(request);
    return body
      ? Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
      : Readable.from([]);
  }

  private async reach(request: Request): Promise<Response> {
    request.headers.set('accept', 'application/json, application/problem+json, application/x-ndjson');
    try {
      return await fetch(request);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the gateway at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? String(error)}`,
        ExitCode.Unavailable,
      );
    }
  }
}
