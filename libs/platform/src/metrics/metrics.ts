import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';
import type { Metric } from 'prom-client';
import type { HealthReport, HealthStatus } from '../health/health-check';

// Every service is one process, so its metrics live in prom-client's default registry. A
// metric is registered when the part that owns it starts (the HTTP hook, a NATS client, the
// gateway's authentication, a relay...), so each service exports only the metrics of what it
// runs: no login throttle counter on the audit service. Names follow Prometheus' conventions:
// a unit suffix, `_total` for counters, and labels of bounded cardinality (routes as
// registered, never URLs; outcomes and codes from closed lists). ops/ holds the dashboard and
// the alert rules built on them; a test checks their every metric against these.

/** A metric created and registered the first time its owner asks for it, then the same one. */
export function ownMetric<T>(create: () => T): () => T {
  let metric: T | undefined;
  return () => (metric ??= create());
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestDuration = ownMetric(
  () =>
    new Histogram({
      name: 'warden_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to sending its answer, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
    }),
);

const HTTP_REQUEST_COUNT = 'warden_http_request_duration_seconds_count';

// Every answered request is one observation of the histogram above, so this counter is its
// `_count` by the same labels, copied when the counter is read (a scrape): a request then
// costs one metric update, not two.
export const httpRequestsTotal = ownMetric(
  () =>
    new Counter({
      name: 'warden_http_requests_total',
      help: 'HTTP requests answered, by method, route (as registered) and status',
      labelNames: ['method', 'route', 'status'] as const,
      async collect() {
        const { values } = await httpRequestDuration().get();
        this.reset();
        for (const { metricName, labels, value } of values) if (metricName === HTTP_REQUEST_COUNT) this.inc(labels, value);
      },
    }),
);

export const natsRequestDuration = ownMetric(
  () =>
    new Histogram({
      name: 'warden_nats_request_duration_seconds',
      help: 'NATS request-reply round trips to the services, by subject and outcome (ok or the error code)',
      labelNames: ['subject', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
    }),
);

/**
 * Where a credential was verified: `http` (the gateway authenticating a request),
 * `introspection` (POST /tokens/verify), `nats` (the tokens service's `tokens.verify`).
 */
export type VerificationPath = 'http' | 'introspection' | 'nats';

// Verifications are counted and timed in plain arrays and maps, and handed to Prometheus
// when it scrapes: the gateway verifies on every request, and prom-client hashes the labels
// of each update (0.2-0.5 µs a call on our machines; these about 30 ns).
const VERIFICATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const uncountedVerifications = new Map<string, number>();
const verificationLatencies = new Map<VerificationPath, { buckets: Float64Array; sum: number; count: number }>();

const credentialVerificationsTotal = ownMetric(
  () =>
    new Counter({
      name: 'warden_credential_verifications_total',
      help: 'Login keys and API tokens verified, by path (http, introspection, nats) and outcome (ok or why not)',
      labelNames: ['path', 'outcome'] as const,
      collect() {
        for (const [key, count] of uncountedVerifications) {
          const [path, outcome] = key.split(' ');
          this.inc({ path, outcome }, count);
        }
        uncountedVerifications.clear();
      },
    }),
);

const VERIFICATION_DURATION = 'warden_credential_verification_duration_seconds';

// A histogram that prom-client's registry formats like its own, read from the arrays above.
const credentialVerificationDuration = ownMetric(() => {
  const help = 'Time to verify a login key or API token (the read model round trip, or the event store while it is rebuilt), by path';
  const bucket = `${VERIFICATION_DURATION}_bucket`;
  const metric = {
    name: VERIFICATION_DURATION,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const [path, latencies] of verificationLatencies) {
        let cumulative = 0;
        VERIFICATION_BUCKETS.forEach((le, index) => {
          cumulative += latencies.buckets[index]!;
          values.push({ metricName: bucket, labels: { le, path }, value: cumulative });
        });
        values.push({ metricName: bucket, labels: { le: '+Inf', path }, value: latencies.count });
        values.push({ metricName: `${VERIFICATION_DURATION}_sum`, labels: { path }, value: latencies.sum });
        values.push({ metricName: `${VERIFICATION_DURATION}_count`, labels: { path }, value: latencies.count });
      }
      return { name: VERIFICATION_DURATION, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  // The registry reads a metric's name and get() alone; its types name only prom-client's own classes.
  register.registerMetric(metric as unknown as Metric);
  return metric;
});

/** Registers the verification metrics of a process that verifies credentials on `path`, so they are exported from its start. */
export function exportVerificationMetrics(path: VerificationPath): void {
  credentialVerificationsTotal();
  credentialVerificationDuration();
  if (!verificationLatencies.has(path)) verificationLatencies.set(path, { buckets: new Float64Array(VERIFICATION_BUCKETS.length), sum: 0, count: 0 });
}

/**
 * One verification on `path`: its outcome (ok or why not, a closed list) and how long it
 * took; without a duration (no credential presented, nothing verified) it is only counted.
 */
export function countCredentialVerification(path: VerificationPath, outcome: string, seconds?: number): void {
  exportVerificationMetrics(path);
  const key = `${path} ${outcome}`;
  uncountedVerifications.set(key, (uncountedVerifications.get(key) ?? 0) + 1);
  if (seconds === undefined) return;
  const latencies = verificationLatencies.get(path)!;
  latencies.count += 1;
  latencies.sum += seconds;
  const bucket = VERIFICATION_BUCKETS.findIndex((le) => seconds <= le);
  if (bucket >= 0) latencies.buckets[bucket]! += 1;
}

export const loginThrottlesTotal = ownMetric(
  () =>
    new Counter({
      name: 'warden_login_throttles_total',
      help: 'Logins refused with 429 because too many attempts failed for the username or the address',
    }),
);

const HEALTH_STATUSES: readonly HealthStatus[] = ['up', 'degraded', 'down'];
const healthSources = new Set<() => Promise<HealthReport>>();

const healthCheckStatus = ownMetric(
  () =>
    new Gauge({
      name: 'warden_health_check_status',
      help: 'Each readiness check of the service as GET /health/ready reports it, run at the scrape: 1 on its current status (up, degraded or down), 0 on the others',
      labelNames: ['check', 'status'] as const,
      async collect() {
        this.reset();
        const reports = await Promise.allSettled([...healthSources].map((readiness) => readiness()));
        for (const report of reports) {
          if (report.status !== 'fulfilled') continue;
          for (const [check, { status }] of Object.entries(report.value.checks)) {
            for (const candidate of HEALTH_STATUSES) this.set({ check, status: candidate }, candidate === status ? 1 : 0);
          }
        }
      },
    }),
);

/** Exports the app's readiness checks as warden_health_check_status; answers the function that stops it. */
export function exportHealthChecks(readiness: () => Promise<HealthReport>): () => void {
  healthCheckStatus();
  healthSources.add(readiness);
  return () => healthSources.delete(readiness);
}

interface ReplayProgress {
  state: string;
  events_done: number;
  events_total: number;
}
const replaySources = new Map<string, () => Promise<ReplayProgress | null> | ReplayProgress | null>();

const replayProgress = ownMetric(() => {
  const progress = async () =>
    Promise.all([...replaySources].map(async ([readModel, status]) => [readModel, await Promise.resolve(status()).catch(() => null)] as const));
  const events = (name: string, help: string, value: (view: ReplayProgress) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['read_model'] as const,
      async collect() {
        this.reset();
        for (const [readModel, view] of await progress()) this.set({ read_model: readModel }, view ? value(view) : 0);
      },
    });
  return [
    events('warden_replay_running', 'Whether a replay of the read model runs in this process (1) or not (0)', (view) => (view.state === 'running' ? 1 : 0)),
    events('warden_replay_events_done', 'Events the current or last replay of the read model has applied', (view) => view.events_done),
    events('warden_replay_events_total', 'Events in the store when the current or last replay of the read model started', (view) => view.events_total),
  ];
});

/** Exports the progress of a read model's replays in this process, read from its status at each scrape. */
export function exportReplayProgress(readModel: string, status: () => Promise<ReplayProgress | null> | ReplayProgress | null): void {
  replayProgress();
  replaySources.set(readModel, status);
}

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
