import { useEffect, useState } from 'react';
import { type Replay, answer, warden } from '../api/warden-api';
import { when } from '../components/format';
import { ProblemAlert } from '../components/problem-alert';
import { useAction } from '../components/use-load';

const READ_MODELS = [
  { name: 'tokens', label: 'Tokens (the credential read model)' },
  { name: 'users-listing', label: 'Users listing' },
  { name: 'audit-log', label: 'Audit log' },
] as const;
type ReadModel = (typeof READ_MODELS)[number]['name'];

/** Replays of the read models from the event stores, for the platform admin, with their progress while they run. */
export function ReadModelsScreen() {
  return (
    <section aria-labelledby="read-models-title">
      <h1 id="read-models-title">Read models</h1>
      <p>
        Everything outside the event stores is rebuilt from them. <strong>Compare</strong> replays into scratch and lists each difference with the live
        one; <strong>Replay</strong> rebuilds beside it and swaps it in (for the audit log, that also erases the evidence of tampering: compare first).
      </p>
      {READ_MODELS.map((model) => (
        <ReadModelPanel key={model.name} name={model.name} label={model.label} />
      ))}
    </section>
  );
}

function ReadModelPanel({ name, label }: { name: ReadModel; label: string }) {
  const [replay, setReplay] = useState<Replay | null>(null);
  const action = useAction();
  const status = () => answer(warden.GET('/api/v1/admin/read-models/{name}/replay', { params: { path: { name } } }));

  useEffect(() => {
    void status().then((answered) => setReplay(answered.replay), () => undefined);
  }, []);
  const running = replay?.state === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void status().then((answered) => setReplay(answered.replay), () => undefined), 500);
    return () => clearInterval(timer);
  }, [running]);

  const start = (mode: 'swap' | 'compare') =>
    void action.run(async () => setReplay(await answer(warden.POST('/api/v1/admin/read-models/{name}/replay', { params: { path: { name } }, body: { mode } }))));
  const titleId = `read-model-${name}`;
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{label}</h2>
      <div className="buttons">
        <button type="button" onClick={() => start('compare')} disabled={action.busy || running}>
          Compare {name}
        </button>
        <button type="button" className="danger" onClick={() => start('swap')} disabled={action.busy || running}>
          Replay {name}
        </button>
      </div>
      <ProblemAlert error={action.error} />
      {replay && (
        <div role="status" aria-live="polite">
          <progress max={Math.max(1, replay.events_total, replay.events_done)} value={replay.events_done} aria-label={`Progress of the ${name} replay`} />
          <p>
            {/* the catch-up may add events written meanwhile to those in the store when it started */}
            {replay.mode === 'compare' ? 'Compare' : 'Replay'} {replay.state}: {replay.events_done} of {Math.max(replay.events_total, replay.events_done)} events
            {replay.state === 'running' && `, ${Math.round(replay.events_per_second)} per second, ${replay.seconds_left ?? '?'} s left`}
            {replay.finished_at && `, finished ${when(replay.finished_at)}`}
          </p>
          {replay.error && <p className="problem">{replay.error}</p>}
          {replay.report && <pre className="json">{JSON.stringify(replay.report, null, 2)}</pre>}
        </div>
      )}
    </section>
  );
}
