import { HealthCheck, HealthCheckResult, runHealthChecks } from './health-check';

const check = (name: string, result: () => Promise<HealthCheckResult>): HealthCheck => ({
  name,
  check: result,
});

describe('runHealthChecks', () => {
  it('is ok when every check is up, with each check reported by name with its latency', async () => {
    const report = await runHealthChecks(
      [
        check('postgres', async () => ({ status: 'up' })),
        check('relay', async () => ({ status: 'up', detail: 'caught up' })),
      ],
      1000,
    );
    expect(report.status).toBe('ok');
    expect(report.checks['relay']).toMatchObject({ status: 'up', detail: 'caught up' });
    expect(report.checks['postgres']!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is degraded, not unavailable, when a check is degraded', async () => {
    const report = await runHealthChecks(
      [
        check('postgres', async () => ({ status: 'up' })),
        check('relay', async () => ({ status: 'degraded', detail: 'lagging 120' })),
      ],
      1000,
    );
    expect(report.status).toBe('degraded');
  });

  it('is unavailable when one check is down, and says why', async () => {
    const report = await runHealthChecks(
      [
        check('redis', async () => ({ status: 'up' })),
        check('read model', async () => ({ status: 'down', detail: 'rebuilding' })),
      ],
      1000,
    );
    expect(report).toMatchObject({
      status: 'unavailable',
      checks: { 'read model': { status: 'down', detail: 'rebuilding' } },
    });
  });

  it('reports a check that throws as down with its message', async () => {
    const report = await runHealthChecks(
      [check('postgres', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')))],
      1000,
    );
    expect(report).toMatchObject({
      status: 'unavailable',
      checks: { postgres: { status: 'down', detail: 'connect ECONNREFUSED 127.0.0.1:1' } },
    });
  });

  it('reports a check that never answers as down after the timeout', async () => {
    const report = await runHealthChecks([check('nats', () => new Promise<never>(() => undefined))], 20);
    expect(report).toMatchObject({
      status: 'unavailable',
      checks: { nats: { status: 'down', detail: 'no answer within 20 ms' } },
    });
  });
});
