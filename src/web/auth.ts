// Passkey sign-in, as the page sees it: whether the daemon wants a sign-in (an API answer of 401,
// or /api/auth/state), and the calls of the sign-in page's ceremonies (/api/auth/*, same origin,
// JSON). The cookie itself is HttpOnly: no script here ever sees it.
import { useSyncExternalStore } from 'react';

export interface AuthState {
  /** The daemon asks for a sign-in (an API call answered 401). */
  needed: boolean;
  /** Signed in with a passkey (the sign-out button shows). */
  signedIn: boolean;
  /** The daemon can sign in with passkeys (it has CLAUDERON_ORIGIN). */
  available: boolean;
}

let state: AuthState = { needed: false, signedIn: false, available: true };
const listeners = new Set<() => void>();

function publish(next: Partial<AuthState>): void {
  state = { ...state, ...next };
  listeners.forEach((l) => l());
}

/** api.ts calls this on a 401: the app shows the sign-in page. */
export function signInNeeded(): void {
  if (!state.needed) publish({ needed: true });
}

export function useAuth(): AuthState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The registration code in the page's address (`#register=CODE`, from `clauderon auth register`), or null. */
export function registrationCode(): string | null {
  const m = /^#register=([A-Za-z0-9_-]{16,100})$/.exec(location.hash);
  return m?.[1] ?? null;
}

export async function authCall<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/auth/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok) throw new Error(data?.error?.message ?? `${res.status} ${res.statusText}`);
  return data as T;
}

/** Ask the daemon whether this page is signed in (at start; the sign-out button depends on it). */
export function loadAuthState(): void {
  authCall<{ required: boolean; signedIn: boolean; available: boolean }>('state').then(
    (s) => publish({ signedIn: s.signedIn, available: s.available, needed: s.required && !s.signedIn }),
    () => undefined, // an older daemon, or unreachable: the 401s tell
  );
}

export async function signOut(): Promise<void> {
  await authCall('logout', {});
  location.assign('/signin');
}
