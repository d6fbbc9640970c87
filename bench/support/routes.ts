// The route sweep's pure parts: which GET routes it drives (from the route table the
// gateway's authorization matrix walks), their path parameters filled with ids, the paged
// listings' queries, a JSON document of a given size for the SELECT baseline, and the
// spread between the paged listings.

/** What the sweep reads of a route of the route table (apps/gateway/e2e/route-access.ts). */
export interface TableRoute {
  method: string;
  path: string;
  case?: string;
}

/** The GET routes of the table, each path once (a `case` repeats a route the table already lists). */
export function getRoutes(routes: readonly TableRoute[]): string[] {
  const paths = routes.filter((route) => route.method === 'GET' && route.case === undefined).map((route) => route.path);
  return [...new Set(paths)];
}

/** The resources whose ids the sweep makes in its setup, for the path parameters of every GET route. */
export const SWEEP_RESOURCES = ['organizations', 'users', 'teams', 'tokens', 'read-models', 'webhooks'] as const;
export type SweepIds = Record<(typeof SWEEP_RESOURCES)[number], string>;

/**
 * The path with each parameter replaced by the id of its resource, named by the segment
 * before it: `/api/v1/audit/users/:id/history` takes `ids.users`, `/api/v1/admin/read-models/:name/replay`
 * `ids['read-models']`.
 */
export function fillPath(path: string, ids: Readonly<Record<string, string>>): string {
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      if (!segment.startsWith(':')) return segment;
      const resource = segments[i - 1] ?? '';
      const id = ids[resource];
      if (id === undefined) throw new Error(`no id for the ${segment} of ${resource} in ${path}`);
      return encodeURIComponent(id);
    })
    .join('/');
}

/** The listings driven at several pages and page sizes. */
export const PAGED_LISTINGS = ['/api/v1/organizations', '/api/v1/users', '/api/v1/tokens', '/api/v1/audit/events'] as const;
export type PagedListing = (typeof PAGED_LISTINGS)[number];

/** Page 500, or the last full page of `rows` at `perPage` when there are fewer. */
export function deepPage(rows: number, perPage: number, wanted = 500): number {
  return Math.max(1, Math.min(wanted, Math.floor(rows / perPage)));
}

/**
 * The query of a page of a listing. The audit log pages with keyset cursors (`limit`,
 * `cursor`), the others with `page` and `page_size`: a later audit page is reached by the
 * cursor of the page before it, which the caller walked to.
 */
export function pageQuery(listing: PagedListing, page: number, perPage: number, cursor?: string): string {
  if (listing === '/api/v1/audit/events') {
    if (page > 1 && cursor === undefined) throw new Error(`page ${page} of the audit log needs the cursor of page ${page - 1}`);
    return `?limit=${perPage}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
  }
  return `?page=${page}&page_size=${perPage}`;
}

/** The smallest padded document: `{"pad":""}`. */
export const MIN_DOCUMENT_BYTES = 10;

/**
 * A JSON document of exactly `bytes` bytes, ASCII only: what
 * the SELECT baseline stores and answers in place of a route's body of that size.
 */
export function paddedDocument(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < MIN_DOCUMENT_BYTES) throw new Error(`a JSON document takes at least ${MIN_DOCUMENT_BYTES} bytes, not ${bytes}`);
  return `{"pad":"${'x'.repeat(bytes - MIN_DOCUMENT_BYTES)}"}`;
}

/** The slowest and the fastest of several rates, and how many times faster the fastest is. */
export function spread(rates: Readonly<Record<string, number>>): { slowest: string; fastest: string; factor: number } {
  const entries = Object.entries(rates);
  if (entries.length === 0) throw new Error('spread of no rates');
  const [slowest] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
  const [fastest] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { slowest, fastest, factor: rates[slowest]! > 0 ? rates[fastest]! / rates[slowest]! : Number.POSITIVE_INFINITY };
}
