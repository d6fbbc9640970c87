// Polls each app's readiness all through the tier and remembers what it said since the
// last `reset`: the fault tier checks that health told what was going on during a fault.
import { RunningSystem, SERVICE_APPS, ServiceApp } from '@warden/testing';

export type Seen = 'ok' | 'degraded' | 'unavailable' | 'unreachable';

export class HealthWatch {
  private seen = new Map<ServiceApp, Set<Seen>>();
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly system: RunningSystem) {
    this.reset();
    this.loops = SERVICE_APPS.map((app) => this.poll(app));
  }

  reset(): void {
    this.seen = new Map(SERVICE_APPS.map((app) => [app, new Set<Seen>()]));
  }

  /** What an app's health said since the last reset, other than ok. */
  trouble(app: ServiceApp): Seen[] {
    return [...this.seen.get(app)!].filter((seen) => seen !== 'ok').sort();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async poll(app: ServiceApp): Promise<void> {
    while (this.running) {
      this.seen.get(app)!.add(await readiness(this.system, app));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export function readiness(system: RunningSystem, app: ServiceApp): Promise<Seen> {
  return readinessAt(system.healthUrl(app));
}

/** What the `/health` at that URL says (a second instance's, say). */
export async function readinessAt(healthUrl: string): Promise<Seen> {
  try {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { status?: string };
    return body.status === 'ok' || body.status === 'degraded' ? body.status : 'unavailable';
  } catch {
    return 'unreachable';
  }
}
