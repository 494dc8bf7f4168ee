import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from '@simplewebauthn/browser';
/**
 * The signed-in session: fetched once at start, replaced by sign-in, setup and the language
 * switch, cleared by sign-out and by any 401 (the session ended). It also decides the console's
 * language: the admin's own choice, else the organization's default.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { Locale } from '../../shared/contracts.ts';
import type { Action } from '../../shared/roles.ts';
import { api, setCsrfToken, setUnauthorizedHandler } from './api.ts';
import { applyLocale, currentLocale, rememberLocale } from './i18n/index.ts';
import type { MfaRequired, Session } from './types.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; expired: boolean }
  | { status: 'signed-in'; session: Session };

interface SessionContextValue {
  state: SessionState;
  /** Starts using a session answered by sign-in, setup or PATCH /me. */
  accept(session: Session): void;
  /** Signs in with the password; answers the second-factor prompt when one must follow. */
  signIn(email: string, password: string): Promise<MfaRequired | null>;
  /** Completes a sign-in with the code of the second factor. */
  verifyMfa(code: string): Promise<void>;
  /** Completes the second factor with a passkey (the browser asks for it). */
  verifyPasskey(): Promise<void>;
  signOut(): Promise<void>;
  /** Switches the console language at once and remembers it for the admin. */
  changeLocale(locale: Locale): Promise<void>;
  /** Fetches the session again (after the organization changed). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** The language a session asks for. */
export function sessionLocale(session: Session): Locale {
  return session.user?.locale ?? session.organization.defaultLocale;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const accept = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    applyLocale(sessionLocale(session));
    setState({ status: 'signed-in', session });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState({ status: 'anonymous', expired: true });
    });
    let active = true;
    api
      .get<Session>('/api/v1/auth/session', { ignoreUnauthorized: true })
      .then((session) => {
        if (active) {
          accept(session);
        }
      })
      .catch(() => {
        if (active) {
          setState({ status: 'anonymous', expired: false });
        }
      });
    return () => {
      active = false;
      setUnauthorizedHandler(null);
    };
  }, [accept]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const answer = await api.post<Session | MfaRequired>(
        '/api/v1/auth/login',
        { email, password },
        { ignoreUnauthorized: true },
      );
      if ('mfaRequired' in answer) {
        return answer;
      }
      accept(answer);
      return null;
    },
    [accept],
  );

  const verifyMfa = useCallback(
    async (code: string) => {
      accept(await api.post<Session>('/api/v1/auth/mfa/verify', { code }, { ignoreUnauthorized: true }));
    },
    [accept],
  );

  const verifyPasskey = useCallback(async () => {
    const optionsJSON = await api.post<PublicKeyCredentialRequestOptionsJSON>(
      '/api/v1/auth/mfa/webauthn/authentication/options',
      undefined,
      { ignoreUnauthorized: true },
    );
    const response = await startAuthentication({ optionsJSON });
    accept(
      await api.post<Session>(
        '/api/v1/auth/mfa/webauthn/authentication/verify',
        { response },
        { ignoreUnauthorized: true },
      ),
    );
  }, [accept]);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/logout', undefined, { ignoreUnauthorized: true });
    } finally {
      rememberLocale(currentLocale());
      setCsrfToken(null);
      setState({ status: 'anonymous', expired: false });
    }
  }, []);

  const changeLocale = useCallback(
    async (locale: Locale) => {
      applyLocale(locale);
      rememberLocale(locale);
      accept(await api.patch<Session>('/api/v1/me', { locale }));
    },
    [accept],
  );

  const refresh = useCallback(async () => {
    accept(await api.get<Session>('/api/v1/auth/session'));
  }, [accept]);

  const value = useMemo(
    () => ({ state, accept, signIn, verifyMfa, verifyPasskey, signOut, changeLocale, refresh }),
    [state, accept, signIn, verifyMfa, verifyPasskey, signOut, changeLocale, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) {
    throw new Error('useSession outside SessionProvider');
  }
  return value;
}

/** The signed-in session (inside the console shell only). */
export function useSignedIn(): Session {
  const { state } = useSession();
  if (state.status !== 'signed-in') {
    throw new Error('useSignedIn outside the console');
  }
  return state.session;
}

/** Whether the signed-in admin may do an action (from the session's abilities, never role names). */
export function useCan(): (ability: Action) => boolean {
  const session = useSignedIn();
  return useCallback((ability: Action) => session.abilities.includes(ability), [session]);
}
