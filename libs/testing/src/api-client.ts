// The end-to-end tests' HTTP client: the typed client of @warden/api-client for what the API
// describes, and a plain one (JSON in and out) for what a test sends on purpose against the
// description, such as a malformed body. Both check every answer against the API description
// the gateway serves (ApiContract): a test fails when a route answers what its description
// does not declare.
import { WardenClient, createWardenClient } from '@warden/api-client';
import { ApiContract } from './api-contract';

const contracts = new Map<string, Promise<ApiContract>>();

/** The description served by the gateway at this URL's origin, fetched once per run. */
export function apiContractOf(url: string): Promise<ApiContract> {
  const origin = new URL(url).origin;
  let contract = contracts.get(origin);
  if (!contract) {
    contract = ApiContract.of(origin);
    contracts.set(origin, contract);
  }
  return contract;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClientOptions {
  /** Check each answer against the gateway's API description (the default); off for servers that are not Warden's. */
  checkAnswers?: boolean;
}

// JSON and problem documents are parsed; anything else (NDJSON exports, the docs page) stays text.
function bodyOf(response: Response, text: string): unknown {
  const type = response.headers.get('content-type') ?? '';
  return /\bjson\b/.test(type) && !/ndjson/.test(type) && text ? JSON.parse(text) : text || undefined;
}

async function checkAnswer(method: string, url: string, response: Response, text: string): Promise<void> {
  const contract = await apiContractOf(url);
  const problems = contract.problems(
    method,
    new URL(url).pathname,
    response.status,
    response.headers.get('content-type'),
    bodyOf(response, text),
  );
  if (problems.length > 0)
    throw new Error(
      `the answer does not match the API description:\n${problems.join('\n')}\n${text.slice(0, 2000)}`,
    );
}

/** A fetch that checks each answer against the API description before handing it on. */
export async function fetchCheckingAnswers(request: Request): Promise<Response> {
  const response = await fetch(request);
  await checkAnswer(request.method, request.url, response, await response.clone().text());
  return response;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly credential?: { header: 'authorization' | 'x-api-key'; key: string },
    readonly options: ApiClientOptions = {},
  ) {}

  /** Logs in with a username and password and returns a client using the key. */
  static async login(baseUrl: string, username: string, password: string, options: ApiClientOptions = {}): Promise<ApiClient> {
    const anonymous = new ApiClient(baseUrl, undefined, options);
    const { data, error, response } = await anonymous
      .typed()
      .POST('/api/v1/auth/login', { body: { username, password } });
    if (!data) throw new Error(`login of ${username} failed: ${response.status} ${JSON.stringify(error)}`);
    return new ApiClient(baseUrl, { header: 'authorization', key: data.key }, options);
  }

  withApiKey(key: string): ApiClient {
    return new ApiClient(this.baseUrl, { header: 'x-api-key', key }, this.options);
  }

  /** The typed client, with this client's credential and answer checks. */
  typed(): WardenClient {
    return createWardenClient({
      baseUrl: new URL(this.baseUrl).origin,
      credential: this.credential?.key,
      ...(this.options.checkAnswers === false ? {} : { fetch: fetchCheckingAnswers }),
    });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const auth: Record<string, string> = {};
    if (this.credential?.header === 'authorization') auth.authorization = `Bearer ${this.credential.key}`;
    if (this.credential?.header === 'x-api-key') auth['x-api-key'] = this.credential.key;
    const url = `${this.baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (this.options.checkAnswers !== false) await checkAnswer(method, url, response, text);
    return { status: response.status, headers: response.headers, body: bodyOf(response, text) as T };
  }

  get<T = unknown>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  patch<T = unknown>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body, headers);
  }
  delete<T = unknown>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, undefined, headers);
  }
}
