import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { LoginResult, User } from '../../../src/auth/auth.schemas.ts';
import type { Permission } from '../../../src/auth/policies.ts';
import * as api from '../api.ts';
import { claimDrafts, clearDrafts } from './drafts.ts';
import { navigate, paths } from './router.tsx';

/** Why the login page is showing, said once at the top of it. */
export type LoginNotice = 'session_ended' | 'locked' | 'logged_out' | 'password_changed';

export type SessionState =
  | { status: 'checking' }
  | { status: 'anonymous'; notice: LoginNotice | null }
  | { status: 'changePassword'; user: User }
  | { status: 'ready'; user: User };

interface SessionApi {
  state: SessionState;
  completeLogin(result: LoginResult): void;
  /** Ends the session on the server (best effort) and forgets everything held in the page. */
  endSession(notice: LoginNotice): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SessionState>(() =>
    api.getCsrfToken() ? { status: 'checking' } : { status: 'anonymous', notice: null },
  );

  // Decrypted request content must not outlive the session in this page's memory.
  const forget = useCallback(
    (notice: LoginNotice) => {
      api.setCsrfToken(null);
      queryClient.cancelQueries().catch(() => undefined);
      queryClient.clear();
      setState({ status: 'anonymous', notice });
    },
    [queryClient],
  );

  useEffect(() => {
    // A request still in flight when this page ended the session itself (idle lock, logout) comes
    // back 401: that must not replace the notice saying why the session ended.
    api.onSessionLost(() => {
      if (api.getCsrfToken()) forget('session_ended');
    });
    return () => api.onSessionLost(null);
  }, [forget]);

  // A reload of this tab: the CSRF token survived in sessionStorage; ask who we are.
  useEffect(() => {
    if (state.status !== 'checking') return;
    let cancelled = false;
    api
      .getMe()
      .then(({ user }) => {
        if (cancelled) return;
        setState(user.mustChangePassword ? { status: 'changePassword', user } : { status: 'ready', user });
      })
      .catch(() => {
        if (cancelled) return;
        api.setCsrfToken(null);
        setState((s) => (s.status === 'checking' ? { status: 'anonymous', notice: null } : s));
      });
    return () => {
      cancelled = true;
    };
  }, [state.status]);

  const completeLogin = useCallback(
    (result: LoginResult) => {
      queryClient.clear();
      claimDrafts(result.user.id);
      api.setCsrfToken(result.csrfToken);
      setState(
        result.user.mustChangePassword
          ? { status: 'changePassword', user: result.user }
          : { status: 'ready', user: result.user },
      );
    },
    [queryClient],
  );

  const endSession = useCallback(
    async (notice: LoginNotice) => {
      if (notice !== 'session_ended' && notice !== 'password_changed') {
        await api.logout().catch(() => undefined);
      }
      forget(notice);
      // The idle lock and an expired session keep half-typed text (in memory) for the same operator.
      if (notice === 'logged_out') clearDrafts();
      // A deliberate logout starts the next person at the queue; an expired or locked session keeps
      // the address so the same operator resumes where they were.
      if (notice === 'logged_out') navigate(paths.queue, { replace: true });
    },
    [forget],
  );

  const value = useMemo(() => ({ state, completeLogin, endSession }), [state, completeLogin, endSession]);
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionApi {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The logged-in operator; only for components rendered inside the ready console. */
export function useCurrentUser(): User {
  const { state } = useSession();
  if (state.status !== 'ready') throw new Error('useCurrentUser without a session');
  return state.user;
}

export function hasPermission(user: User, p: Permission): boolean {
  return user.permissions.includes(p);
}

/** The admin page holds user management, the audit log, the protocol editor and the public form. */
export function canAdminister(user: User): boolean {
  return (
    hasPermission(user, 'user.manage') ||
    hasPermission(user, 'audit.read') ||
    hasPermission(user, 'protocol.manage') ||
    hasPermission(user, 'settings.manage')
  );
}

/** Where a user starts: the queue for those who work it, else the registry, else the relatives desk. */
export function homePath(user: User): string {
  if (hasPermission(user, 'queue.read')) return paths.queue;
  if (hasPermission(user, 'pow.read')) return paths.registry;
  if (hasPermission(user, 'inquiry.read') || hasPermission(user, 'inquiry.create')) return paths.relatives;
  return paths.knowledge();
}
