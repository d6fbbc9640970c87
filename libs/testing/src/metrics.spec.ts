import { metricSample } from './metrics';

const exposition = [
  '# HELP warden_http_requests_total Requests answered.',
  '# TYPE warden_http_requests_total counter',
  'warden_http_requests_total{method="GET",status="200",app="gateway"} 12',
  'warden_http_requests_total{method="GET",status="401",app="gateway"} 3',
  'warden_verification_cache_leased 1',
  'warden_verification_cache_entries_total{app="gateway"} 7',
].join('\n');

describe('metricSample', () => {
  it('reads a series given whole', () => {
    expect(metricSample(exposition, 'warden_http_requests_total{method="GET",status="401",app="gateway"}')).toBe(3);
  });

  it('reads the first series of a name given alone, labelled or not', () => {
    expect(metricSample(exposition, 'warden_http_requests_total')).toBe(12);
    expect(metricSample(exposition, 'warden_verification_cache_leased')).toBe(1);
  });

  it('does not take a longer name for the one asked, and answers undefined for none', () => {
    expect(metricSample(exposition, 'warden_verification_cache_entries')).toBeUndefined();
    expect(metricSample(exposition, 'warden_http_requests_total{method="POST",status="200",app="gateway"}')).toBeUndefined();
  });
});
