import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './warden-api.generated';

/** Warden's HTTP API, typed from its description: every path, parameter, body and answer. */
export type WardenClient = Client<paths>;

/** A schema of the API description by name: `WardenSchema<'TokenView'>`. */
export type WardenSchema<Name extends keyof components['schemas']> = components['schemas'][Name];

export interface WardenClientOptions {
  /** The gateway's origin, where `/api/v1` and `/health` are: `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A login key or an API token, sent as `Authorization: Bearer`; none for login and the public routes. */
  credential?: string;
  /** Another fetch: a test's, one that checks each answer, or one behind a proxy. */
  fetch?: ClientOptions['fetch'];
}

export function createWardenClient(options: WardenClientOptions): WardenClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.credential === undefined ? {} : { authorization: `Bearer ${options.credential}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
