import { type FormEvent, useState } from 'react';
import { type Role, answer, warden } from '../api/warden-api';
import { ConfirmDialog, FormDialog } from '../components/dialog';
import { SelectField, TextField } from '../components/field';
import { list } from '../components/format';
import { ProblemAlert } from '../components/problem-alert';
import { Notice, Screen } from '../components/screen';
import { Table } from '../components/table';
import { useFields, useFormAction } from '../components/use-form-action';
import { useAction, useLoad } from '../components/use-load';
import { useTask } from '../components/use-task';
import { validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

type Task = { kind: 'create' } | { kind: 'archive'; role: Role };

/** The role catalogue by application: Warden's default roles and the organization's custom ones, active and archived. */
export function RolesScreen() {
  const { access } = useSession();
  const catalogue = useLoad(() => answer(warden.GET('/api/v1/roles')), []);
  const { task, open, close, notice, done } = useTask<Task>(catalogue.reload);
  // Roles as the API answered a change of them: shown at once, whenever the catalogue catches up.
  const [answered, setAnswered] = useState<Record<string, Role>>({});
  const action = useAction();
  const archive = (role: Role) =>
    void action.run(async () => {
      const archived = await answer(warden.POST('/api/v1/roles/{name}/archive', { params: { path: { name: role.name } } }));
      setAnswered((roles) => ({ ...roles, [archived.name]: archived }));
      done(`${role.display_name} is archived: no account can be given it any more.`);
    });
  return (
    <Screen name="roles" title="Roles" action={access.writesRoles() && { label: 'Create custom role', onClick: () => open({ kind: 'create' }) }}>
      <Notice message={notice} />
      <ProblemAlert error={catalogue.error} />
      {Object.entries(catalogue.data ?? {}).map(([application, roles]) => (
        <Table
          key={application}
          label={`Roles of ${application}`}
          caption={`Application: ${application}`}
          columns={['Role', 'Type', 'Status', 'Applies to', 'Permissions']}
          rows={roles.map((listed) => answered[listed.name] ?? listed)}
        >
          {(role) => (
            <tr key={role.name}>
              <th scope="row">
                {role.display_name}
                <div className="hint">
                  <code>{role.name}</code> {role.description}
                </div>
              </th>
              <td>{role.type === 'default' ? 'Default' : 'Custom'}</td>
              <td>
                <span className={`badge ${role.status.toLowerCase()}`}>{role.status === 'ACTIVE' ? 'Active' : 'Archived'}</span>
              </td>
              <td>{role.access_scope === 'team' ? "The holder's teams" : 'The organization'}</td>
              <td>{list(role.permissions)}</td>
              <td>
                {access.writesRoles() && role.type === 'custom' && role.status === 'ACTIVE' && (
                  <button type="button" onClick={() => open({ kind: 'archive', role })} aria-label={`Archive ${role.display_name}`}>
                    Archive
                  </button>
                )}
              </td>
            </tr>
          )}
        </Table>
      ))}
      {task?.kind === 'create' && <CreateRoleDialog onClose={close} onDone={(role) => done(`Role ${role.display_name} created.`)} />}
      {task?.kind === 'archive' && (
        <ConfirmDialog
          title={`Archive ${task.role.display_name}?`}
          confirm="Archive"
          busy={action.busy}
          error={action.error}
          onClose={close}
          onConfirm={() => archive(task.role)}
        >
          <p>Accounts that hold it keep it; nobody can be given it any more.</p>
        </ConfirmDialog>
      )}
    </Screen>
  );
}

function CreateRoleDialog({ onClose, onDone }: { onClose: () => void; onDone: (role: Role) => void }) {
  const { form, bind } = useFields({ name: '', display_name: '', description: '', application_code: '', permissions: '' });
  const [scope, setScope] = useState<'organization' | 'team'>('organization');
  const sending = useFormAction();
  const errors = sending.errors;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = {
      name: form.name,
      display_name: form.display_name,
      description: form.description,
      ...(form.application_code && { application_code: form.application_code }),
      permissions: form.permissions.split(/[\s,]+/).filter(Boolean),
      access_scope: scope,
    };
    sending.send(validateBody('CreateRoleBody', body), async () => onDone(await answer(warden.POST('/api/v1/roles', { body }))));
  };
  return (
    <FormDialog title="Create custom role" submit="Create role" onSubmit={submit} onClose={onClose} busy={sending.busy} error={sending.error}>
      <TextField label="Name" {...bind('name', errors)} hint="Such as RECORDS_WRITER" />
      <TextField label="Display name" {...bind('display_name', errors)} />
      <TextField label="Description" {...bind('description', errors)} />
      <TextField label="Application" {...bind('application_code', errors)} hint="Its application code, such as records; empty for the organization's own" />
      <TextField label="Permissions" {...bind('permissions', errors)} hint="Separated by spaces or commas, such as records:read records:write" />
      <SelectField label="Applies to" value={scope} onChange={(event) => setScope(event.target.value as typeof scope)}>
        <option value="organization">The whole organization</option>
        <option value="team">The holder's teams only</option>
      </SelectField>
    </FormDialog>
  );
}
