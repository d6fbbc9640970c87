import type { WardenSchema } from '@warden/api-client';

type ReadModelReplayView = WardenSchema<'ReadModelReplayView'>;

// One line that a terminal redraws in place (with \r) while a replay runs.

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function renderProgress(run: Pick<ReadModelReplayView, 'events_done' | 'events_total' | 'events_per_second' | 'seconds_left' | 'state'>, width = 30): string {
  // the catch-up may apply more events than the store held at the start
  const total = Math.max(run.events_total, run.events_done);
  const fraction = run.state === 'succeeded' ? 1 : total === 0 ? 0 : run.events_done / total;
  const filled = Math.floor(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const rate = run.events_per_second > 0 ? `  ${Math.round(run.events_per_second)}/s` : '';
  const left = run.state === 'running' && run.seconds_left !== null ? `  ~${duration(run.seconds_left)} left` : '';
  return `${bar} ${percent}  ${run.events_done}/${total} events${rate}${left}`;
}
