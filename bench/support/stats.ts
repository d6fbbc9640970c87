// Figures of one measured run, whatever drove it, and their summary over runs.

export interface RunFigures {
  /** Completed operations (requests, replies, verifications) per second. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations that did not answer as expected (wrong status, error reply, exception). */
  failures: number;
}

export interface Summary {
  runs: RunFigures[];
  median: RunFigures;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(runs: RunFigures[]): Summary {
  const rates = runs.map((r) => r.perSecond);
  return {
    runs,
    median: {
      perSecond: median(rates),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      failures: runs.reduce((sum, r) => sum + r.failures, 0),
    },
    min: Math.min(...rates),
    max: Math.max(...rates),
  };
}

/**
 * `inFlight` loops, each calling `operation` again as soon as it has answered, for `seconds`
 * (a closed-loop load): its rate and latency. An operation that throws or answers false is a
 * failure, counted and timed like the others.
 */
export async function closedLoop(seconds: number, inFlight: number, operation: () => Promise<boolean | void>): Promise<RunFigures> {
  const samples = new LatencySamples();
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        if ((await operation()) === false) failures++;
      } catch {
        failures++;
      }
      samples.add(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: samples.count / elapsed, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99), failures };
}

/** Latency samples in milliseconds, kept in a growable typed array (millions fit). */
export class LatencySamples {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(ms: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  percentile(p: number): number {
    if (this.length === 0) return Number.NaN;
    const sorted = this.values.slice(0, this.length).sort();
    return sorted[Math.min(this.length - 1, Math.ceil((p / 100) * this.length) - 1)]!;
  }
}
