// The only routes answered without a credential. Matched on the method and the route as
// registered (Fastify's routeOptions.url), so a query string or an unknown path never
// widens the list; every route not listed here requires authentication.
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v1/auth/login',
  // The client authenticates itself there (RFC 6749 §2.3), and the metadata is public (RFC 8414).
  'POST /oauth2/token',
  'GET /.well-known/oauth-authorization-server',
  'HEAD /.well-known/oauth-authorization-server',
  'POST /api/v1/auth/console/login',
  // A secret scanner's alert: signed by the scanner, checked by the tokens service.
  'POST /api/v1/secret-scanning/alerts',
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'HEAD /health',
  'HEAD /health/live',
  'HEAD /health/ready',
  'GET /metrics',
  'GET /api/v1/openapi.json',
  'GET /docs',
  'HEAD /metrics',
  'HEAD /api/v1/openapi.json',
  'HEAD /docs',
  'GET /console',
  'HEAD /console',
]);

// The files of the interactive API page (openapi/api-docs.controller.ts), routes of Fastify's own.
const DOCS_ASSET_ROUTE = /^\/docs\/assets\/[a-z-]+\.(css|js)$/;
// The console's files and the paths of its screens, one route of Fastify's own (console/console.controller.ts).
export const CONSOLE_FILES_ROUTE = '/console/*';

export function isPublicRoute(method: string, routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return false;
  const upperMethod = method.toUpperCase();
  if ((upperMethod === 'GET' || upperMethod === 'HEAD') && (DOCS_ASSET_ROUTE.test(routeUrl) || routeUrl === CONSOLE_FILES_ROUTE)) return true;
  return PUBLIC_ROUTES.has(`${upperMethod} ${routeUrl}`);
}
