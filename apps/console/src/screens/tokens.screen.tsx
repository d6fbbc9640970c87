import { type FormEvent, useState } from 'react';
import { principalOfAccount } from '../access/console-access';
import { roleCatalogue, serviceAccounts } from '../api/directory';
import { type Member, type Role, type Token, type TokenAsOf, answer, warden } from '../api/warden-api';
import { CloseButton, ConfirmDialog, Dialog, FormDialog } from '../components/dialog';
import { type Choice, CheckboxGroup, RadioGroup, SelectField, TextField } from '../components/field';
import { list, seconds, toLocalInput, when } from '../components/format';
import { OnceShownSecret } from '../components/once-shown-secret';
import { usePaging } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { RowMenu } from '../components/row-menu';
import { FilterRow, Notice, Screen } from '../components/screen';
import { PagedTable } from '../components/table';
import { useFields, useFormAction } from '../components/use-form-action';
import { useAction, useLoad } from '../components/use-load';
import { useTask } from '../components/use-task';
import { validateBody } from '../forms/body-validation';
import { useLocation } from '../router';
import { useSession } from '../session/session';

type Status = Token['status'];
type Task =
  | { kind: 'issue' }
  | { kind: 'details' | 'rotate' | 'reassign' | 'revoke'; token: Token }
  | { kind: 'secret'; title: string; secret: string; previous: Token['secrets'] };

/** Service accounts as the options of a select, by name. */
const accountChoices = (accounts: readonly Member[]): Choice[] => accounts.map((account) => ({ value: account.id, label: account.name }));

