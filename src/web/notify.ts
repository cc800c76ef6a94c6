// In-page notifications (Notifications API, while a page of clauderon is open): when a session's
// agent starts waiting — for input or for an approval — one notification per transition, if the
// user allowed notifications and either turned them on here ("Enable notifications") or the page
// is hidden (another tab, the phone's home screen). The sessions come from the store (the
// /ws/events stream); the first list only seeds what is known, so opening the page does not
// notify about sessions that were already waiting. Clicking a notification opens the session.
// Turning them on also subscribes this browser to Web Push, for when the page is closed (push.ts);
// turning them off unsubscribes it.
import type { AgentStatus, Session } from '../shared/types.js';
import { AGENT_TEXT, repoName } from './format';
import { subscribePush, unsubscribePush } from './push';
import { href, navigate } from './router';
import { watch, WAITING, type Snapshot } from './store';

const KEY = 'clauderon.notifications';

export function supported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

/** The user turned notifications on in this browser (and the browser allows them). */
export function enabled(): boolean {
  return supported() && Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on';
}

export function setEnabled(on: boolean): void {
  if (on) localStorage.setItem(KEY, 'on');
  else localStorage.removeItem(KEY);
  // (in the background: the push service may take a while, and in-page notifications work without it)
  void (on ? subscribePush() : unsubscribePush());
}

/** Ask the browser (a user gesture must lead here); true when notifications are now on. */
export async function enable(): Promise<boolean> {
  if (!supported()) return false;
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  setEnabled(permission === 'granted');
  return permission === 'granted';
}

function shouldShow(): boolean {
  return supported() && Notification.permission === 'granted' && (document.hidden || enabled());
}

function show(s: Session): void {
  const title = s.agentStatus === 'waiting_approval' ? `${s.name} needs your approval` : `${s.name} is waiting for you`;
  const url = href({ page: 'session', name: s.name, tab: 'terminal' });
  const options: NotificationOptions = {
    body: `${repoName(s)} · ${s.agent}: ${AGENT_TEXT[s.agentStatus]}`,
    // (a push for the same event, sw.js, has this tag too: it replaces this one instead of doubling it)
    tag: `clauderon-${s.name}`,
    icon: '/icons/icon-192.png',
    data: { url },
  };
  try {
    const n = new Notification(title, options);
    n.onclick = () => {
      window.focus();
      navigate(url);
      n.close();
    };
  } catch {
    // (Android's Chrome has no Notification constructor: the service worker shows it, and its
    // notificationclick opens the session)
    void navigator.serviceWorker?.ready.then((r) => r.showNotification(title, options)).catch(() => undefined);
  }
}

/** Which sessions' transitions into a waiting status are worth a notification (pure, tested through the page). */
export function newlyWaiting(before: ReadonlyMap<string, AgentStatus>, sessions: readonly Session[]): Session[] {
  return sessions.filter((s) => s.status !== 'archived' && WAITING.has(s.agentStatus) && before.get(s.id) !== s.agentStatus);
}

let started = false;

/** Start watching the store (once, from main.tsx). */
export function watchNotifications(): void {
  if (started || !supported()) return;
  started = true;
  if (enabled()) void subscribePush(); // (renewed at each load: see push.ts)
  let known: Map<string, AgentStatus> | null = null;
  watch((snap: Snapshot) => {
    if (!snap.loaded) return;
    const next = new Map(snap.sessions.map((s) => [s.id, s.agentStatus] as const));
    if (known && shouldShow()) for (const s of newlyWaiting(known, snap.sessions)) show(s);
    known = next;
  });
}
