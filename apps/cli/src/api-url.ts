// Where the gateway is: --url, then WARDEN_URL, then the URL logged in to, then the local
// default. Either the gateway's origin or its API base may be given; both mean the same.
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:3000';
const API_PATH = '/api/v1';

export function apiBaseUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new RangeError(`not a URL: ${given}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`not an http(s) URL: ${given}`);
  if (url.search || url.hash) throw new RangeError(`the gateway URL takes no query or fragment: ${given}`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(API_PATH) ? path : `${path}${API_PATH}`;
  return url.toString().replace(/\/+$/, '');
}

export function resolveApiUrl(flag: string | undefined, env: NodeJS.ProcessEnv, loggedInTo: string | undefined): string {
  return apiBaseUrl(flag ?? (env['WARDEN_URL'] || undefined) ?? loggedInTo ?? DEFAULT_GATEWAY_URL);
}
