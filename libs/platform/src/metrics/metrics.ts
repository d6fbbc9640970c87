import { Counter, Histogram, collectDefaultMetrics, register } from 'prom-client';

// Every service is one process, so its metrics live in prom-client's default registry:
// a library (the relay, a consumer, a projection) adds its own series there and
// `GET /metrics` serves them all. Names follow Prometheus' conventions: a unit suffix,
// `_total` for counters, and labels of bounded cardinality (routes as registered, never
// URLs; outcomes and codes from closed lists).

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestDuration = new Histogram({
  name: 'warden_http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to sending its answer, by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
});

const HTTP_REQUEST_COUNT = 'warden_http_request_duration_seconds_count';

// Every answered request is one observation of the histogram above, so this counter is its
// `_count` by the same labels, copied when the counter is read (a scrape): a request then
// costs one metric update, not two.
export const httpRequestsTotal = new Counter({
  name: 'warden_http_requests_total',
  help: 'HTTP requests answered, by method, route (as registered) and status',
  labelNames: ['method', 'route', 'status'] as const,
  async collect() {
    const { values } = await httpRequestDuration.get();
    this.reset();
    for (const { metricName, labels, value } of values) if (metricName === HTTP_REQUEST_COUNT) this.inc(labels, value);
  },
});

export const natsRequestDuration = new Histogram({
  name: 'warden_nats_request_duration_seconds',
  help: 'NATS request-reply round trips to the services, by subject and outcome (ok or the error code)',
  labelNames: ['subject', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
});

// Verifications counted in a plain map and added to the counter when it is read: the
// gateway counts one per request, and prom-client checks and hashes the labels on each call.
const uncountedVerifications = new Map<string, number>();

export const credentialVerificationsTotal = new Counter({
  name: 'warden_credential_verifications_total',
  help: 'Login keys and API tokens verified, by outcome (ok or why not)',
  labelNames: ['outcome'] as const,
  collect() {
    for (const [outcome, count] of uncountedVerifications) this.inc({ outcome }, count);
    uncountedVerifications.clear();
  },
});

/** One verification more under `outcome` in credentialVerificationsTotal (a closed list: ok or why not). */
export function countCredentialVerification(outcome: string): void {
  uncountedVerifications.set(outcome, (uncountedVerifications.get(outcome) ?? 0) + 1);
}

export const loginThrottlesTotal = new Counter({
  name: 'warden_login_throttles_total',
  help: 'Logins refused with 429 because too many attempts failed for the username or the address',
});

let defaultMetricsCollected = false;

/** The process's own series (CPU, memory, event loop lag, GC), labelled with the app's name. */
export function collectProcessMetrics(app: string): void {
  if (defaultMetricsCollected) return;
  defaultMetricsCollected = true;
  register.setDefaultLabels({ app });
  collectDefaultMetrics();
}

/** The exposition text and its content type, as Prometheus scrapes them. */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
