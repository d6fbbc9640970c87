// The measuring loop every rate benchmark shares: a warm-up of each variant, then `runs`
// rounds in which the variants take turns, so system and baseline see the same machine.
import type { BenchOptions } from './options';
import { RunFigures, Summary, summarize } from './stats';

export async function alternate<V extends string>(
  options: BenchOptions,
  label: string,
  variants: Record<V, (seconds: number) => Promise<RunFigures>>,
  log: (line: string) => void,
): Promise<Record<V, Summary>> {
  const names = Object.keys(variants) as V[];
  for (const name of names) {
    log(`${label}: warming up ${name}`);
    await variants[name](options.warmupSeconds);
  }
  const runs = Object.fromEntries(names.map((name) => [name, [] as RunFigures[]])) as Record<V, RunFigures[]>;
  for (let run = 1; run <= options.runs; run++) {
    for (const name of names) {
      const figures = await variants[name](options.seconds);
      runs[name].push(figures);
      log(`${label} run ${run}/${options.runs} ${name}: ${figures.perSecond.toFixed(0)}/s, p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms, failures ${figures.failures}`);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(runs[name])])) as Record<V, Summary>;
}
