// What every benchmark receives, and the row each one adds to the table.
import type { RunningSystem } from '@warden/testing';
import type { BenchOptions } from './options';

export interface BenchContext {
  options: BenchOptions;
  /** The built services, started once for the whole run (startSystem: their own database and prefixes). */
  system: RunningSystem;
  /** An API token of a service account of the bootstrap admin's organization, holding `users:read`. */
  token: string;
  log(line: string): void;
}

export type Verdict = 'met' | 'missed' | 'reported';

export interface Row {
  benchmark: string;
  system: string;
  /** The system's figure: median (min-max) over the runs, and latencies where measured. */
  systemFigure: string;
  baseline: string;
  baselineFigure: string;
  ratio: string;
  target: string;
  verdict: Verdict;
  /** Said after the table, under the row's benchmark name. */
  note?: string;
}
