// A small HTTP client for end-to-end tests: JSON in and out, one credential per client. Every
// answer is checked against the API description the gateway serves (ApiContract): a test fails
// when a route answers what its description does not declare.
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

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly credential?: { header: 'authorization' | 'x-api-key'; key: string },
    readonly options: ApiClientOptions = {},
  ) {}

  /** Logs in with a username and password (seed 003) and returns a client using the key. */
  static async login(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const response = await new ApiClient(baseUrl).post<{ key: string }>('/auth/login', { username, password });
    if (response.status !== 200) throw new Error(`login of ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return new ApiClient(baseUrl, { header: 'authorization', key: response.body.key });
  }

  withApiKey(key: string): ApiClient {
    return new ApiClient(this.baseUrl, { header: 'x-api-key', key }, this.options);
  }

  request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const auth: Record<string, string> = {};
    if (this.credential?.header === 'authorization') auth.authorization = `Bearer ${this.credential.key}`;
    if (this.credential?.header === 'x-api-key') auth['x-api-key'] = this.credential.key;
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (response) => {
      const text = await response.text();
      // JSON and problem documents are parsed; anything else (NDJSON exports) stays text
      const json = /\bjson\b/.test(response.headers.get('content-type') ?? '') && !/ndjson/.test(response.headers.get('content-type') ?? '');
      const answer = { status: response.status, headers: response.headers, body: (json && text ? JSON.parse(text) : text || undefined) as T };
      if (this.options.checkAnswers === false) return answer;
      const contract = await apiContractOf(this.baseUrl);
      const problems = contract.problems(method, new URL(`${this.baseUrl}${path}`).pathname, answer.status, response.headers.get('content-type'), answer.body);
      if (problems.length > 0) throw new Error(`the answer does not match the API description:\n${problems.join('\n')}\n${text.slice(0, 2000)}`);
      return answer;
    });
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
