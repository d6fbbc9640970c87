import { type FormEvent, useEffect, useState } from 'react';
import { allTeams, roleCatalogue } from '../api/directory';
import { type Member, type Role, type Team, ProblemError, answer, warden } from '../api/warden-api';
import { ConfirmDialog, FormDialog } from '../components/dialog';
import { CheckboxGroup, RadioGroup, SelectField, TextField } from '../components/field';
import { ACCOUNT_TYPE_LABELS, list, when } from '../components/format';
import { OnceShownSecret } from '../components/once-shown-secret';
import { usePaging } from '../components/pager';
import { RowMenu } from '../components/row-menu';
import { FilterRow, Notice, Screen } from '../components/screen';
import { SortHeader } from '../components/sort-header';
import { PagedTable } from '../components/table';
import { useFields, useFormAction } from '../components/use-form-action';
import { useAction, useLoad } from '../components/use-load';
import { useTask } from '../components/use-task';
import { validateBody } from '../forms/body-validation';
import { navigate } from '../router';
import { useSession } from '../session/session';

type AccountType = Member['account_type'];
type Filters = { account_type?: AccountType; role?: string; team?: string; status?: 'active' | 'deactivated'; search?: string };
type Task =
  | { kind: 'add' }
  | { kind: 'edit' | 'access' | 'password' | 'convert' | 'delete' | 'deactivate'; member: Member }
  | { kind: 'secret'; username: string; secret: string };

const SORTABLE = [
  ['Name', 'name'],
  ['Type', 'account_type'],
  ['Role', 'role'],
  ['Teams', 'teams'],
  ['Status', 'status'],
  ['Last active', 'last_active'],
  ['Created', 'created'],
] as const;

/** Humans and service accounts in one table: sorted, filtered and paged by the API, whatever their number. */
export function MembersScreen() {
  const { access, me } = useSession();
  const [filters, setFilters] = useState<Filters>({});
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState('name');
  const paging = usePaging();
  const action = useAction();

  const members = useLoad(
    () => answer(warden.GET('/api/v1/users', { params: { query: { ...filters, sort, page: paging.page, page_size: paging.pageSize } } })),
    [filters, sort, paging.page, paging.pageSize],
  );
  const { task, open, close, notice, setNotice, done } = useTask<Task>(members.reload);
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
    paging.first();
  };
  // The API searches as one types, a moment after the last key.
  useEffect(() => {
    const typed = search.trim().slice(0, 100) || undefined;
    if (typed === filters.search) return;
    const timer = setTimeout(() => filter({ search: typed }), 250);
    return () => clearTimeout(timer);
  }, [search]);
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
    else open({ kind: id as 'edit', member });
  };

  return (
    <Screen name="members" title="Members" action={access.addsServiceAccounts() && { label: 'Add service account', onClick: () => open({ kind: 'add' }) }}>
      <FilterRow label="Filter members">
        <TextField label="Search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Name, username or email" />
        <SelectField
          label="Type"
          value={filters.account_type ?? ''}
          onChange={(event) => filter({ account_type: (event.target.value || undefined) as AccountType })}
          none="Any type"
          choices={Object.entries(ACCOUNT_TYPE_LABELS).map(([value, label]) => ({ value, label }))}
        />
        <SelectField
          label="Role"
          value={filters.role ?? ''}
          onChange={(event) => filter({ role: event.target.value || undefined })}
          none="Any role"
          choices={roles.map((role) => ({ value: role.name, label: role.display_name }))}
        />
        <SelectField
          label="Team"
          value={filters.team ?? ''}
          onChange={(event) => filter({ team: event.target.value || undefined })}
          none="Any team"
          choices={teams.map((team) => ({ value: team.id, label: team.name }))}
        />
        <SelectField
          label="Status"
          value={filters.status ?? ''}
          onChange={(event) => filter({ status: (event.target.value || undefined) as Filters['status'] })}
          none="Any status"
          choices={[
            { value: 'active', label: 'Active' },
            { value: 'deactivated', label: 'Deactivated' },
          ]}
        />
      </FilterRow>
      <Notice message={notice} />
      <PagedTable
        label="Members"
        columns={SORTABLE.map(([label, field]) => (
          <SortHeader key={field} label={label} field={field} sort={sort} onSort={setSort} />
        ))}
        loaded={members}
        error={members.error ?? action.error}
        empty="No member matches these filters."
        pager={paging.pager}
      >
        {(member) => (
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
        )}
      </PagedTable>
      {task?.kind === 'add' && (
        <AddServiceAccountDialog
          roles={roles}
          teams={teams}
          onClose={close}
          onCreated={(username, secret) => {
            members.reload();
            if (secret) open({ kind: 'secret', username, secret });
            else done(`Service account ${username} created.`);
          }}
        />
      )}
      {task?.kind === 'secret' && <OnceShownSecret title={`First token of ${task.username}`} secret={task.secret} onClose={close} />}
      {task?.kind === 'edit' && <EditMemberDialog member={task.member} onClose={close} onDone={done} />}
      {task?.kind === 'access' && <AccessDialog member={task.member} roles={roles} teams={teams} onClose={close} onDone={done} />}
      {task?.kind === 'password' && <ResetPasswordDialog member={task.member} onClose={close} onDone={done} />}
      {task?.kind === 'convert' && <ConvertDialog member={task.member} onClose={close} onDone={done} />}
      {task?.kind === 'deactivate' && (
        <ConfirmDialog
          title={`Deactivate ${task.member.name}?`}
          confirm="Deactivate"
          busy={action.busy}
          error={action.error}
          onClose={close}
          onConfirm={() => void setStatus(task.member, 'deactivate')}
        >
          <p>Its sessions end for good and its tokens stop working until it is reactivated.</p>
        </ConfirmDialog>
      )}
      {task?.kind === 'delete' && <DeleteDialog member={task.member} onClose={close} onDone={done} />}
    </Screen>
  );
}

