import { type ReactNode, useState } from 'react';
import type { Screen } from './access/console-access';
import { CloseButton, Dialog } from './components/dialog';
import { ACCOUNT_TYPE_LABELS, list, when } from './components/format';
import { Link, useLocation } from './router';
import { AuditScreen } from './screens/audit.screen';
import { MembersScreen } from './screens/members.screen';
import { OrganizationsScreen } from './screens/organizations.screen';
import { ReadModelsScreen } from './screens/read-models.screen';
import { RolesScreen } from './screens/roles.screen';
import { TeamsScreen } from './screens/teams.screen';
import { TokensScreen } from './screens/tokens.screen';
import { SessionProvider, useSession } from './session/session';

const SCREENS: { screen: Screen; path: string; label: string; render: () => ReactNode }[] = [
  { screen: 'members', path: '/members', label: 'Members', render: () => <MembersScreen /> },
  { screen: 'tokens', path: '/tokens', label: 'Tokens', render: () => <TokensScreen /> },
  { screen: 'roles', path: '/roles', label: 'Roles', render: () => <RolesScreen /> },
  { screen: 'teams', path: '/teams', label: 'Teams', render: () => <TeamsScreen /> },
  { screen: 'audit', path: '/audit', label: 'Audit', render: () => <AuditScreen /> },
  { screen: 'organizations', path: '/organizations', label: 'Organizations', render: () => <OrganizationsScreen /> },
  { screen: 'read-models', path: '/read-models', label: 'Read models', render: () => <ReadModelsScreen /> },
];

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const session = useSession();
  const { path } = useLocation();
  const [showWhoAmI, setShowWhoAmI] = useState(false);
  const visible = SCREENS.filter((entry) => session.access.sees(entry.screen));
  const current = visible.find((entry) => path.startsWith(entry.path)) ?? visible[0];
  const name = [session.me.first_name, session.me.last_name].filter(Boolean).join(' ') || session.me.username;
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Warden</span>
        <span className="organization">{session.me.organization.name}</span>
        <span className="spacer" />
        <button type="button" className="link" onClick={() => setShowWhoAmI(true)}>
          Signed in as {name}
        </button>
        <button type="button" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Screens" className="side">
        <ul>
          {visible.map((entry) => (
            <li key={entry.screen}>
              <Link to={entry.path} aria-current={entry === current ? 'page' : undefined}>
                {entry.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">{current ? current.render() : <p>This account may not use any screen of the console.</p>}</main>
      {showWhoAmI && (
        <Dialog title="Who am I" onClose={() => setShowWhoAmI(false)}>
          <dl className="facts">
            <dt>Username</dt>
            <dd>{session.me.username}</dd>
            <dt>Type</dt>
            <dd>{ACCOUNT_TYPE_LABELS[session.whoami.account_type]}</dd>
            <dt>Organization</dt>
            <dd>{session.me.organization.name}</dd>
            <dt>Roles</dt>
            <dd>{list(session.whoami.roles)}</dd>
            <dt>Acts as super admin</dt>
            <dd>{session.whoami.acts_as_super_admin ? 'Yes' : 'No'}</dd>
            <dt>Platform admin</dt>
            <dd>{session.whoami.platform_admin ? 'Yes' : 'No'}</dd>
            <dt>Permissions</dt>
            <dd>
              {list(Object.entries(session.whoami.permissions).map(([permission, scope]) => (scope === 'team' ? `${permission} (own teams)` : permission)))}
            </dd>
            <dt>Session ends</dt>
            <dd>{when(session.whoami.credential.expires_at)}</dd>
          </dl>
          <CloseButton onClose={() => setShowWhoAmI(false)} />
        </Dialog>
      )}
    </div>
  );
}
