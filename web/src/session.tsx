import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api } from './api.ts';
import { hostedSignOutUrl, refreshSession } from './cognito.ts';
import type { ConsoleConfig } from './config.ts';

const STORAGE_KEY = 'tms.session';

export interface Session {
  userId: string;
  token: string;
  /** Deployed (Cognito): when the token expires, and what renews it. */
  expiresAt?: number;
  refreshToken?: string;
}

/** How long before a token expires it is renewed. */
const REFRESH_AHEAD_MS = 5 * 60_000;

interface SessionContextValue {
  config: ConsoleConfig;
  session: Session | undefined;
  /** Why the last session ended, when it was not the user's choice. */
  notice: string | undefined;
  api: Api;
  signIn(session: Session): void;
  signOut(notice?: string): void;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

function load(): Session | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const s = raw ? (JSON.parse(raw) as Session) : undefined;
    return s && typeof s.token === 'string' && typeof s.userId === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ config, children, fetchImpl }: { config: ConsoleConfig; children: ReactNode; fetchImpl?: typeof fetch }) {
  const [session, setSession] = useState<Session | undefined>(load);
  const [notice, setNotice] = useState<string>();

  const signOut = useCallback(
    (why?: string) => {
      localStorage.removeItem(STORAGE_KEY);
      setSession(undefined);
      setNotice(why);
      if (!why && config.auth === 'cognito' && config.cognito) location.assign(hostedSignOutUrl(config.cognito));
    },
    [config],
  );
  const signIn = useCallback((s: Session) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
    setNotice(undefined);
    setSession(s);
  }, []);

  // Tokens from the hosted sign-in are renewed a little before they expire.
  useEffect(() => {
    if (!session?.refreshToken || !session.expiresAt || !config.cognito) return;
    const cognito = config.cognito;
    const timer = setTimeout(
      () => {
        refreshSession(cognito, session, fetchImpl).then(
          (fresh) => {
            localStorage.setItem(STORAGE_KEY, JSON.stringify(fresh));
            setSession(fresh);
          },
          () => signOut('Your session has ended; sign in again.'),
        );
      },
      Math.max(0, session.expiresAt - Date.now() - REFRESH_AHEAD_MS),
    );
    return () => clearTimeout(timer);
  }, [session, config.cognito, fetchImpl, signOut]);

  const token = session?.token;
  const api = useMemo(
    () =>
      new Api({
        baseUrl: config.apiBaseUrl,
        getToken: () => token,
        onUnauthorized: () => signOut('Your session has ended; sign in again.'),
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }),
    [config.apiBaseUrl, token, signOut, fetchImpl],
  );

  const value = useMemo(() => ({ config, session, notice, api, signIn, signOut }), [config, session, notice, api, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
