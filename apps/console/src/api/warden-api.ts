import { createWardenClient, type WardenSchema } from '@warden/api-client';

// The console talks to the public API only, through the typed client. The session is the
// gateway's HttpOnly cookie, which the browser sends by itself: no credential here.
export const warden = createWardenClient({ baseUrl: window.location.origin });

export type WhoAmI = WardenSchema<'WhoAmIResponse'>;
export type Me = WardenSchema<'MeView'>;
export type Organization = WardenSchema<'OrganizationView'>;
export type Member = WardenSchema<'UserListItem'>;
export type User = WardenSchema<'UserView'>;
export type Token = WardenSchema<'TokenView'>;
export type IssuedToken = WardenSchema<'IssuedTokenView'>;
export type Role = WardenSchema<'RoleView'>;
export type Team = WardenSchema<'TeamPage'>['results'][number];
export type AuditRecord = WardenSchema<'AuditRecordView'>;
export type TokenAsOf = WardenSchema<'TokenAsOfView'>;
export type Replay = WardenSchema<'ReadModelReplayView'>;
export type Pagination = WardenSchema<'Pagination'>;

/** An RFC 7807 problem document, as every refusal of the API answers. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

/** A refusal of the API: its problem document, and `Retry-After` when it said to wait. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly retryAfterSeconds: number | null,
  ) {
    super(problem.detail);
  }
}

const signedOutListeners = new Set<() => void>();

/** Called when the API says the session is gone (expired, revoked, its account deactivated). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function problemOf(body: unknown, response: Response): Problem {
  if (body && typeof body === 'object' && 'detail' in body) return body as Problem;
  return { status: response.status, code: 'unexpected_answer', title: response.statusText, detail: `The API answered ${response.status}` };
}

/** The answer of a typed-client call, or a ProblemError with the API's problem document. */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  if (response.status === 401) for (const listener of signedOutListeners) listener();
  const retryAfter = response.headers.get('retry-after');
  throw new ProblemError(problemOf(error, response), retryAfter === null ? null : Number(retryAfter));
}

/** Every page of a paginated list, for the small lists a picker offers (teams, service accounts). */
export async function allPages<T>(page: (number: number) => Promise<{ pagination: Pagination; results: T[] }>, limit = 10): Promise<T[]> {
  const results: T[] = [];
  for (let number = 1; number <= limit; number++) {
    const answered = await page(number);
    results.push(...answered.results);
    if (answered.pagination.next === null) break;
  }
  return results;
}
