import { register } from 'prom-client';
import {
  countCredentialVerification,
  exportReplayProgress,
  httpRequestDuration,
  httpRequestsTotal,
  loginThrottlesTotal,
  metricsExposition,
} from './metrics';

const valueOf = async (metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }, labels: object) =>
  (await metric.get()).values.find((entry) => JSON.stringify(entry.labels) === JSON.stringify(labels))?.value;

const exposition = async (name: string) => register.getSingleMetricAsString(name);

describe('request metrics', () => {
  it('counts each request the histogram observed, by the same labels, however often it is read', async () => {
    const labels = { method: 'GET', route: '/spec/counted', status: '200' };
    httpRequestDuration().observe(labels, 0.002);
    httpRequestDuration().observe(labels, 0.004);
    httpRequestDuration().observe({ ...labels, status: '401' }, 0.001);
    expect(await valueOf(httpRequestsTotal(), labels)).toBe(2);
    expect(await valueOf(httpRequestsTotal(), labels)).toBe(2);
    expect(await valueOf(httpRequestsTotal(), { ...labels, status: '401' })).toBe(1);
    expect(await exposition('warden_http_requests_total')).toContain('warden_http_requests_total{method="GET",route="/spec/counted",status="200"} 2');
  });
});

describe('the request histogram', () => {
  it('is exported as prom-client exports a histogram: cumulative buckets by route, method and status, +Inf as the count, the sum', async () => {
    httpRequestDuration().observeRequest('GET', '/spec/timed/:id', 200, 0.0007);
    httpRequestDuration().observeRequest('GET', '/spec/timed/:id', 200, 0.03);
    httpRequestDuration().observeRequest('GET', '/spec/timed/:id', 404, 20);
    const text = await exposition('warden_http_request_duration_seconds');
    expect(text).toContain('# TYPE warden_http_request_duration_seconds histogram');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/spec/timed/:id",status="200"} 1');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="0.025",method="GET",route="/spec/timed/:id",status="200"} 1');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/spec/timed/:id",status="200"} 2');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="10",method="GET",route="/spec/timed/:id",status="404"} 0');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/spec/timed/:id",status="404"} 1');
    expect(text).toContain('warden_http_request_duration_seconds_count{method="GET",route="/spec/timed/:id",status="200"} 2');
    const sum = /warden_http_request_duration_seconds_sum\{method="GET",route="\/spec\/timed\/:id",status="200"\} (\S+)/.exec(text)?.[1];
    expect(Number(sum)).toBeCloseTo(0.0307, 10);
    expect(await valueOf(httpRequestsTotal(), { method: 'GET', route: '/spec/timed/:id', status: '404' })).toBe(1);
  });

  it('goes back to zero when the registry resets its metrics, and counts on from there', async () => {
    httpRequestDuration().observeRequest('POST', '/spec/reset', 201, 0.002);
    register.resetMetrics();
    httpRequestDuration().observeRequest('POST', '/spec/reset', 201, 0.004);
    const text = await exposition('warden_http_request_duration_seconds');
    expect(text).toContain('warden_http_request_duration_seconds_count{method="POST",route="/spec/reset",status="201"} 1');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="0.0025",method="POST",route="/spec/reset",status="201"} 0');
    expect(text).toContain('warden_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/spec/reset",status="201"} 1');
  });
});

describe('a metric of its own', () => {
  it('is exported only once the part that owns it asks for it', async () => {
    expect(register.getSingleMetric('warden_login_throttles_total')).toBeUndefined();
    loginThrottlesTotal();
    expect(await exposition('warden_login_throttles_total')).toContain('warden_login_throttles_total 0');
    expect(loginThrottlesTotal()).toBe(loginThrottlesTotal());
  });
});

