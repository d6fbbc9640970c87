import { type FormEvent, useState } from 'react';
import { principalOfAccount } from '../access/console-access';
import { roleCatalogue, serviceAccounts } from '../api/directory';
import { type Member, type Role, type Token, type TokenAsOf, answer, warden } from '../api/warden-api';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { CheckboxGroup, SelectField, TextField } from '../components/field';
import { list, seconds, toLocalInput, when } from '../components/format';
import { OnceShownSecret } from '../components/once-shown-secret';
import { PAGE_SIZES, Pager } from '../components/pager';
import { ProblemAlert } from '../components/problem-alert';
import { RowMenu } from '../components/row-menu';
import { useAction, useLoad } from '../components/use-load';
import { type FieldErrors, fieldErrorsOf, validateBody } from '../forms/body-validation';
import { useLocation } from '../router';
import { useSession } from '../session/session';

type Status = Token['status'];
type Task =
  | { kind: 'issue' }
  | { kind: 'details' | 'rotate' | 'reassign' | 'revoke'; token: Token }
  | { kind: 'secret'; title: string; secret: string; previous: Token['secrets'] };

/** The organization's API tokens: issued, rotated, reassigned and revoked here; a secret shown once. */
export function TokensScreen() {
  const { access } = useSession();
  const { query } = useLocation();
  const [owner, setOwner] = useState(query.get('owner') ?? '');
  const [status, setStatus] = useState<Status | ''>('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  const [task, setTask] = useState<Task | null>(null);
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [notice, setNotice] = useState<string>();

  const tokens = useLoad(
    () =>
      answer(
        warden.GET('/api/v1/tokens', { params: { query: { page, page_size: pageSize, ...(owner && { owner }), ...(status && { status }) } } }),
      ),
    [owner, status, page, pageSize],
  );
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
  const done = (message: string) => {
    setTask(null);
    setNotice(message);
    tokens.reload();
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
    <section aria-labelledby="tokens-title">
      <div className="title-row">
        <h1 id="tokens-title">Tokens</h1>
        {access.writesTokens() && (
          <button type="button" className="primary" onClick={() => setTask({ kind: 'issue' })}>
            Issue token
          </button>
        )}
      </div>
      <form className="filters" aria-label="Filter tokens" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Owner"
          value={owner}
          onChange={(event) => {
            setOwner(event.target.value);
            setPage(1);
          }}
        >
          <option value="">Any owner</option>
          {accounts.map((account) => (
            <option key={account.id} value={account.id}>
              {account.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Status"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as Status | '');
            setPage(1);
          }}
        >
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="revoked">Revoked</option>
          <option value="expired">Expired</option>
        </SelectField>
      </form>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <ProblemAlert error={tokens.error} />
      <p className="hint">Right-click a token (or use its Actions button) to rotate, reassign or revoke it.</p>
      <table aria-label="Tokens" aria-busy={tokens.loading}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Secret</th>
            <th scope="col">Owner</th>
            <th scope="col">Visibility</th>
            <th scope="col">Origins</th>
            <th scope="col">Permissions</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.data?.results.map((token) => (
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
                    setTask({ kind: id as 'details', token });
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tokens.data?.results.length === 0 && <p>No token matches these filters.</p>}
      <Pager
        label="Tokens"
        page={page}
        pageSize={pageSize}
        pagination={tokens.data?.pagination}
        onPage={setPage}
        onPageSize={(size) => {
          setPageSize(size);
          setPage(1);
        }}
      />
      {task?.kind === 'issue' && (
        <IssueTokenDialog
          accounts={accounts.filter((account) => account.status === 'active' && access.obtainsCredentialOf(account, roles))}
          roles={roles}
          initialOwner={owner}
          onClose={() => setTask(null)}
          onIssued={(title, secret) => {
            tokens.reload();
            setTask({ kind: 'secret', title, secret, previous: [] });
          }}
        />
      )}
      {task?.kind === 'secret' && (
        <OnceShownSecret title={task.title} secret={task.secret} onClose={() => setTask(null)}>
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
          onClose={() => setTask(null)}
          onRotated={(secret, previous) => {
            tokens.reload();
            setTask({ kind: 'secret', title: `New secret of ${task.token.name}`, secret, previous });
          }}
        />
      )}
      {task?.kind === 'reassign' && (
        <ReassignDialog
          token={task.token}
          accounts={accounts.filter((account) => account.id !== task.token.user_id && account.status === 'active' && access.obtainsCredentialOf(account, roles))}
          onClose={() => setTask(null)}
          onDone={done}
        />
      )}
      {task?.kind === 'revoke' && <RevokeDialog token={task.token} onClose={() => setTask(null)} onDone={done} />}
      {task?.kind === 'details' && <TokenDetailsDialog token={task.token} owner={ownerOf(task.token)} onClose={() => setTask(null)} />}
    </section>
  );
}

/** What the owner may hand its token: its own permissions (everything of Warden's for an account acting as a super admin). */
function permissionsOf(owner: Member | undefined, roles: Role[], mine: string[]): string[] {
  if (!owner) return [];
  const principal = principalOfAccount(owner, roles);
  return principal.unrestricted ? mine : Object.keys(principal.permissions).sort();
}

function IssueTokenDialog(props: { accounts: Member[]; roles: Role[]; initialOwner: string; onClose: () => void; onIssued: (title: string, secret: string) => void }) {
  const { whoami, me } = useSession();
  const [owner, setOwner] = useState(props.accounts.some((account) => account.id === props.initialOwner) ? props.initialOwner : '');
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'private' | 'public'>('private');
  const [origins, setOrigins] = useState('');
  const [permissions, setPermissions] = useState<string[]>([]);
  const [expiresAt, setExpiresAt] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
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
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      try {
        const { token: secret, ...issued } = await answer(warden.POST('/api/v1/tokens', { body }));
        props.onIssued(`Token ${issued.name} issued`, secret);
      } catch (refusal) {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      }
    });
  };
  return (
    <Dialog title="Issue token" onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <SelectField label="Owner (service account)" value={owner} onChange={(event) => setOwner(event.target.value)} error={errors.user_id}>
          <option value="">Choose a service account</option>
          {props.accounts.map((account) => (
            <option key={account.id} value={account.id}>
              {account.name}
            </option>
          ))}
        </SelectField>
        <TextField label="Token name" value={name} onChange={(event) => setName(event.target.value)} error={errors.name} />
        <fieldset className="field">
          <legend>Visibility</legend>
          <label className="checkbox">
            <input type="radio" name="visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} />
            Private: works from anywhere (for servers)
          </label>
          <label className="checkbox">
            <input type="radio" name="visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
            Public: works only from the exact origins below (for web pages)
          </label>
        </fieldset>
        {visibility === 'public' && (
          <TextField
            label="Allowed origins"
            value={origins}
            onChange={(event) => setOrigins(event.target.value)}
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
          value={expiresAt}
          max={latest}
          onChange={(event) => setExpiresAt(event.target.value)}
          error={errors.expires_at}
          hint={cap === null ? 'Optional: no expiry when empty' : `At most ${seconds(cap)} from now (the organization's cap)`}
        />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Issue token
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RotateDialog(props: { token: Token; onClose: () => void; onRotated: (secret: string, previous: Token['secrets']) => void }) {
  const [grace, setGrace] = useState('300');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { grace_period_seconds: Number(grace) };
    const found = validateBody('RotateTokenBody', body);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      const { token: secret, ...rotated } = await answer(warden.POST('/api/v1/tokens/{id}/rotate', { params: { path: { id: props.token.id } }, body }));
      props.onRotated(
        secret,
        rotated.secrets.filter((entry) => entry.valid_until !== null),
      );
    });
  };
  return (
    <Dialog title={`Rotate ${props.token.name}`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p>A new secret is made and shown once. The current one keeps working for the grace period, so its users can switch.</p>
        <TextField
          label="Grace period (seconds)"
          type="number"
          min={0}
          max={604800}
          value={grace}
          onChange={(event) => setGrace(event.target.value)}
          error={errors.grace_period_seconds}
          hint="0 ends the current secret at once"
        />
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Rotate
          </button>
        </div>
      </form>
    </Dialog>
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
    <Dialog title={`Reassign ${props.token.name}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        <p>Tokens belong only to service accounts. Once its tokens are reassigned, an account can be deleted.</p>
        <SelectField label="New owner" value={owner} onChange={(event) => setOwner(event.target.value)} required>
          <option value="">Choose a service account</option>
          {props.accounts.map((account) => (
            <option key={account.id} value={account.id}>
              {account.name}
            </option>
          ))}
        </SelectField>
        <ProblemAlert error={action.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy || owner === ''}>
            Reassign
          </button>
        </div>
      </form>
    </Dialog>
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
    <ConfirmDialog title={`Revoke ${props.token.name}?`} confirm="Revoke" busy={action.busy} onClose={props.onClose} onConfirm={revoke}>
      <p>Every secret of this token stops working at once. This cannot be undone.</p>
      <ProblemAlert error={action.error} />
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
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
