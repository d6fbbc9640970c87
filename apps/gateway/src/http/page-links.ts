import { Page, PageSlice } from '@warden/contracts';

/**
 * A list route's page: the service's slice with `next` and `previous` as URLs of this
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

/**
 * The absolute URL of the request as clients reach the gateway: the configured public base
 * URL (`PUBLIC_BASE_URL`, set on the server by `configureGateway`) and the request's path.
 * Nothing a request carries (its Host header) goes into a URL the API answers.
 */
export function requestUrlOf(request: { server: object; url: string }): string {
  return `${publicBaseUrl(request)}${request.url}`;
}

/** An absolute URL of this API for `path` (`/api/v1/...`). */
export function apiUrlOf(request: { server: object }, path: string): string {
  return `${publicBaseUrl(request)}${path}`;
}

const PUBLIC_BASE_URL = Symbol('publicBaseUrl');

/** Sets the base URL the answers' URLs are built from; call once when the gateway is set up. */
export function setPublicBaseUrl(server: object, baseUrl: string): void {
  (server as { [PUBLIC_BASE_URL]?: string })[PUBLIC_BASE_URL] = baseUrl;
}

function publicBaseUrl(request: { server: object }): string {
  const baseUrl = (request.server as { [PUBLIC_BASE_URL]?: string })[PUBLIC_BASE_URL];
  if (baseUrl === undefined) throw new Error('the public base URL is not set (configureGateway sets it)');
  return baseUrl;
}
