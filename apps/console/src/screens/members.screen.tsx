import { type FormEvent, useEffect, useState } from 'react';
import { allTeams, roleCatalogue } from '../api/directory';
import { type Member, type Role, type Team, ProblemError, answer, warden } from '../api/warden-api';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { CheckboxGroup, SelectField, TextField } from '../components/field';
import { ACCOUNT_TYPE_LABELS, list, when } from '../components/format';
import { OnceShownSecret } from '../components/once-shown-secret';
import { PAGE_SIZES, Pager } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { RowMenu } from '../components/row-menu';
import { SortHeader } from '../components/sort-header';
import { useAction, useLoad } from '../components/use-load';
import { type FieldErrors, fieldErrorsOf, validateBody } from '../forms/body-validation';
import { navigate } from '../router';
import { useSession } from '../session/session';

type AccountType = Member['account_type'];
type Filters = { account_type?: AccountType; role?: string; team?: string; status?: 'active' | 'deactivated'; search?: string };
type Task =
  | { kind: 'add' }
  | { kind: 'edit' | 'access' | 'password' | 'convert' | 'delete' | 'deactivate'; member: Member }
  | { kind: 'secret'; username: string; secret: string };

/** Humans and service accounts in one table: sorted, filtered and paged by the API, whatever their number. */
export function MembersScreen() {
  const { access, me } = useSession();
  const [filters, setFilters] = useState<Filters>({});
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState('name');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  const [task, setTask] = useState<Task | null>(null);
  const [notice, setNotice] = useState<string>();
  const action = useAction();

  const members = useLoad(
    () => answer(warden.GET('/api/v1/users', { params: { query: { ...filters, sort, page, page_size: pageSize } } })),
    [filters, sort, page, pageSize],
  );
  const lookups = useLoad(async () => {
    const [roles, teams] = await Promise.all([roleCatalogue(), allTeams()]);
    return { roles, teams };
  }, []);
  const roles = lookups.data?.roles ?? [];
  const teams = lookups.data?.teams ?? [];
  const teamName = (id: string) => teams.find((team) => team.id === id)?.name ?? id;
  const roleName = (name: string) => roles.find((role) => role.name === name)?.display_name ?? name;

  const filter = (change: Filters) => {
    setFilters((current) => ({ ...current, ...change }));
    setPage(1);
  };
  // The API searches as one types, a moment after the last key.
  useEffect(() => {
    const typed = search.trim().slice(0, 100) || undefined;
    if (typed === filters.search) return;
    const timer = setTimeout(() => filter({ search: typed }), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const done = (message: string) => {
    setTask(null);
    setNotice(message);
    members.reload();
  };
  const setStatus = (member: Member, to: 'deactivate' | 'reactivate') =>
    action.run(async () => {
      await answer(warden.POST(`/api/v1/users/{id}/${to}`, { params: { path: { id: member.id } } }));
      done(`${member.name} is ${to === 'deactivate' ? 'deactivated' : 'active again'}.`);
    });

  const actionsFor = (member: Member) => {
    const manages = access.manages(member, roles);
    const service = member.account_type !== 'user';
    return [
      ...(manages ? [{ id: 'edit', label: 'Edit' }] : []),
      ...(access.changesAccessOf(member, roles) ? [{ id: 'access', label: 'Change role and teams' }] : []),
      ...(access.resetsPasswordOf(member, roles) ? [{ id: 'password', label: 'Reset password' }] : []),
      ...(manages && member.id !== me.id && member.status === 'active' ? [{ id: 'deactivate', label: 'Deactivate', danger: true }] : []),
      ...(manages && member.status === 'deactivated' ? [{ id: 'reactivate', label: 'Reactivate' }] : []),
      ...(access.changesAccessOf(member, roles) && !service ? [{ id: 'convert', label: 'Convert to a service account' }] : []),
      ...(service && access.sees('tokens') ? [{ id: 'tokens', label: 'Show its tokens' }] : []),
      ...(manages && member.id !== me.id ? [{ id: 'delete', label: 'Delete', danger: true }] : []),
    ];
  };
  const onAction = (member: Member, id: string) => {
    setNotice(undefined);
    if (id === 'reactivate') void setStatus(member, 'reactivate');
    else if (id === 'tokens') navigate(`/tokens?owner=${member.id}`);
    else setTask({ kind: id as 'edit', member });
  };

  return (
    <section aria-labelledby="members-title">
      <div className="title-row">
        <h1 id="members-title">Members</h1>
        {access.addsServiceAccounts() && (
          <button type="button" className="primary" onClick={() => setTask({ kind: 'add' })}>
            Add service account
          </button>
        )}
      </div>
      <form className="filters" aria-label="Filter members" onSubmit={(event) => event.preventDefault()}>
        <TextField label="Search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Name, username or email" />
        <SelectField label="Type" value={filters.account_type ?? ''} onChange={(event) => filter({ account_type: (event.target.value || undefined) as AccountType })}>
          <option value="">Any type</option>
          {Object.entries(ACCOUNT_TYPE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Role" value={filters.role ?? ''} onChange={(event) => filter({ role: event.target.value || undefined })}>
          <option value="">Any role</option>
          {roles.map((role) => (
            <option key={role.name} value={role.name}>
              {role.display_name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Team" value={filters.team ?? ''} onChange={(event) => filter({ team: event.target.value || undefined })}>
          <option value="">Any team</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Status" value={filters.status ?? ''} onChange={(event) => filter({ status: (event.target.value || undefined) as Filters['status'] })}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="deactivated">Deactivated</option>
        </SelectField>
      </form>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ProblemAlert error={members.error ?? action.error} />
      <table aria-label="Members" aria-busy={members.loading}>
        <thead>
          <tr>
            <SortHeader label="Name" field="name" sort={sort} onSort={setSort} />
            <SortHeader label="Type" field="account_type" sort={sort} onSort={setSort} />
            <SortHeader label="Role" field="role" sort={sort} onSort={setSort} />
            <SortHeader label="Teams" field="teams" sort={sort} onSort={setSort} />
            <SortHeader label="Status" field="status" sort={sort} onSort={setSort} />
            <SortHeader label="Last active" field="last_active" sort={sort} onSort={setSort} />
            <SortHeader label="Created" field="created" sort={sort} onSort={setSort} />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.data?.results.map((member) => (
            <tr key={member.id}>
              <th scope="row">
                {member.name}
                <div className="hint">{member.username}</div>
              </th>
              <td>{ACCOUNT_TYPE_LABELS[member.account_type]}</td>
              <td>{list(member.roles.map(roleName))}</td>
              <td>{list(member.teams.map(teamName))}</td>
              <td>
                <span className={`badge ${member.status}`}>{member.status === 'active' ? 'Active' : 'Deactivated'}</span>
              </td>
              <td>{when(member.last_active_at)}</td>
              <td>{when(member.created_at)}</td>
              <td>
                <RowMenu label={`Actions for ${member.name}`} actions={actionsFor(member)} onAction={(id) => onAction(member, id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {members.data?.results.length === 0 && <p>No member matches these filters.</p>}
      <Pager
        label="Members"
        page={page}
        pageSize={pageSize}
        pagination={members.data?.pagination}
        onPage={setPage}
        onPageSize={(size) => {
          setPageSize(size);
          setPage(1);
        }}
      />
      {task?.kind === 'add' && (
        <AddServiceAccountDialog
          roles={roles}
          teams={teams}
          onClose={() => setTask(null)}
          onCreated={(username, secret) => {
            members.reload();
            if (secret) setTask({ kind: 'secret', username, secret });
            else done(`Service account ${username} created.`);
          }}
        />
      )}
      {task?.kind === 'secret' && (
        <OnceShownSecret title={`First token of ${task.username}`} secret={task.secret} onClose={() => setTask(null)} />
      )}
      {task?.kind === 'edit' && <EditMemberDialog member={task.member} onClose={() => setTask(null)} onDone={done} />}
      {task?.kind === 'access' && <AccessDialog member={task.member} roles={roles} teams={teams} onClose={() => setTask(null)} onDone={done} />}
      {task?.kind === 'password' && <ResetPasswordDialog member={task.member} onClose={() => setTask(null)} onDone={done} />}
      {task?.kind === 'convert' && <ConvertDialog member={task.member} onClose={() => setTask(null)} onDone={done} />}
      {task?.kind === 'deactivate' && (
        <ConfirmDialog
          title={`Deactivate ${task.member.name}?`}
          confirm="Deactivate"
          busy={action.busy}
          onClose={() => setTask(null)}
          onConfirm={() => void setStatus(task.member, 'deactivate')}
        >
          <p>Its sessions end for good and its tokens stop working until it is reactivated.</p>
          <ProblemAlert error={action.error} />
        </ConfirmDialog>
      )}
      {task?.kind === 'delete' && <DeleteDialog member={task.member} onClose={() => setTask(null)} onDone={done} />}
    </section>
  );
}

function AddServiceAccountDialog(props: { roles: Role[]; teams: Team[]; onClose: () => void; onCreated: (username: string, secret: string | null) => void }) {
  const { me, access } = useSession();
  const [accountType, setAccountType] = useState<'service_external' | 'service_internal'>('service_external');
  const [form, setForm] = useState({ username: '', first_name: '', last_name: '', description: '' });
  const [chosenRoles, setChosenRoles] = useState<string[]>([]);
  const [chosenTeams, setChosenTeams] = useState<string[]>([]);
  const [issueToken, setIssueToken] = useState(true);
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const organization = useLoad(() => answer(warden.GET('/api/v1/organizations/{id}', { params: { path: { id: me.organization_id } } })), []);
  const used = organization.data?.service_accounts;
  const limits = organization.data?.settings;
  const usage = (type: 'service_internal' | 'service_external') =>
    used && limits ? { used: used[type], limit: type === 'service_internal' ? limits.service_internal_limit : limits.service_external_limit } : undefined;
  const chosen = usage(accountType);
  const full = chosen !== undefined && chosen.used >= chosen.limit;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = {
      username: form.username,
      account_type: accountType,
      ...(form.first_name && { first_name: form.first_name }),
      ...(form.last_name && { last_name: form.last_name }),
      ...(form.description && { description: form.description }),
      roles: chosenRoles,
      teams: chosenTeams,
      issue_token: issueToken,
    };
    const found = validateBody('CreateUserBody', body);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      try {
        const created = await answer(warden.POST('/api/v1/users', { body }));
        const token = created.api_token;
        props.onCreated(created.username, token ? token.token : null);
      } catch (refusal) {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      }
    });
  };
  const assignable = props.roles.filter((role) => role.status === 'ACTIVE' && role.name !== 'WARDEN_SUPER_ADMIN');
  return (
    <Dialog title="Add service account" onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <fieldset className="field">
          <legend>Type</legend>
          {(['service_external', 'service_internal'] as const).map((type) => {
            const counts = usage(type);
            return (
              <label key={type} className="checkbox">
                <input type="radio" name="account-type" checked={accountType === type} onChange={() => setAccountType(type)} />
                {ACCOUNT_TYPE_LABELS[type]}
                {counts && (
                  <span className="hint">
                    {' '}
                    ({counts.used} of {counts.limit} used)
                  </span>
                )}
              </label>
            );
          })}
        </fieldset>
        {full && (
          <div role="alert" className="problem">
            This organization has used all {chosen.limit} of its {ACCOUNT_TYPE_LABELS[accountType]} accounts.{' '}
            {access.setsServiceAccountLimits() ? 'Raise the limit in the organization settings' : 'The platform admin can raise the limit'}, or
            delete one first.
          </div>
        )}
        <TextField
          label="Username"
          value={form.username}
          onChange={(event) => setForm({ ...form, username: event.target.value })}
          error={errors.username}
          hint="Its login name, such as docusign-webhooks@acme (no activation email is sent)"
        />
        <div className="field-row">
          <TextField label="First name" value={form.first_name} onChange={(event) => setForm({ ...form, first_name: event.target.value })} error={errors.first_name} />
          <TextField label="Last name" value={form.last_name} onChange={(event) => setForm({ ...form, last_name: event.target.value })} error={errors.last_name} />
        </div>
        <TextField label="Description" value={form.description} onChange={(event) => setForm({ ...form, description: event.target.value })} error={errors.description} />
        {accountType === 'service_external' && (
          <CheckboxGroup
            legend="Roles"
            options={assignable.map((role) => ({ value: role.name, label: role.display_name }))}
            selected={chosenRoles}
            onChange={setChosenRoles}
            error={errors.roles}
          />
        )}
        <CheckboxGroup legend="Teams" options={props.teams.map((team) => ({ value: team.id, label: team.name }))} selected={chosenTeams} onChange={setChosenTeams} error={errors.teams} />
        <label className="checkbox">
          <input type="checkbox" checked={issueToken} onChange={(event) => setIssueToken(event.target.checked)} />
          Issue its first API token now (shown once)
        </label>
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy || full}>
            Create service account
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EditMemberDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const [form, setForm] = useState({
    first_name: member.first_name ?? '',
    last_name: member.last_name ?? '',
    email: member.email ?? '',
    description: member.description ?? '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = Object.fromEntries(Object.entries(form).map(([field, value]) => [field, value === '' ? null : value]));
    const found = validateBody('UpdateUserBody', body);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body })).catch((refusal: unknown) => {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      });
      onDone(`${member.name} is updated.`);
    });
  };
  return (
    <Dialog title={`Edit ${member.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="field-row">
          <TextField label="First name" value={form.first_name} onChange={(event) => setForm({ ...form, first_name: event.target.value })} error={errors.first_name} />
          <TextField label="Last name" value={form.last_name} onChange={(event) => setForm({ ...form, last_name: event.target.value })} error={errors.last_name} />
        </div>
        <TextField label="Email" type="email" value={form.email} onChange={(event) => setForm({ ...form, email: event.target.value })} error={errors.email} />
        <TextField label="Description" value={form.description} onChange={(event) => setForm({ ...form, description: event.target.value })} error={errors.description} />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function AccessDialog(props: { member: Member; roles: Role[]; teams: Team[]; onClose: () => void; onDone: (message: string) => void }) {
  const { member } = props;
  const [chosenRoles, setChosenRoles] = useState<string[]>(member.roles);
  const [chosenTeams, setChosenTeams] = useState<string[]>(member.teams);
  const action = useAction();
  const assignable = props.roles.filter(
    (role) => (role.status === 'ACTIVE' || member.roles.includes(role.name)) && (member.account_type === 'user' || role.name !== 'WARDEN_SUPER_ADMIN'),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body: { roles: chosenRoles, teams: chosenTeams } }));
      props.onDone(`The role and teams of ${member.name} are changed.`);
    });
  };
  return (
    <Dialog title={`Role and teams of ${member.name}`} onClose={props.onClose} wide>
      <form onSubmit={submit}>
        <CheckboxGroup legend="Roles" options={assignable.map((role) => ({ value: role.name, label: role.display_name }))} selected={chosenRoles} onChange={setChosenRoles} />
        <CheckboxGroup legend="Teams" options={props.teams.map((team) => ({ value: team.id, label: team.name }))} selected={chosenTeams} onChange={setChosenTeams} />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Save role and teams
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ResetPasswordDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = password === '' ? { password: 'Required' } : validateBody('UpdateUserBody', { password });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body: { password } })).catch((refusal: unknown) => {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      });
      onDone(`The password of ${member.name} is reset.`);
    });
  };
  return (
    <Dialog title={`Reset the password of ${member.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>The service account logs in with this password from now on; it must meet the password policy.</p>
        <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} error={errors.password} />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Reset password
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ConvertDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const [accountType, setAccountType] = useState<'service_external' | 'service_internal'>('service_external');
  const action = useAction();
  const convert = () =>
    void action.run(async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body: { account_type: accountType } }));
      onDone(`${member.name} is now a ${ACCOUNT_TYPE_LABELS[accountType]} account.`);
    });
  return (
    <Dialog title={`Convert ${member.name} to a service account`} onClose={onClose}>
      <p>A service account is for a machine: it keeps password login when people use single sign-on, and can own API tokens.</p>
      <SelectField label="New type" value={accountType} onChange={(event) => setAccountType(event.target.value as typeof accountType)}>
        <option value="service_external">{ACCOUNT_TYPE_LABELS.service_external}</option>
        <option value="service_internal">{ACCOUNT_TYPE_LABELS.service_internal}</option>
      </SelectField>
      <ProblemAlert error={action.error} />
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={convert} disabled={action.busy}>
          Convert
        </button>
      </div>
    </Dialog>
  );
}

function DeleteDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const action = useAction();
  const ownsTokens = action.error instanceof ProblemError && action.error.problem.code === 'user_owns_tokens';
  const remove = () =>
    void action.run(async () => {
      await answer(warden.DELETE('/api/v1/users/{id}', { params: { path: { id: member.id } } }));
      onDone(`${member.name} is deleted.`);
    });
  return (
    <ConfirmDialog title={`Delete ${member.name}?`} confirm="Delete" busy={action.busy || ownsTokens} onClose={onClose} onConfirm={remove}>
      <p>The account is removed from the organization; the audit log keeps what it did.</p>
      <ProblemAlert error={action.error} />
      {ownsTokens && (
        <p>
          <button type="button" className="primary" onClick={() => navigate(`/tokens?owner=${member.id}`)}>
            Reassign its tokens
          </button>
        </p>
      )}
    </ConfirmDialog>
  );
}
