import { type FormEvent, useState } from 'react';
import { type Organization, answer, warden } from '../api/warden-api';
import { Dialog } from '../components/dialog';
import { TextField } from '../components/field';
import { seconds, when } from '../components/format';
import { PAGE_SIZES, Pager } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { useAction, useLoad } from '../components/use-load';
import { type FieldErrors, fieldErrorsOf, validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

/** Tenants: every one for the platform admin, the caller's own for the others; each with its settings. */
export function OrganizationsScreen() {
  const { access } = useSession();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Organization | null>(null);
  const [notice, setNotice] = useState<string>();
  // Organizations as the API answered a change of them: shown at once, whenever the list catches up.
  const [answered, setAnswered] = useState<Record<string, Organization>>({});
  const organizations = useLoad(() => answer(warden.GET('/api/v1/organizations', { params: { query: { page, page_size: pageSize } } })), [page, pageSize]);
  const done = (message: string, changed?: Organization) => {
    if (changed) setAnswered((known) => ({ ...known, [changed.id]: changed }));
    setCreating(false);
    setEditing(null);
    setNotice(message);
    organizations.reload();
  };
  return (
    <section aria-labelledby="organizations-title">
      <div className="title-row">
        <h1 id="organizations-title">Organizations</h1>
        {access.createsOrganizations() && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create organization
          </button>
        )}
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ProblemAlert error={organizations.error} />
      <table aria-label="Organizations" aria-busy={organizations.loading}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Internal service accounts</th>
            <th scope="col">External service accounts</th>
            <th scope="col">Token lifetime cap</th>
            <th scope="col">Access token lifetime</th>
            <th scope="col">Password login for people</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {organizations.data?.results.map((listed) => answered[listed.id] ?? listed).map((organization) => (
            <tr key={organization.id}>
              <th scope="row">
                {organization.name}
                {organization.root && <span className="hint"> (root)</span>}
              </th>
              <td>
                {organization.service_accounts.service_internal} of {organization.settings.service_internal_limit} used
              </td>
              <td>
                {organization.service_accounts.service_external} of {organization.settings.service_external_limit} used
              </td>
              <td>{seconds(organization.settings.max_token_lifetime_seconds)}</td>
              <td>{seconds(organization.settings.access_token_lifetime_seconds)}</td>
              <td>{organization.settings.human_password_login ? 'Allowed' : 'Off (single sign-on)'}</td>
              <td>{when(organization.created_at)}</td>
              <td>
                {access.editsOrganization(organization.id) && (
                  <button type="button" onClick={() => setEditing(organization)} aria-label={`Settings of ${organization.name}`}>
                    Settings
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        label="Organizations"
        page={page}
        pageSize={pageSize}
        pagination={organizations.data?.pagination}
        onPage={setPage}
        onPageSize={(size) => {
          setPageSize(size);
          setPage(1);
        }}
      />
      {creating && <CreateOrganizationDialog onClose={() => setCreating(false)} onDone={done} />}
      {editing && <SettingsDialog organization={editing} onClose={() => setEditing(null)} onDone={done} />}
    </section>
  );
}

function CreateOrganizationDialog({ onClose, onDone }: { onClose: () => void; onDone: (message: string) => void }) {
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateBody('CreateOrganizationBody', { name });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      const created = await answer(warden.POST('/api/v1/organizations', { body: { name } })).catch((refusal: unknown) => {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      });
      onDone(`Organization ${created.name} created.`);
    });
  };
  return (
    <Dialog title="Create organization" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} error={errors.name} />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SettingsDialog(props: { organization: Organization; onClose: () => void; onDone: (message: string, changed: Organization) => void }) {
  const { organization, onClose, onDone } = props;
  const { access } = useSession();
  const settings = organization.settings;
  const [internal, setInternal] = useState(String(settings.service_internal_limit));
  const [external, setExternal] = useState(String(settings.service_external_limit));
  const [lifetime, setLifetime] = useState(settings.max_token_lifetime_seconds === null ? '' : String(settings.max_token_lifetime_seconds));
  const [accessLifetime, setAccessLifetime] = useState(String(settings.access_token_lifetime_seconds));
  const [passwordLogin, setPasswordLogin] = useState(settings.human_password_login);
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const limits = access.setsServiceAccountLimits();
  const policy = access.setsLoginPolicy();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changes = {
      ...(limits && { service_internal_limit: Number(internal), service_external_limit: Number(external) }),
      max_token_lifetime_seconds: lifetime === '' ? null : Number(lifetime),
      access_token_lifetime_seconds: Number(accessLifetime),
      ...(policy && passwordLogin !== settings.human_password_login && { human_password_login: passwordLogin }),
    };
    const found = validateBody('UpdateOrganizationBody', { settings: changes });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      const changed = await answer(warden.PATCH('/api/v1/organizations/{id}', { params: { path: { id: organization.id } }, body: { settings: changes } })).catch(
        (refusal: unknown) => {
          setErrors(fieldErrorsOf(refusal));
          throw refusal;
        },
      );
      onDone(`Settings of ${organization.name} saved.`, changed);
    });
  };
  return (
    <Dialog title={`Settings of ${organization.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {limits && (
          <div className="field-row">
            <TextField
              label="Internal service accounts allowed"
              type="number"
              value={internal}
              onChange={(event) => setInternal(event.target.value)}
              error={errors['settings.service_internal_limit']}
            />
            <TextField
              label="External service accounts allowed"
              type="number"
              value={external}
              onChange={(event) => setExternal(event.target.value)}
              error={errors['settings.service_external_limit']}
            />
          </div>
        )}
        <TextField
          label="Longest token lifetime (seconds)"
          type="number"
          value={lifetime}
          onChange={(event) => setLifetime(event.target.value)}
          error={errors['settings.max_token_lifetime_seconds']}
          hint="Empty: no limit. Lowering it shortens the tokens already out."
        />
        <TextField
          label="Access token lifetime (seconds)"
          type="number"
          value={accessLifetime}
          onChange={(event) => setAccessLifetime(event.target.value)}
          error={errors['settings.access_token_lifetime_seconds']}
          hint="expires_in of the OAuth access tokens granted from now on, 60 to 86400; tokens already out keep their expiry."
        />
        {policy && (
          <label className="checkbox">
            <input type="checkbox" checked={passwordLogin} onChange={(event) => setPasswordLogin(event.target.checked)} />
            People may sign in with a password (service accounts always may)
          </label>
        )}
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Save settings
          </button>
        </div>
      </form>
    </Dialog>
  );
}
