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

/** One series of a ScrapedHistogram: its labels, and its observations per bucket (not cumulative). */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

type ExportedValue = { metricName: string; labels: Record<string, string | number>; sharedLabels?: Readonly<Record<string, string>>; value: number };

/**
 * A histogram kept in plain arrays and handed to Prometheus when it scrapes, for what is
 * observed on every request: prom-client hashes the labels of each observation (0.2-0.5 µs
 * a call on our machines), while the owner of one of these holds on to its series and adds
 * to it (about 30 ns). `defaultLabelsFirst` writes the registry's default labels (`app`)
 * before the series' own, as prom-client writes its histograms; otherwise they come after.
 */
export class ScrapedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all: HistogramSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    private readonly defaultLabelsFirst = false,
  ) {
    // The registry reads a metric's name and get() alone; its types name only prom-client's own classes.
    register.registerMetric(this as unknown as Metric);
  }

  /** A new series, exported from now on (with zeros until observed). */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const series = { labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
    this.all.push(series);
    return series;
  }

  /** One observation of `series`. */
  add(series: HistogramSeries, seconds: number): void {
    series.count += 1;
    series.sum += seconds;
    for (let bucket = 0; bucket < this.upperBounds.length; bucket++) {
      if (seconds <= this.upperBounds[bucket]!) {
        series.buckets[bucket]! += 1;
        return;
      }
    }
  }

  /** Back to zero, every series kept (their owners hold on to them): what `register.resetMetrics()` asks. */
  reset(): void {
    for (const series of this.all) {
      series.buckets.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What the registry writes (it puts its default labels after `labels` and before `sharedLabels`). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    const push = (metricName: string, labels: Record<string, string | number>, series: Readonly<Record<string, string>>, value: number) =>
      values.push(this.defaultLabelsFirst ? { metricName, labels, sharedLabels: series, value } : { metricName, labels: { ...labels, ...series }, value });
    for (const { labels, buckets, sum, count } of this.all) {
      let cumulative = 0;
      this.upperBounds.forEach((le, index) => {
        cumulative += buckets[index]!;
        push(bucket, { le }, labels, cumulative);
      });
      push(bucket, { le: '+Inf' }, labels, count);
      push(`${this.name}_sum`, {}, labels, sum);
      push(`${this.name}_count`, {}, labels, count);
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The same values with each one's labels whole, as prom-client's `get()` gives them. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const metric = await this.getForPromString();
    metric.values = metric.values.map(({ metricName, labels, sharedLabels, value }) => ({ metricName, labels: { ...labels, ...sharedLabels }, value }));
    return metric;
  }
}

/** The labels of an HTTP request's observation: the route as registered, never the URL. */
export interface HttpRequestLabels {
  method: string;
  route: string;
  status: string;
}

/**
 * warden_http_request_duration_seconds: every answered request, by route, method and status
 * code, each looked up in a map of its own (strings the router and the parser hand over
 * again and again, and a number), so that a request builds no key and no labels object.
 */
export class HttpRequestDuration extends ScrapedHistogram {
  private readonly byRoute = new Map<string, Map<string, Map<number, HistogramSeries>>>();

  constructor() {
    super('warden_http_request_duration_seconds', 'Time from receiving an HTTP request to sending its answer, by method, route and status', LATENCY_BUCKETS, true);
  }

  /** One answered request; `route` as registered (`/api/v1/users/:id`). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) byStatus.set(status, (series = this.series({ method, route, status: String(status) })));
    this.add(series, seconds);
  }

  /** The same as prom-client's histograms take it, for a caller holding the labels already. */
  observe({ method, route, status }: HttpRequestLabels, seconds: number): void {
    this.observeRequest(method, route, Number(status), seconds);
  }
}

export const httpRequestDuration = ownMetric(() => new HttpRequestDuration());

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

// Verifications are counted and timed in plain maps and arrays, and handed to Prometheus
// when it scrapes: the gateway verifies on every request (see ScrapedHistogram).
const VERIFICATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
// Counts by path, then outcome: both are constant strings, so neither lookup builds a key.
const uncountedVerifications = new Map<VerificationPath, Map<string, number>>();
const verificationLatencies = new Map<VerificationPath, HistogramSeries>();

const credentialVerificationsTotal = ownMetric(
  () =>
    new Counter({
      name: 'warden_credential_verifications_total',
      help: 'Login keys and API tokens verified, by path (http, introspection, nats) and outcome (ok or why not)',
      labelNames: ['path', 'outcome'] as const,
      collect() {
        for (const [path, outcomes] of uncountedVerifications) {
          for (const [outcome, count] of outcomes) this.inc({ path, outcome }, count);
          outcomes.clear();
        }
      },
    }),
);

const credentialVerificationDuration = ownMetric(
  () =>
    new ScrapedHistogram(
      'warden_credential_verification_duration_seconds',
      'Time to verify a login key or API token (the read model round trip, or the event store while it is rebuilt), by path',
      VERIFICATION_BUCKETS,
    ),
);

/** Registers the verification metrics of a process that verifies credentials on `path`, so they are exported from its start. */
export function exportVerificationMetrics(path: VerificationPath): void {
  credentialVerificationsTotal();
  const duration = credentialVerificationDuration();
  if (!verificationLatencies.has(path)) verificationLatencies.set(path, duration.series({ path }));
  if (!uncountedVerifications.has(path)) uncountedVerifications.set(path, new Map());
}

/**
 * One verification on `path`: its outcome (ok or why not, a closed list) and how long it
 * took; without a duration (no credential presented, nothing verified) it is only counted.
 */
export function countCredentialVerification(path: VerificationPath, outcome: string, seconds?: number): void {
  let outcomes = uncountedVerifications.get(path);
  if (outcomes === undefined) {
    exportVerificationMetrics(path);
    outcomes = uncountedVerifications.get(path)!;
  }
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  if (seconds !== undefined) credentialVerificationDuration().add(verificationLatencies.get(path)!, seconds);
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

let rendering: Promise<string> | undefined;

/**
 * The exposition text and its content type, as Prometheus scrapes them. Scrapes that arrive
 * while one is being rendered share its text (collected after the first of them arrived): a
 * rendering runs every collector, the health checks included, and writes every series, so
 * two Prometheus servers of a pair scraping at once pay for one.
 */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  rendering ??= register.metrics().finally(() => {
    rendering = undefined;
  });
  return { contentType: register.contentType, body: await rendering };
}
