import { register } from 'prom-client';
import { countCredentialVerification, credentialVerificationsTotal, httpRequestDuration, httpRequestsTotal } from './metrics';

const valueOf = async (metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }, labels: object) =>
  (await metric.get()).values.find((entry) => JSON.stringify(entry.labels) === JSON.stringify(labels))?.value;

describe('request metrics', () => {
  it('counts each request the histogram observed, by the same labels, however often it is read', async () => {
    const labels = { method: 'GET', route: '/spec/counted', status: '200' };
    httpRequestDuration.observe(labels, 0.002);
    httpRequestDuration.observe(labels, 0.004);
    httpRequestDuration.observe({ ...labels, status: '401' }, 0.001);
    expect(await valueOf(httpRequestsTotal, labels)).toBe(2);
    expect(await valueOf(httpRequestsTotal, labels)).toBe(2);
    expect(await valueOf(httpRequestsTotal, { ...labels, status: '401' })).toBe(1);
    expect(await register.getSingleMetricAsString('warden_http_requests_total')).toContain(
      'warden_http_requests_total{method="GET",route="/spec/counted",status="200"} 2',
    );
  });

  it('adds the verifications counted since the last read, once', async () => {
    const before = (await valueOf(credentialVerificationsTotal, { outcome: 'spec_outcome' })) ?? 0;
    countCredentialVerification('spec_outcome');
    countCredentialVerification('spec_outcome');
    expect(await valueOf(credentialVerificationsTotal, { outcome: 'spec_outcome' })).toBe(before + 2);
    expect(await valueOf(credentialVerificationsTotal, { outcome: 'spec_outcome' })).toBe(before + 2);
    countCredentialVerification('spec_outcome');
    expect(await valueOf(credentialVerificationsTotal, { outcome: 'spec_outcome' })).toBe(before + 3);
  });
});
