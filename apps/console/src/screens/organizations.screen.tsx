import { type FormEvent, useState } from 'react';
import { type Organization, answer, warden } from '../api/warden-api';
import { FormDialog } from '../components/dialog';
import { TextField } from '../components/field';
import { seconds, when } from '../components/format';
import { usePaging } from '../components/pager';
import { Notice, Screen } from '../components/screen';
import { PagedTable } from '../components/table';
import { useFormAction } from '../components/use-form-action';
import { useLoad } from '../components/use-load';
import { useTask } from '../components/use-task';
import { validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

type Task = { kind: 'create' } | { kind: 'settings'; organization: Organization };

/** Tenants: every one for the platform admin, the caller's own for the others; each with its settings. */
export function OrganizationsScreen() {
  const { access } = useSession();
  const paging = usePaging();
  // Organizations as the API answered a change of them: shown at once, whenever the list catches up.
  const [answered, setAnswered] = useState<Record<string, Organization>>({});
  const organizations = useLoad(
    () =>
      answer(
        warden.GET('/api/v1/organizations', {
          params: { query: { page: paging.page, page_size: paging.pageSize } },
        }),
      ),
    [paging.page, paging.pageSize],
  );
  const { task, open, close, notice, done: finish } = useTask<Task>(organizations.reload);
  const done = (message: string, changed?: Organization) => {
    if (changed) setAnswered((known) => ({ ...known, [changed.id]: changed }));
    finish(message);
  };
  return (
    <Screen
      name="organizations"
      title="Organizations"
      action={
        access.createsOrganizations() && {
          label: 'Create organization',
          onClick: () => open({ kind: 'create' }),
        }
      }
    >
      <Notice message={notice} />
      <PagedTable
        label="Organizations"
        columns={[
          'Name',
          'Internal service accounts',
          'External service accounts',
          'Token lifetime cap',
          'Access token lifetime',
          'Password login for people',
          'Created',
        ]}
        loaded={organizations}
        pager={paging.pager}
      >
        {(listed) => {
          const organization = answered[listed.id] ?? listed;
          return (
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
                  <button type="button" onClick={() => open({ kind: 'settings', organization })} aria-label={`Settings of ${organization.name}`}>
                    Settings
                  </button>
                )}
              </td>
            </tr>
          );
        }}
      </PagedTable>
      {task?.kind === 'create' && <CreateOrganizationDialog onClose={close} onDone={done} />}
      {task?.kind === 'settings' && <SettingsDialog organization={task.organization} onClose={close} onDone={done} />}
    </Screen>
  );
}

function CreateOrganizationDialog({ onClose, onDone }: { onClose: () => void; onDone: (message: string) => void }) {
  const [name, setName] = useState('');
  const form = useFormAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    form.send(validateBody('CreateOrganizationBody', { name }), async () => {
      const created = await answer(warden.POST('/api/v1/organizations', { body: { name } }));
      onDone(`Organization ${created.name} created.`);
    });
  };
  return (
    <FormDialog title="Create organization" submit="Create" onSubmit={submit} onClose={onClose} busy={form.busy} error={form.error}>
      <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} error={form.errors.name} />
    </FormDialog>
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
  const form = useFormAction();
  const errors = form.errors;
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
    form.send(validateBody('UpdateOrganizationBody', { settings: changes }), async () => {
      const changed = await answer(
        warden.PATCH('/api/v1/organizations/{id}', {
          params: { path: { id: organization.id } },
          body: { settings: changes },
        }),
      );
      onDone(`Settings of ${organization.name} saved.`, changed);
    });
  };
  return (
    <FormDialog title={`Settings of ${organization.name}`} submit="Save settings" onSubmit={submit} onClose={onClose} busy={form.busy} error={form.error}>
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
    </FormDialog>
  );
}
