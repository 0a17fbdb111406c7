// Who is signed in. Loaded once from /auth/session; a 401 anywhere (here or from GraphQL)
// forgets it, and the routes then show the sign-in screen.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';

import { AuthError, auth } from './auth';
import type { Session } from './auth';

interface SessionState {
  session: Session | null;
  loading: boolean;
  signedIn: (session: Session) => void;
  signedOut: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({
  children,
  expired,
}: {
  children: ReactNode;
  expired: { subscribe: (listener: () => void) => () => void };
}) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    auth
      .session()
      .then(setSession)
      .catch((error) => {
        if (!(error instanceof AuthError)) throw error;
        setSession(null);
      })
      .finally(() => setLoading(false));
  }, []);
  useEffect(() => expired.subscribe(() => setSession(null)), [expired]);

  const signedIn = useCallback((next: Session) => setSession(next), []);
  const signedOut = useCallback(() => setSession(null), []);
  const value = useMemo(
    () => ({ session, loading, signedIn, signedOut }),
    [session, loading, signedIn, signedOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** A tiny event source for "the server said 401", shared by the GraphQL client. */
export function createSignal() {
  const listeners = new Set<() => void>();
  return {
    emit: () => listeners.forEach((listener) => listener()),
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