function AddServiceAccountDialog(props: { roles: Role[]; teams: Team[]; onClose: () => void; onCreated: (username: string, secret: string | null) => void }) {
  const { me, access } = useSession();
  const [accountType, setAccountType] = useState<'service_external' | 'service_internal'>('service_external');
  const { form, bind } = useFields({ username: '', first_name: '', last_name: '', description: '' });
  const [chosenRoles, setChosenRoles] = useState<string[]>([]);
  const [chosenTeams, setChosenTeams] = useState<string[]>([]);
  const [issueToken, setIssueToken] = useState(true);
  const sending = useFormAction();
  const errors = sending.errors;
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
    sending.send(validateBody('CreateUserBody', body), async () => {
      const created = await answer(warden.POST('/api/v1/users', { body }));
      const token = created.api_token;
      props.onCreated(created.username, token ? token.token : null);
    });
  };
  const assignable = props.roles.filter((role) => role.status === 'ACTIVE' && role.name !== 'WARDEN_SUPER_ADMIN');
  return (
    <FormDialog
      title="Add service account"
      submit="Create service account"
      onSubmit={submit}
      onClose={props.onClose}
      busy={sending.busy}
      blocked={full}
      error={sending.error}
      wide
    >
      <RadioGroup
        legend="Type"
        name="account-type"
        value={accountType}
        onChange={setAccountType}
        options={(['service_external', 'service_internal'] as const).map((type) => {
          const counts = usage(type);
          return {
            value: type,
            label: (
              <>
                {ACCOUNT_TYPE_LABELS[type]}
                {counts && (
                  <span className="hint">
                    {' '}
                    ({counts.used} of {counts.limit} used)
                  </span>
                )}
              </>
            ),
          };
        })}
      />
      {full && (
        <div role="alert" className="problem">
          This organization has used all {chosen.limit} of its {ACCOUNT_TYPE_LABELS[accountType]} accounts.{' '}
          {access.setsServiceAccountLimits() ? 'Raise the limit in the organization settings' : 'The platform admin can raise the limit'}, or delete one first.
        </div>
      )}
      <TextField label="Username" {...bind('username', errors)} hint="Its login name, such as docusign-webhooks@acme (no activation email is sent)" />
      <div className="field-row">
        <TextField label="First name" {...bind('first_name', errors)} />
        <TextField label="Last name" {...bind('last_name', errors)} />
      </div>
      <TextField label="Description" {...bind('description', errors)} />
      {accountType === 'service_external' && (
        <CheckboxGroup
          legend="Roles"
          options={assignable.map((role) => ({ value: role.name, label: role.display_name }))}
          selected={chosenRoles}
          onChange={setChosenRoles}
          error={errors.roles}
        />
      )}
      <CheckboxGroup
        legend="Teams"
        options={props.teams.map((team) => ({ value: team.id, label: team.name }))}
        selected={chosenTeams}
        onChange={setChosenTeams}
        error={errors.teams}
      />
      <label className="checkbox">
        <input type="checkbox" checked={issueToken} onChange={(event) => setIssueToken(event.target.checked)} />
        Issue its first API token now (shown once)
      </label>
    </FormDialog>
  );
}

function EditMemberDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const { form, bind } = useFields({
    first_name: member.first_name ?? '',
    last_name: member.last_name ?? '',
    email: member.email ?? '',
    description: member.description ?? '',
  });
  const sending = useFormAction();
  const errors = sending.errors;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = Object.fromEntries(Object.entries(form).map(([field, value]) => [field, value === '' ? null : value]));
    sending.send(validateBody('UpdateUserBody', body), async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body }));
      onDone(`${member.name} is updated.`);
    });
  };
  return (
    <FormDialog title={`Edit ${member.name}`} submit="Save" onSubmit={submit} onClose={onClose} busy={sending.busy} error={sending.error}>
      <div className="field-row">
        <TextField label="First name" {...bind('first_name', errors)} />
        <TextField label="Last name" {...bind('last_name', errors)} />
      </div>
      <TextField label="Email" type="email" {...bind('email', errors)} />
      <TextField label="Description" {...bind('description', errors)} />
    </FormDialog>
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
    <FormDialog
      title={`Role and teams of ${member.name}`}
      submit="Save role and teams"
      onSubmit={submit}
      onClose={props.onClose}
      busy={action.busy}
      error={action.error}
      wide
      browserChecks
    >
      <CheckboxGroup
        legend="Roles"
        options={assignable.map((role) => ({ value: role.name, label: role.display_name }))}
        selected={chosenRoles}
        onChange={setChosenRoles}
      />
      <CheckboxGroup
        legend="Teams"
        options={props.teams.map((team) => ({ value: team.id, label: team.name }))}
        selected={chosenTeams}
        onChange={setChosenTeams}
      />
    </FormDialog>
  );
}

function ResetPasswordDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState('');
  const sending = useFormAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    sending.send(password === '' ? { password: 'Required' } : validateBody('UpdateUserBody', { password }), async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body: { password } }));
      onDone(`The password of ${member.name} is reset.`);
    });
  };
  return (
    <FormDialog
      title={`Reset the password of ${member.name}`}
      submit="Reset password"
      onSubmit={submit}
      onClose={onClose}
      busy={sending.busy}
      error={sending.error}
    >
      <p>The service account logs in with this password from now on; it must meet the password policy.</p>
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        error={sending.errors.password}
      />
    </FormDialog>
  );
}

function ConvertDialog({ member, onClose, onDone }: { member: Member; onClose: () => void; onDone: (message: string) => void }) {
  const [accountType, setAccountType] = useState<'service_external' | 'service_internal'>('service_external');
  const action = useAction();
  const convert = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await answer(warden.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body: { account_type: accountType } }));
      onDone(`${member.name} is now a ${ACCOUNT_TYPE_LABELS[accountType]} account.`);
    });
  };
  return (
    <FormDialog
      title={`Convert ${member.name} to a service account`}
      submit="Convert"
      onSubmit={convert}
      onClose={onClose}
      busy={action.busy}
      error={action.error}
    >
      <p>A service account is for a machine: it keeps password login when people use single sign-on, and can own API tokens.</p>
      <SelectField label="New type" value={accountType} onChange={(event) => setAccountType(event.target.value as typeof accountType)}>
        <option value="service_external">{ACCOUNT_TYPE_LABELS.service_external}</option>
        <option value="service_internal">{ACCOUNT_TYPE_LABELS.service_internal}</option>
      </SelectField>
    </FormDialog>
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
    <ConfirmDialog
      title={`Delete ${member.name}?`}
      confirm="Delete"
      busy={action.busy || ownsTokens}
      error={action.error}
      remedy={
        ownsTokens && (
          <p>
            <button type="button" className="primary" onClick={() => navigate(`/tokens?owner=${member.id}`)}>
              Reassign its tokens
            </button>
          </p>
        )
      }
      onClose={onClose}
      onConfirm={remove}
    >
      <p>The account is removed from the organization; the audit log keeps what it did.</p>
    </ConfirmDialog>
  );
}
