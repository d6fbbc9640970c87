export type HealthStatus = 'up' | 'down' | 'degraded';

export interface HealthCheckResult {
  status: HealthStatus;
  detail?: string;
}

/** One thing an app depends on: a server, or its own state (`relay: lagging 120 events`). */
export interface HealthCheck {
  name: string;
  check(): Promise<HealthCheckResult>;
  /** Releases a connection the check opened for itself. */
  close?(): Promise<void>;
}

/** Injection token of the app's HealthCheck[] (see HealthModule.forRoot). */
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

export interface CheckReport extends HealthCheckResult {
  latencyMs: number;
}

export interface HealthReport {
  /** `degraded` still answers 200: the app serves requests, with a caveat worth seeing. */
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, CheckReport>;
}

/** Runs every check at once; one that throws or outlives `timeoutMs` is down. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number,
): Promise<HealthReport> {
  const reports = await Promise.all(
    checks.map(async (check) => [check.name, await runOne(check, timeoutMs)] as const),
  );
  const statuses = reports.map(([, report]) => report.status);
  const status = statuses.includes('down')
    ? 'unavailable'
    : statuses.includes('degraded')
      ? 'degraded'
      : 'ok';
  return { status, checks: Object.fromEntries(reports) };
}

async function runOne(check: HealthCheck, timeoutMs: number): Promise<CheckReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'down', detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([check.check(), timedOut]);
    return { ...result, latencyMs: elapsed(started) };
  } catch (error) {
    return {
      status: 'down',
      detail: error instanceof Error ? error.message : String(error),
      latencyMs: elapsed(started),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
