// How figures are written in the table.
import type { Summary } from './stats';

export const rate = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
export const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : n < 1 ? n.toFixed(3) : n.toFixed(2));
export const seconds = (s: number) => (s < 10 ? s.toFixed(2) : s.toFixed(1));

/** `9165/s (7160-10.8k), p50 3.00 / p99 24.00 ms` */
export function rateFigure(summary: Summary, unit = '/s'): string {
  return `${rate(summary.median.perSecond)}${unit} (${rate(summary.min)}-${rate(summary.max)}), p50 ${ms(summary.median.p50Ms)} / p99 ${ms(summary.median.p99Ms)} ms`;
}

export const ratioOf = (system: number, baseline: number) => (baseline > 0 ? system / baseline : Number.NaN);
export const times = (ratio: number) => (Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)}x`);

/** A row comparing rates (and optionally p99s) of a system and its baseline. */
export function rateRow(
  benchmark: string,
  system: string,
  baseline: string,
  s: Summary,
  b: Summary,
  minRatio: number,
  maxP99Ratio?: number,
): import('./context').Row {
  const ratio = ratioOf(s.median.perSecond, b.median.perSecond);
  const p99Ratio = ratioOf(s.median.p99Ms, b.median.p99Ms);
  const failures = s.median.failures + b.median.failures;
  const met = ratio >= minRatio && (maxP99Ratio === undefined || p99Ratio <= maxP99Ratio);
  return {
    benchmark,
    system,
    systemFigure: rateFigure(s),
    baseline,
    baselineFigure: rateFigure(b),
    ratio: maxP99Ratio === undefined ? times(ratio) : `${times(ratio)} rate, p99 ${times(p99Ratio)}`,
    target: maxP99Ratio === undefined ? `>= ${minRatio}x` : `>= ${minRatio}x rate, p99 <= ${maxP99Ratio}x`,
    verdict: met ? 'met' : 'missed',
    ...(failures > 0 && { note: `${failures} requests did not answer as expected (wrong status or error)` }),
  };
}
