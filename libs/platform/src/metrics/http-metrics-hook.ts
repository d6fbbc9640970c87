import type { FastifyInstance } from 'fastify';
import { httpRequestDuration, httpRequestsTotal } from './metrics';

// A request that matched no route is counted under one label, so that scanners probing
// random paths cannot grow the number of series.
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every HTTP request and times it, by route as registered (`/api/v1/users/:id`),
 * method and status. Call before `app.listen()`:
 * `registerHttpMetrics(app.getHttpAdapter().getInstance())`.
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const duration = httpRequestDuration();
  httpRequestsTotal();
  fastify.addHook('onResponse', (request, reply, done) => {
    // and so warden_http_requests_total
    duration.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