/** The organization's API tokens: issued, rotated, reassigned and revoked here; a secret shown once. */
export function TokensScreen() {
  const { access } = useSession();
  const { query } = useLocation();
  const [owner, setOwner] = useState(query.get('owner') ?? '');
  const [status, setStatus] = useState<Status | ''>('');
  const paging = usePaging();
  const [menuFor, setMenuFor] = useState<string | null>(null);

  const tokens = useLoad(
    () =>
      answer(
        warden.GET('/api/v1/tokens', {
          params: { query: { page: paging.page, page_size: paging.pageSize, ...(owner && { owner }), ...(status && { status }) } },
        }),
      ),
    [owner, status, paging.page, paging.pageSize],
  );
  const { task, open, close, notice, setNotice, done } = useTask<Task>(tokens.reload);
  const lookups = useLoad(async () => {
    const [accounts, roles] = await Promise.all([serviceAccounts(), roleCatalogue()]);
    return { accounts, roles };
  }, []);
  const accounts = lookups.data?.accounts ?? [];
  const roles = lookups.data?.roles ?? [];
  const ownerOf = (token: Token) => accounts.find((account) => account.id === token.user_id);
  const obtains = (token: Token) => {
    const account = ownerOf(token);
    return account !== undefined && access.obtainsCredentialOf(account, roles);
  };
  const actionsFor = (token: Token) => [
    { id: 'details', label: 'Details and history' },
    ...(token.status === 'active' && obtains(token)
      ? [
          { id: 'rotate', label: 'Rotate' },
          { id: 'reassign', label: 'Reassign Token' },
        ]
      : []),
    ...(token.status === 'active' && access.writesTokens() ? [{ id: 'revoke', label: 'Revoke', danger: true }] : []),
  ];

  return (
    <Screen name="tokens" title="Tokens" action={access.writesTokens() && { label: 'Issue token', onClick: () => open({ kind: 'issue' }) }}>
      <FilterRow label="Filter tokens">
        <SelectField
          label="Owner"
          value={owner}
          onChange={(event) => {
            setOwner(event.target.value);
            paging.first();
          }}
          none="Any owner"
          choices={accountChoices(accounts)}
        />
        <SelectField
          label="Status"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as Status | '');
            paging.first();
          }}
          none="Any status"
          choices={[
            { value: 'active', label: 'Active' },
            { value: 'revoked', label: 'Revoked' },
            { value: 'expired', label: 'Expired' },
            { value: 'disabled', label: 'Disabled' },
            { value: 'owner_inactive', label: 'Owner inactive' },
          ]}
        />
      </FilterRow>
      <Notice message={notice} />
      <p className="hint">Right-click a token (or use its Actions button) to rotate, reassign or revoke it.</p>
      <PagedTable
        label="Tokens"
        columns={['Name', 'Status', 'Secret', 'Owner', 'Visibility', 'Origins', 'Permissions', 'Expires', 'Last used']}
        loaded={tokens}
        empty="No token matches these filters."
        pager={paging.pager}
      >
        {(token) => (
          <tr
            key={token.id}
            onContextMenu={(event) => {
              event.preventDefault();
              setMenuFor(token.id);
            }}
          >
            <th scope="row">{token.name}</th>
            <td>
              <span className={`badge ${token.status}`}>{token.status}</span>
            </td>
            <td>
              <code>
                {token.prefix}…{token.last_four}
              </code>
            </td>
            <td>{ownerOf(token)?.name ?? token.user_id}</td>
            <td>{token.visibility}</td>
            <td>{list(token.allowed_origins, 'Any')}</td>
            <td>{token.permissions === null ? "All of the owner's" : list(token.permissions)}</td>
            <td>{when(token.expires_at, 'No expiry')}</td>
            <td>{when(token.last_used_at)}</td>
            <td>
              <RowMenu
                label={`Actions for token ${token.name}`}
                actions={actionsFor(token)}
                isOpen={menuFor === token.id}
                onOpenChange={(open) => setMenuFor(open ? token.id : null)}
                onAction={(id) => {
                  setNotice(undefined);
                  open({ kind: id as 'details', token });
                }}
              />
            </td>
          </tr>
        )}
      </PagedTable>
      {task?.kind === 'issue' && (
        <IssueTokenDialog
          accounts={accounts.filter((account) => account.status === 'active' && access.obtainsCredentialOf(account, roles))}
          roles={roles}
          initialOwner={owner}
          onClose={close}
          onIssued={(title, secret) => {
            tokens.reload();
            open({ kind: 'secret', title, secret, previous: [] });
          }}
        />
      )}
      {task?.kind === 'secret' && (
        <OnceShownSecret title={task.title} secret={task.secret} onClose={close}>
          {task.previous.map((secret) => (
            <p key={secret.last_four} className="notice">
              The previous secret ending in <code>{secret.last_four}</code> works until {when(secret.valid_until)}.
            </p>
          ))}
        </OnceShownSecret>
      )}
      {task?.kind === 'rotate' && (
        <RotateDialog
          token={task.token}
          onClose={close}
          onRotated={(secret, previous) => {
            tokens.reload();
            open({ kind: 'secret', title: `New secret of ${task.token.name}`, secret, previous });
          }}
        />
      )}
      {task?.kind === 'reassign' && (
        <ReassignDialog
          token={task.token}
          accounts={accounts.filter(
            (account) => account.id !== task.token.user_id && account.status === 'active' && access.obtainsCredentialOf(account, roles),
          )}
          onClose={close}
          onDone={done}
        />
      )}
      {task?.kind === 'revoke' && <RevokeDialog token={task.token} onClose={close} onDone={done} />}
      {task?.kind === 'details' && <TokenDetailsDialog token={task.token} owner={ownerOf(task.token)} onClose={close} />}
    </Screen>
  );
}

/** What the owner may hand its token: its own permissions (everything of Warden's for an account acting as a super admin). */
function permissionsOf(owner: Member | undefined, roles: Role[], mine: string[]): string[] {
  if (!owner) return [];
  const principal = principalOfAccount(owner, roles);
  return principal.unrestricted ? mine : Object.keys(principal.permissions).sort();
}

