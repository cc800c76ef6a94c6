// Paths of the page (the daemon answers index.html for any non-API path): `/`, `/new`,
// `/sessions/:name[/:tab]`. History API, no library.
import { useSyncExternalStore } from 'react';

export type Route = { page: 'list' } | { page: 'new' } | { page: 'session'; name: string; tab: string };

export function parse(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'sessions' && parts[1]) return { page: 'session', name: parts[1], tab: parts[2] ?? 'terminal' };
  return { page: 'list' };
}

export function href(r: Route): string {
  if (r.page === 'new') return '/new';
  if (r.page === 'session') return `/sessions/${encodeURIComponent(r.name)}/${r.tab}`;
  return '/';
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const path = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname,
  );
  return parse(path);
}

/** For <a href onClick={follow}>: client-side navigation, keeping middle-click and modifiers. */
export function follow(e: { preventDefault(): void; currentTarget: HTMLAnchorElement; button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean }): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(e.currentTarget.getAttribute('href') ?? '/');
}