describe('verification metrics', () => {
  it('counts verifications by path and outcome, each added once however often they are read', async () => {
    countCredentialVerification('nats', 'revoked', 0.0003);
    countCredentialVerification('nats', 'revoked', 0.0004);
    countCredentialVerification('http', 'missing');
    const counted = 'warden_credential_verifications_total{path="nats",outcome="revoked"} 2';
    expect(await exposition('warden_credential_verifications_total')).toContain(counted);
    expect(await exposition('warden_credential_verifications_total')).toContain(counted);
    countCredentialVerification('nats', 'revoked', 0.0002);
    expect(await exposition('warden_credential_verifications_total')).toContain('warden_credential_verifications_total{path="nats",outcome="revoked"} 3');
    expect(await exposition('warden_credential_verifications_total')).toContain('warden_credential_verifications_total{path="http",outcome="missing"} 1');
  });

  it('times them as a Prometheus histogram: cumulative buckets, +Inf as the count, the sum', async () => {
    countCredentialVerification('introspection', 'ok', 0.0002);
    countCredentialVerification('introspection', 'ok', 0.003);
    countCredentialVerification('introspection', 'ok', 5);
    countCredentialVerification('introspection', 'unknown'); // nothing verified: counted, not timed
    const text = await exposition('warden_credential_verification_duration_seconds');
    expect(text).toContain('# TYPE warden_credential_verification_duration_seconds histogram');
    expect(text).toContain('warden_credential_verification_duration_seconds_bucket{le="0.0001",path="introspection"} 0');
    expect(text).toContain('warden_credential_verification_duration_seconds_bucket{le="0.00025",path="introspection"} 1');
    expect(text).toContain('warden_credential_verification_duration_seconds_bucket{le="0.005",path="introspection"} 2');
    expect(text).toContain('warden_credential_verification_duration_seconds_bucket{le="1",path="introspection"} 2');
    expect(text).toContain('warden_credential_verification_duration_seconds_bucket{le="+Inf",path="introspection"} 3');
    expect(text).toContain('warden_credential_verification_duration_seconds_count{path="introspection"} 3');
    expect(text).toMatch(/warden_credential_verification_duration_seconds_sum\{path="introspection"\} 5\.0032/);
  });
});

describe('replay progress', () => {
  it('reads each read model’s replay status at every scrape', async () => {
    let status: { state: string; events_done: number; events_total: number } | null = null;
    exportReplayProgress('spec-model', () => status);
    expect(await exposition('warden_replay_running')).toContain('warden_replay_running{read_model="spec-model"} 0');
    status = { state: 'running', events_done: 250, events_total: 1000 };
    expect(await exposition('warden_replay_running')).toContain('warden_replay_running{read_model="spec-model"} 1');
    expect(await exposition('warden_replay_events_done')).toContain('warden_replay_events_done{read_model="spec-model"} 250');
    expect(await exposition('warden_replay_events_total')).toContain('warden_replay_events_total{read_model="spec-model"} 1000');
  });
});

describe('the exposition', () => {
  it('is rendered once for the scrapes that arrive while it renders, and afresh for the next', async () => {
    const render = jest.spyOn(register, 'metrics');
    try {
      const together = await Promise.all([metricsExposition(), metricsExposition(), metricsExposition()]);
      expect(render).toHaveBeenCalledTimes(1);
      expect(new Set(together.map((scrape) => scrape.body)).size).toBe(1);
      expect(together[0]!.contentType).toBe(register.contentType);

      loginThrottlesTotal().inc();
      const next = await metricsExposition();
      expect(render).toHaveBeenCalledTimes(2);
      expect(next.body).not.toBe(together[0]!.body);
    } finally {
      render.mockRestore();
    }
  });

  it('is rendered again after a rendering that failed', async () => {
    const render = jest.spyOn(register, 'metrics').mockRejectedValueOnce(new Error('a collector threw'));
    try {
      await expect(metricsExposition()).rejects.toThrow('a collector threw');
      await expect(metricsExposition()).resolves.toMatchObject({ contentType: register.contentType });
      expect(render).toHaveBeenCalledTimes(2);
    } finally {
      render.mockRestore();
    }
  });
});