function IssueTokenDialog(props: {
  accounts: Member[];
  roles: Role[];
  initialOwner: string;
  onClose: () => void;
  onIssued: (title: string, secret: string) => void;
}) {
  const { whoami, me } = useSession();
  const [owner, setOwner] = useState(props.accounts.some((account) => account.id === props.initialOwner) ? props.initialOwner : '');
  const { form, bind } = useFields({ name: '', origins: '', expiresAt: '' });
  const { name, origins, expiresAt } = form;
  const [visibility, setVisibility] = useState<'private' | 'public'>('private');
  const [permissions, setPermissions] = useState<string[]>([]);
  const sending = useFormAction();
  const errors = sending.errors;
  const organization = useLoad(() => answer(warden.GET('/api/v1/organizations/{id}', { params: { path: { id: me.organization_id } } })), []);
  const cap = organization.data?.settings.max_token_lifetime_seconds ?? null;
  const latest = cap === null ? undefined : toLocalInput(new Date(Date.now() + cap * 1000));
  const ownerAccount = props.accounts.find((account) => account.id === owner);
  const offered = permissionsOf(ownerAccount, props.roles, Object.keys(whoami.permissions).sort());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const allowedOrigins = origins
      .split(/\s+/)
      .map((origin) => origin.trim())
      .filter(Boolean);
    const body = {
      user_id: owner,
      name,
      visibility,
      ...(visibility === 'public' && { allowed_origins: allowedOrigins }),
      ...(permissions.length > 0 && { permissions }),
      ...(expiresAt && { expires_at: new Date(expiresAt).toISOString() }),
    };
    const found = validateBody('IssueTokenBody', body);
    if (owner === '') found.user_id = 'Choose the service account that owns the token';
    if (visibility === 'public' && allowedOrigins.length === 0) found.allowed_origins = 'A public token needs at least one origin';
    if (cap !== null && expiresAt && Date.parse(body.expires_at!) > Date.now() + cap * 1000) found.expires_at = `At most ${seconds(cap)} from now`;
    sending.send(found, async () => {
      const { token: secret, ...issued } = await answer(warden.POST('/api/v1/tokens', { body }));
      props.onIssued(`Token ${issued.name} issued`, secret);
    });
  };
  return (
    <FormDialog title="Issue token" submit="Issue token" onSubmit={submit} onClose={props.onClose} busy={sending.busy} error={sending.error} wide>
      <SelectField
        label="Owner (service account)"
        value={owner}
        onChange={(event) => setOwner(event.target.value)}
        error={errors.user_id}
        none="Choose a service account"
        choices={accountChoices(props.accounts)}
      />
      <TextField label="Token name" {...bind('name', errors)} />
      <RadioGroup
        legend="Visibility"
        name="visibility"
        value={visibility}
        onChange={setVisibility}
        options={[
          { value: 'private', label: 'Private: works from anywhere (for servers)' },
          { value: 'public', label: 'Public: works only from the exact origins below (for web pages)' },
        ]}
      />
      {visibility === 'public' && (
        <TextField
          label="Allowed origins"
          {...bind('origins')}
          error={errors.allowed_origins}
          hint="Exact origins, separated by spaces, such as https://shop.example.com (no wildcards, no paths)"
        />
      )}
      <CheckboxGroup
        legend="Permissions (none chosen: all of the owner's)"
        options={offered.map((permission) => ({ value: permission, label: permission }))}
        selected={permissions}
        onChange={setPermissions}
        error={errors.permissions}
      />
      <TextField
        label="Expires"
        type="datetime-local"
        {...bind('expiresAt')}
        max={latest}
        error={errors.expires_at}
        hint={cap === null ? 'Optional: no expiry when empty' : `At most ${seconds(cap)} from now (the organization's cap)`}
      />
    </FormDialog>
  );
}

function RotateDialog(props: { token: Token; onClose: () => void; onRotated: (secret: string, previous: Token['secrets']) => void }) {
  const [grace, setGrace] = useState('300');
  const sending = useFormAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { grace_period_seconds: Number(grace) };
    sending.send(validateBody('RotateTokenBody', body), async () => {
      const { token: secret, ...rotated } = await answer(warden.POST('/api/v1/tokens/{id}/rotate', { params: { path: { id: props.token.id } }, body }));
      props.onRotated(
        secret,
        rotated.secrets.filter((entry) => entry.valid_until !== null),
      );
    });
  };
  return (
    <FormDialog title={`Rotate ${props.token.name}`} submit="Rotate" onSubmit={submit} onClose={props.onClose} busy={sending.busy} error={sending.error}>
      <p>A new secret is made and shown once. The current one keeps working for the grace period, so its users can switch.</p>
      <TextField
        label="Grace period (seconds)"
        type="number"
        min={0}
        max={604800}
        value={grace}
        onChange={(event) => setGrace(event.target.value)}
        error={sending.errors.grace_period_seconds}
        hint="0 ends the current secret at once"
      />
    </FormDialog>
  );
}

