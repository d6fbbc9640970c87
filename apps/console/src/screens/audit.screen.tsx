import { type FormEvent, useState } from 'react';
import { type AuditRecord, answer, warden } from '../api/warden-api';
import { CloseButton, Dialog } from '../components/dialog';
import { TextField } from '../components/field';
import { when } from '../components/format';
import { ProblemAlert } from '../components/problem-alert';
import { FilterRow, Screen } from '../components/screen';
import { useFields } from '../components/use-form-action';
import { useAction, useLoad } from '../components/use-load';
import { useSession } from '../session/session';

type Filters = { actor_id?: string; event_type?: string; subject_id?: string; correlation_id?: string; from?: string; to?: string };
const EMPTY_FORM = { actor: '', eventType: '', account: '', token: '', correlation: '', from: '', to: '' };

/** The audit log, newest first: filters, the hash chain's verification, an NDJSON export, and each record whole. */
export function AuditScreen() {
  const { me } = useSession();
  const { form, setForm, bind } = useFields(EMPTY_FORM);
  const [filters, setFilters] = useState<Filters>({});
  const [formError, setFormError] = useState<string>();
  const [pages, setPages] = useState<AuditRecord[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<AuditRecord | null>(null);
  const verify = useAction();
  const [chain, setChain] = useState<{ intact: boolean; records: number; first_broken?: { sequence: number } }>();
  const exporting = useAction();

  const first = useLoad(async () => {
    const page = await answer(warden.GET('/api/v1/audit/events', { params: { query: { ...filters, order: 'newest', limit: 50 } } }));
    setPages([page.results]);
    setCursor(page.next_cursor);
    return page;
  }, [filters]);
  const more = useAction();
  const loadMore = () =>
    void more.run(async () => {
      if (cursor === null) return;
      const page = await answer(warden.GET('/api/v1/audit/events', { params: { query: { ...filters, order: 'newest', limit: 50, cursor } } }));
      setPages((loaded) => [...loaded, page.results]);
      setCursor(page.next_cursor);
    });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (form.account && form.token) {
      setFormError('Filter by an account or by a token, not both at once');
      return;
    }
    setFormError(undefined);
    const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
    const chosen: Filters = {
      actor_id: form.actor || undefined,
      event_type: form.eventType || undefined,
      subject_id: form.account || form.token || undefined,
      correlation_id: form.correlation || undefined,
      from: iso(form.from),
      to: iso(form.to),
    };
    setFilters(Object.fromEntries(Object.entries(chosen).filter(([, value]) => value !== undefined)));
  };
  const runVerify = () => void verify.run(async () => setChain(await answer(warden.GET('/api/v1/audit/verify'))));
  const runExport = () =>
    void exporting.run(async () => {
      const { data, response } = await warden.GET('/api/v1/audit/export', { params: { query: { ...filters, order: 'oldest' } }, parseAs: 'text' });
      if (!response.ok || data === undefined) throw new Error(`The export failed (${response.status})`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([data], { type: 'application/x-ndjson' }));
      link.download = `audit-${me.organization.name}.ndjson`;
      link.click();
      URL.revokeObjectURL(link.href);
    });
  const records = pages.flat();
  return (
    <Screen
      name="audit"
      title="Audit"
      tools={
        <>
          {chain && (
            <span className={`badge ${chain.intact ? 'intact' : 'broken'}`} role="status">
              {chain.intact ? `Chain intact (${chain.records} records)` : `Chain broken at record ${chain.first_broken?.sequence ?? '?'}`}
            </span>
          )}
          <button type="button" onClick={runVerify} disabled={verify.busy}>
            Verify chain
          </button>
          <button type="button" onClick={runExport} disabled={exporting.busy}>
            Export NDJSON
          </button>
        </>
      }
    >
      <ProblemAlert error={verify.error ?? exporting.error} />
      <FilterRow label="Filter the audit log" onSubmit={apply}>
        <TextField label="Actor id" {...bind('actor')} />
        <TextField label="Event type" {...bind('eventType')} placeholder="TokenRevoked" />
        <TextField label="Account id" {...bind('account')} />
        <TextField label="Token id" {...bind('token')} />
        <TextField label="Correlation id" {...bind('correlation')} />
        <TextField label="From" type="datetime-local" {...bind('from')} />
        <TextField label="To" type="datetime-local" {...bind('to')} />
        <div className="filter-buttons">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(EMPTY_FORM);
              setFilters({});
            }}
          >
            Clear
          </button>
        </div>
      </FilterRow>
      <ProblemAlert error={formError} />
      <ProblemAlert error={first.error} />
      <ol className="timeline" aria-label="Audit timeline" aria-busy={first.loading}>
        {records.map((record) => (
          <li key={record.event_id}>
            <button type="button" className="timeline-entry" onClick={() => setOpen(record)}>
              <span className="event-type">{record.event_type}</span>
              <span>{when(record.recorded_at)}</span>
              <span className="hint">
                by {record.actor_type ?? 'system'} {record.actor_id ?? ''}
                {record.actor_credential ? ` through ${record.actor_credential.kind === 'api_token' ? 'token' : 'session'} ${record.actor_credential.id}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ol>
      {records.length === 0 && !first.loading && <p>No record matches these filters.</p>}
      {cursor !== null && (
        <button type="button" onClick={loadMore} disabled={more.busy}>
          Load older records
        </button>
      )}
      {open && (
        <Dialog title={`${open.event_type} #${open.chain_sequence}`} onClose={() => setOpen(null)} wide>
          <dl className="facts">
            <dt>Recorded</dt>
            <dd>{when(open.recorded_at)}</dd>
            <dt>Actor</dt>
            <dd>
              {open.actor_type ?? '—'} {open.actor_id ?? ''}
            </dd>
            <dt>Through</dt>
            <dd>{open.actor_credential ? `${open.actor_credential.kind} ${open.actor_credential.id}` : '—'}</dd>
            <dt>Correlation id</dt>
            <dd>{open.correlation_id ?? '—'}</dd>
            <dt>Client</dt>
            <dd>
              {open.client_address ?? '—'} {open.user_agent ?? ''}
            </dd>
            <dt>Stream</dt>
            <dd>
              {open.service} {open.stream_id} v{open.stream_version} (schema version {open.schema_version})
            </dd>
            <dt>Hash</dt>
            <dd>
              <code>{open.hash}</code>
            </dd>
          </dl>
          <h3>Data</h3>
          <pre className="json">{JSON.stringify(open.data, null, 2)}</pre>
          <CloseButton onClose={() => setOpen(null)} />
        </Dialog>
      )}
    </Screen>
  );
}
