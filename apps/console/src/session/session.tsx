import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { ConsoleAccess } from '../access/console-access';
import { type Me, type WhoAmI, answer, onSignedOut, warden } from '../api/warden-api';
import { SignInScreen } from '../screens/sign-in.screen';

// Who is signed in: what GET /auth/whoami (effective permissions) and GET /users/me (name,
// organization) answer for the session cookie. Any 401 from the API (the session expired,
// was ended, or its account was deactivated) brings the sign-in screen back.

export interface Session {
  whoami: WhoAmI;
  me: Me;
  access: ConsoleAccess;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in console');
  return session;
}

type State = { kind: 'loading' } | { kind: 'signed out'; notice?: string } | { kind: 'signed in'; whoami: WhoAmI; me: Me };

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      const [whoami, me] = await Promise.all([answer(warden.GET('/api/v1/auth/whoami')), answer(warden.GET('/api/v1/users/me'))]);
      setState({ kind: 'signed in', whoami, me });
    } catch {
      setState({ kind: 'signed out' });
    }
  }, []);

  useEffect(() => {
    void load();
    return onSignedOut(() => setState({ kind: 'signed out', notice: 'Your session has ended. Sign in again.' }));
  }, [load]);

  const signOut = useCallback(async () => {
    await warden.POST('/api/v1/auth/logout').catch(() => undefined);
    setState({ kind: 'signed out', notice: 'You are signed out.' });
  }, []);

  if (state.kind === 'loading') return <p className="loading">Loading…</p>;
  if (state.kind === 'signed out') return <SignInScreen notice={state.notice} onSignedIn={load} />;
  const session: Session = { whoami: state.whoami, me: state.me, access: ConsoleAccess.of(state.whoami), signOut };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
