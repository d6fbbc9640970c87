import { Page, PageSlice } from '@warden/contracts';

/**
 * Seed 003's pagination: the service's slice with `next` and `previous` as URLs of this
 * API, the request's own URL with only `page` changed.
 */
export function withPageLinks<T>(slice: PageSlice<T>, requestUrl: string): Page<T> {
  const totalPages = Math.max(1, Math.ceil(slice.total / slice.page_size));
  const link = (page: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(page));
    url.searchParams.set('page_size', String(slice.page_size));
    return url.toString();
  };
  return {
    pagination: {
      total: slice.total,
      total_pages: totalPages,
      next: slice.page < totalPages ? link(slice.page + 1) : null,
      previous: slice.page > 1 ? link(Math.min(slice.page - 1, totalPages)) : null,
    },
    results: slice.results,
  };
}

/** The absolute URL a client used, as far as this server can tell (no proxy headers are trusted). */
export function requestUrlOf(request: { protocol: string; host: string; url: string }): string {
  return `${request.protocol}://${request.host}${request.url}`;
}