function ReassignDialog(props: { token: Token; accounts: Member[]; onClose: () => void; onDone: (message: string) => void }) {
  const [owner, setOwner] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (owner === '') return;
    void action.run(async () => {
      await answer(warden.POST('/api/v1/tokens/{id}/reassign', { params: { path: { id: props.token.id } }, body: { user_id: owner } }));
      props.onDone(`${props.token.name} now belongs to ${props.accounts.find((account) => account.id === owner)?.name ?? owner}.`);
    });
  };
  return (
    <FormDialog
      title={`Reassign ${props.token.name}`}
      submit="Reassign"
      onSubmit={submit}
      onClose={props.onClose}
      busy={action.busy}
      blocked={owner === ''}
      error={action.error}
      browserChecks
    >
      <p>Tokens belong only to service accounts. Once its tokens are reassigned, an account can be deleted.</p>
      <SelectField
        label="New owner"
        value={owner}
        onChange={(event) => setOwner(event.target.value)}
        required
        none="Choose a service account"
        choices={accountChoices(props.accounts)}
      />
    </FormDialog>
  );
}

function RevokeDialog(props: { token: Token; onClose: () => void; onDone: (message: string) => void }) {
  const action = useAction();
  const revoke = () =>
    void action.run(async () => {
      await answer(warden.POST('/api/v1/tokens/{id}/revoke', { params: { path: { id: props.token.id } } }));
      props.onDone(`${props.token.name} is revoked: no verification accepts it any more.`);
    });
  return (
    <ConfirmDialog title={`Revoke ${props.token.name}?`} confirm="Revoke" busy={action.busy} error={action.error} onClose={props.onClose} onConfirm={revoke}>
      <p>Every secret of this token stops working at once. This cannot be undone.</p>
    </ConfirmDialog>
  );
}

function TokenDetailsDialog(props: { token: Token; owner?: Member; onClose: () => void }) {
  const { access } = useSession();
  const { token } = props;
  const current = useLoad(() => answer(warden.GET('/api/v1/tokens/{id}', { params: { path: { id: token.id } } })), [token.id]);
  const [at, setAt] = useState(toLocalInput(new Date()));
  const [asOf, setAsOf] = useState<TokenAsOf>();
  const action = useAction();
  const ask = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () =>
      setAsOf(await answer(warden.GET('/api/v1/audit/tokens/{id}/as-of', { params: { path: { id: token.id }, query: { at: new Date(at).toISOString() } } }))),
    );
  };
  const view = current.data ?? token;
  return (
    <Dialog title={`Token ${token.name}`} onClose={props.onClose} wide>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{view.status}</dd>
        <dt>Owner</dt>
        <dd>{props.owner?.name ?? view.user_id}</dd>
        <dt>Created</dt>
        <dd>{when(view.created_at)}</dd>
        <dt>Rotated</dt>
        <dd>{when(view.rotated_at)}</dd>
      </dl>
      <h3>Secrets that work now</h3>
      <ul>
        {view.secrets.map((secret) => (
          <li key={secret.last_four}>
            <code>…{secret.last_four}</code> issued {when(secret.issued_at)}, {secret.valid_until ? `valid until ${when(secret.valid_until)}` : 'current'}
          </li>
        ))}
        {view.secrets.length === 0 && <li>None</li>}
      </ul>
      {access.readsAudit() && (
        <form onSubmit={ask} className="as-of">
          <h3>What was this token at a moment?</h3>
          <TextField label="At" type="datetime-local" step={1} value={at} onChange={(event) => setAt(event.target.value)} />
          <button type="submit" disabled={action.busy}>
            Show the token as it was
          </button>
          <ProblemAlert error={action.error} />
          {asOf && (
            <dl className="facts" aria-label="The token as it was">
              <dt>Valid then</dt>
              <dd>{asOf.valid ? 'Yes' : `No (${asOf.refusal ?? asOf.status})`}</dd>
              <dt>Status then</dt>
              <dd>{asOf.status}</dd>
              <dt>Owner then</dt>
              <dd>{asOf.owner_id ? `${asOf.owner_id} (${asOf.owner_status ?? 'unknown'})` : '—'}</dd>
              <dt>Visibility and origins</dt>
              <dd>
                {asOf.visibility ?? '—'} {list(asOf.allowed_origins, '')}
              </dd>
              <dt>Secrets then</dt>
              <dd>{list(asOf.secrets?.map((secret) => `…${secret.last_four}${secret.valid ? ' (accepted)' : ''}`))}</dd>
            </dl>
          )}
        </form>
      )}
      <CloseButton onClose={props.onClose} />
    </Dialog>
  );
}
