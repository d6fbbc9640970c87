import { type FormEvent, useState } from 'react';
import { type Team, allPages, answer, warden } from '../api/warden-api';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { SelectField, TextField } from '../components/field';
import { when } from '../components/format';
import { PAGE_SIZES, Pager } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { useAction, useLoad } from '../components/use-load';
import { type FieldErrors, fieldErrorsOf, validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

type Task = { kind: 'create' } | { kind: 'rename' | 'members' | 'delete'; team: Team };

/** Teams: created, renamed and deleted by those who write teams; their members changed by whoever writes that team (a manager, its own). */
export function TeamsScreen() {
  const { access } = useSession();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  const [task, setTask] = useState<Task | null>(null);
  const [notice, setNotice] = useState<string>();
  const teams = useLoad(() => answer(warden.GET('/api/v1/teams', { params: { query: { page, page_size: pageSize } } })), [page, pageSize]);
  const done = (message: string) => {
    setTask(null);
    setNotice(message);
    teams.reload();
  };
  return (
    <section aria-labelledby="teams-title">
      <div className="title-row">
        <h1 id="teams-title">Teams</h1>
        {access.createsTeams() && (
          <button type="button" className="primary" onClick={() => setTask({ kind: 'create' })}>
            Create team
          </button>
        )}
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ProblemAlert error={teams.error} />
      <table aria-label="Teams" aria-busy={teams.loading}>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">Members</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {teams.data?.results.map((team) => (
            <tr key={team.id}>
              <th scope="row">{team.name}</th>
              <td>{team.member_count}</td>
              <td>{when(team.created_at)}</td>
              <td className="buttons">
                <button type="button" onClick={() => setTask({ kind: 'members', team })} aria-label={`Members of ${team.name}`}>
                  Members
                </button>
                {access.createsTeams() && (
                  <>
                    <button type="button" onClick={() => setTask({ kind: 'rename', team })} aria-label={`Rename ${team.name}`}>
                      Rename
                    </button>
                    <button type="button" className="danger" onClick={() => setTask({ kind: 'delete', team })} aria-label={`Delete ${team.name}`}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        label="Teams"
        page={page}
        pageSize={pageSize}
        pagination={teams.data?.pagination}
        onPage={setPage}
        onPageSize={(size) => {
          setPageSize(size);
          setPage(1);
        }}
      />
      {(task?.kind === 'create' || task?.kind === 'rename') && (
        <TeamNameDialog team={task.kind === 'rename' ? task.team : undefined} onClose={() => setTask(null)} onDone={done} />
      )}
      {task?.kind === 'members' && <TeamMembersDialog team={task.team} onClose={() => done('')} />}
      {task?.kind === 'delete' && <DeleteTeamDialog team={task.team} onClose={() => setTask(null)} onDone={done} />}
    </section>
  );
}

function TeamNameDialog({ team, onClose, onDone }: { team?: Team; onClose: () => void; onDone: (message: string) => void }) {
  const [name, setName] = useState(team?.name ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateBody(team ? 'RenameTeamBody' : 'CreateTeamBody', { name });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      const call = team
        ? warden.PATCH('/api/v1/teams/{id}', { params: { path: { id: team.id } }, body: { name } })
        : warden.POST('/api/v1/teams', { body: { name } });
      await answer(call).catch((refusal: unknown) => {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      });
      onDone(team ? `${team.name} is now ${name}.` : `Team ${name} created.`);
    });
  };
  return (
    <Dialog title={team ? `Rename ${team.name}` : 'Create team'} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label="Team name" value={name} onChange={(event) => setName(event.target.value)} error={errors.name} />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            {team ? 'Rename' : 'Create team'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function TeamMembersDialog({ team, onClose }: { team: Team; onClose: () => void }) {
  const { access } = useSession();
  const changes = access.changesTeam(team);
  const members = useLoad(() => answer(warden.GET('/api/v1/users', { params: { query: { team: team.id, page_size: 200, sort: 'name' } } })), [team.id]);
  const everyone = useLoad(
    () => (changes ? allPages((page) => answer(warden.GET('/api/v1/users', { params: { query: { page, page_size: 200, sort: 'name', status: 'active' } } }))) : Promise.resolve([])),
    [changes],
  );
  const [adding, setAdding] = useState('');
  const action = useAction();
  const inTeam = new Set(members.data?.results.map((member) => member.id));
  const add = (event: FormEvent) => {
    event.preventDefault();
    if (adding === '') return;
    void action.run(async () => {
      await answer(warden.POST('/api/v1/teams/{id}/members', { params: { path: { id: team.id } }, body: { user_id: adding } }));
      setAdding('');
      members.reload();
    });
  };
  const remove = (userId: string) =>
    void action.run(async () => {
      await answer(warden.DELETE('/api/v1/teams/{id}/members/{userId}', { params: { path: { id: team.id, userId } } }));
      members.reload();
    });
  return (
    <Dialog title={`Members of ${team.name}`} onClose={onClose}>
      <ProblemAlert error={members.error ?? action.error} />
      <ul className="members">
        {members.data?.results.map((member) => (
          <li key={member.id}>
            {member.name}
            {changes && (
              <button type="button" onClick={() => remove(member.id)} aria-label={`Remove ${member.name} from ${team.name}`} disabled={action.busy}>
                Remove
              </button>
            )}
          </li>
        ))}
        {members.data?.results.length === 0 && <li>No members yet.</li>}
      </ul>
      {changes && (
        <form onSubmit={add} className="inline-form">
          <SelectField label="Add a member" value={adding} onChange={(event) => setAdding(event.target.value)}>
            <option value="">Choose someone</option>
            {everyone.data
              ?.filter((user) => !inTeam.has(user.id))
              .map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name}
                </option>
              ))}
          </SelectField>
          <button type="submit" disabled={action.busy || adding === ''}>
            Add to team
          </button>
        </form>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function DeleteTeamDialog({ team, onClose, onDone }: { team: Team; onClose: () => void; onDone: (message: string) => void }) {
  const action = useAction();
  const remove = () =>
    void action.run(async () => {
      await answer(warden.DELETE('/api/v1/teams/{id}', { params: { path: { id: team.id } } }));
      onDone(`Team ${team.name} deleted.`);
    });
  return (
    <ConfirmDialog title={`Delete ${team.name}?`} confirm="Delete team" busy={action.busy} onClose={onClose} onConfirm={remove}>
      <p>Only an empty team can be deleted.</p>
      <ProblemAlert error={action.error} />
    </ConfirmDialog>
  );
}
