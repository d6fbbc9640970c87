import { type FormEvent, useState } from 'react';
import { type Role, answer, warden } from '../api/warden-api';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { SelectField, TextField } from '../components/field';
import { list } from '../components/format';
import { ProblemAlert } from '../components/problem-alert';
import { useAction, useLoad } from '../components/use-load';
import { type FieldErrors, fieldErrorsOf, validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

/** The role catalogue by application: Warden's default roles and the organization's custom ones, active and archived. */
export function RolesScreen() {
  const { access } = useSession();
  const catalogue = useLoad(() => answer(warden.GET('/api/v1/roles')), []);
  const [creating, setCreating] = useState(false);
  const [archiving, setArchiving] = useState<Role | null>(null);
  const [notice, setNotice] = useState<string>();
  // Roles as the API answered a change of them: shown at once, whenever the catalogue catches up.
  const [answered, setAnswered] = useState<Record<string, Role>>({});
  const action = useAction();
  const archive = (role: Role) =>
    void action.run(async () => {
      const archived = await answer(warden.POST('/api/v1/roles/{name}/archive', { params: { path: { name: role.name } } }));
      setAnswered((roles) => ({ ...roles, [archived.name]: archived }));
      setArchiving(null);
      setNotice(`${role.display_name} is archived: no account can be given it any more.`);
      catalogue.reload();
    });
  return (
    <section aria-labelledby="roles-title">
      <div className="title-row">
        <h1 id="roles-title">Roles</h1>
        {access.writesRoles() && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create custom role
          </button>
        )}
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ProblemAlert error={catalogue.error} />
      {Object.entries(catalogue.data ?? {}).map(([application, roles]) => (
        <table key={application} aria-label={`Roles of ${application}`}>
          <caption>Application: {application}</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Applies to</th>
              <th scope="col">Permissions</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {roles.map((listed) => answered[listed.name] ?? listed).map((role) => (
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
                    <button type="button" onClick={() => setArchiving(role)} aria-label={`Archive ${role.display_name}`}>
                      Archive
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {creating && (
        <CreateRoleDialog
          onClose={() => setCreating(false)}
          onDone={(role) => {
            setCreating(false);
            setNotice(`Role ${role.display_name} created.`);
            catalogue.reload();
          }}
        />
      )}
      {archiving && (
        <ConfirmDialog title={`Archive ${archiving.display_name}?`} confirm="Archive" busy={action.busy} onClose={() => setArchiving(null)} onConfirm={() => archive(archiving)}>
          <p>Accounts that hold it keep it; nobody can be given it any more.</p>
          <ProblemAlert error={action.error} />
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateRoleDialog({ onClose, onDone }: { onClose: () => void; onDone: (role: Role) => void }) {
  const [form, setForm] = useState({ name: '', display_name: '', description: '', application_code: '', permissions: '' });
  const [scope, setScope] = useState<'organization' | 'team'>('organization');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
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
    const found = validateBody('CreateRoleBody', body);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      const role = await answer(warden.POST('/api/v1/roles', { body })).catch((refusal: unknown) => {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      });
      onDone(role);
    });
  };
  return (
    <Dialog title="Create custom role" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={form.name} onChange={(event) => setForm({ ...form, name: event.target.value })} error={errors.name} hint="Such as RECORDS_WRITER" />
        <TextField label="Display name" value={form.display_name} onChange={(event) => setForm({ ...form, display_name: event.target.value })} error={errors.display_name} />
        <TextField label="Description" value={form.description} onChange={(event) => setForm({ ...form, description: event.target.value })} error={errors.description} />
        <TextField
          label="Application"
          value={form.application_code}
          onChange={(event) => setForm({ ...form, application_code: event.target.value })}
          error={errors.application_code}
          hint="Its application code, such as records; empty for the organization's own"
        />
        <TextField
          label="Permissions"
          value={form.permissions}
          onChange={(event) => setForm({ ...form, permissions: event.target.value })}
          error={errors.permissions}
          hint="Separated by spaces or commas, such as records:read records:write"
        />
        <SelectField label="Applies to" value={scope} onChange={(event) => setScope(event.target.value as typeof scope)}>
          <option value="organization">The whole organization</option>
          <option value="team">The holder's teams only</option>
        </SelectField>
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Create role
          </button>
        </div>
      </form>
    </Dialog>
  );
}
