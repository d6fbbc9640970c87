import { type FormEvent, useState } from 'react';
import { type Team, allPages, answer, warden } from '../api/warden-api';
import { CloseButton, ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { SelectField, TextField } from '../components/field';
import { when } from '../components/format';
import { usePaging } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { Notice, Screen } from '../components/screen';
import { PagedTable } from '../components/table';
import { useFormAction } from '../components/use-form-action';
import { useAction, useLoad } from '../components/use-load';
import { useTask } from '../components/use-task';
import { validateBody } from '../forms/body-validation';
import { useSession } from '../session/session';

type Task = { kind: 'create' } | { kind: 'rename' | 'members' | 'delete'; team: Team };

/** Teams: created, renamed and deleted by those who write teams; their members changed by whoever writes that team (a manager, its own). */
export function TeamsScreen() {
  const { access } = useSession();
  const paging = usePaging();
  const teams = useLoad(
    () => answer(warden.GET('/api/v1/teams', { params: { query: { page: paging.page, page_size: paging.pageSize } } })),
    [paging.page, paging.pageSize],
  );
  const { task, open, close, notice, done } = useTask<Task>(teams.reload);
  return (
    <Screen name="teams" title="Teams" action={access.createsTeams() && { label: 'Create team', onClick: () => open({ kind: 'create' }) }}>
      <Notice message={notice} />
      <PagedTable label="Teams" columns={['Team', 'Members', 'Created']} loaded={teams} pager={paging.pager}>
        {(team) => (
          <tr key={team.id}>
            <th scope="row">{team.name}</th>
            <td>{team.member_count}</td>
            <td>{when(team.created_at)}</td>
            <td className="buttons">
              <button type="button" onClick={() => open({ kind: 'members', team })} aria-label={`Members of ${team.name}`}>
                Members
              </button>
              {access.createsTeams() && (
                <>
                  <button type="button" onClick={() => open({ kind: 'rename', team })} aria-label={`Rename ${team.name}`}>
                    Rename
                  </button>
                  <button type="button" className="danger" onClick={() => open({ kind: 'delete', team })} aria-label={`Delete ${team.name}`}>
                    Delete
                  </button>
                </>
              )}
            </td>
          </tr>
        )}
      </PagedTable>
      {(task?.kind === 'create' || task?.kind === 'rename') && (
        <TeamNameDialog team={task.kind === 'rename' ? task.team : undefined} onClose={close} onDone={done} />
      )}
      {task?.kind === 'members' && <TeamMembersDialog team={task.team} onClose={() => done('')} />}
      {task?.kind === 'delete' && <DeleteTeamDialog team={task.team} onClose={close} onDone={done} />}
    </Screen>
  );
}

function TeamNameDialog({ team, onClose, onDone }: { team?: Team; onClose: () => void; onDone: (message: string) => void }) {
  const [name, setName] = useState(team?.name ?? '');
  const form = useFormAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    form.send(validateBody(team ? 'RenameTeamBody' : 'CreateTeamBody', { name }), async () => {
      await answer(
        team ? warden.PATCH('/api/v1/teams/{id}', { params: { path: { id: team.id } }, body: { name } }) : warden.POST('/api/v1/teams', { body: { name } }),
      );
      onDone(team ? `${team.name} is now ${name}.` : `Team ${name} created.`);
    });
  };
  return (
    <FormDialog
      title={team ? `Rename ${team.name}` : 'Create team'}
      submit={team ? 'Rename' : 'Create team'}
      onSubmit={submit}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
    >
      <TextField label="Team name" value={name} onChange={(event) => setName(event.target.value)} error={form.errors.name} />
    </FormDialog>
  );
}

function TeamMembersDialog({ team, onClose }: { team: Team; onClose: () => void }) {
  const { access } = useSession();
  const changes = access.changesTeam(team);
  const members = useLoad(() => answer(warden.GET('/api/v1/users', { params: { query: { team: team.id, page_size: 200, sort: 'name' } } })), [team.id]);
  const everyone = useLoad(
    () =>
      changes
        ? allPages((page) => answer(warden.GET('/api/v1/users', { params: { query: { page, page_size: 200, sort: 'name', status: 'active' } } })))
        : Promise.resolve([]),
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
          <SelectField
            label="Add a member"
            value={adding}
            onChange={(event) => setAdding(event.target.value)}
            none="Choose someone"
            choices={everyone.data?.filter((user) => !inTeam.has(user.id)).map((user) => ({ value: user.id, label: user.name }))}
          />
          <button type="submit" disabled={action.busy || adding === ''}>
            Add to team
          </button>
        </form>
      )}
      <CloseButton onClose={onClose} />
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
    <ConfirmDialog title={`Delete ${team.name}?`} confirm="Delete team" busy={action.busy} error={action.error} onClose={onClose} onConfirm={remove}>
      <p>Only an empty team can be deleted.</p>
    </ConfirmDialog>
  );
}
