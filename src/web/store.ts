// What the page shows, outside React: the sessions (pushed over /ws/events, never polled) and the
// connection's state. The WebSocket reconnects by itself with backoff; after each `hello` the
// list is read once and merged with what the events said meanwhile.
import { useSyncExternalStore } from 'react';
import type { BlockedTarget, DaemonEvent } from '../shared/events.js';
import type { Session } from '../shared/types.js';
import { api } from './api';

export type Connection = { state: 'connecting' } | { state: 'open' } | { state: 'down'; retryInMs: number; attempts: number };

export interface Snapshot {
  sessions: Session[];
  /** The list was read at least once. */
  loaded: boolean;
  connection: Connection;
  configError: string | null;
  /**
   * Targets each session's egress policy blocked, by session id, most recent first: pushed as
   * proxy.blocked, replaced by what sessions.egress answers (the Proxy tab reads it; an allow's
   * answer drops the allowed ones).
   */
  blocked: Record<string, BlockedTarget[]>;
}

/** Any event the page may listen to (proxy.audit comes from the daemon's newer events too). */
export type PageEvent = DaemonEvent | { type: 'proxy.audit'; sessionId: string; entry: unknown } | { type: 'hello'; configError?: string | null };

type Listener = () => void;

const byId = new Map<string, Session>();
const deleted = new Set<string>();
const listeners = new Set<Listener>();
const eventListeners = new Set<(e: PageEvent) => void>();
let snapshot: Snapshot = { sessions: [], loaded: false, connection: { state: 'connecting' }, configError: null, blocked: {} };

function publish(patch: Partial<Snapshot> = {}): void {
  const sessions = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  snapshot = { ...snapshot, sessions, ...patch };
  for (const l of listeners) l();
}

function put(s: Session): void {
  const known = byId.get(s.id);
  if (known && known.updatedAt > s.updatedAt) return;
  byId.set(s.id, s);
}

/** A session's blocked targets as the daemon listed them (sessions.egress, or an allow's answer). */
export function setBlocked(id: string, list: BlockedTarget[]): void {
  const { [id]: _old, ...rest } = snapshot.blocked;
  publish({ blocked: list.length > 0 ? { ...rest, [id]: list } : rest });
}

/** A target as the user reads it: host:port, an IPv6 literal in brackets. */
export function targetText(b: Pick<BlockedTarget, 'host' | 'port'>): string {
  return b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;
}

/** The port to allow a blocked target with: none for 443 and 80 (the rule then covers both), else its own. */
export function allowPort(b: Pick<BlockedTarget, 'port'>): number | undefined {
  return b.port === 443 || b.port === 80 ? undefined : b.port;
}

/** Apply a session's fresh state learned outside the stream (an action's answer). */
export function upsert(s: Session): void {
  put(s);
  publish();
}

function apply(e: PageEvent): void {
  if (e.type === 'session.created' || e.type === 'session.updated') {
    deleted.delete(e.session.id);
    byId.set(e.session.id, e.session);
    publish();
  } else if (e.type === 'session.deleted') {
    deleted.add(e.session.id);
    byId.delete(e.session.id);
    const { [e.session.id]: _gone, ...blocked } = snapshot.blocked;
    publish({ blocked });
  } else if (e.type === 'proxy.blocked') {
    const b = e.blocked;
    const rest = (snapshot.blocked[e.sessionId] ?? []).filter((x) => x.host !== b.host || x.port !== b.port);
    publish({ blocked: { ...snapshot.blocked, [e.sessionId]: [b, ...rest].slice(0, 200) } });
  } else if (e.type === 'daemon.notes') {
    publish({ configError: e.configError });
  }
  for (const l of eventListeners) l(e);
}

async function load(): Promise<void> {
  deleted.clear();
  const list = await api.sessions();
  const seen = new Set(list.map((s) => s.id));
  for (const id of [...byId.keys()]) if (!seen.has(id)) byId.delete(id);
  for (const s of list) if (!deleted.has(s.id)) put(s);
  publish({ loaded: true });
}

let ws: WebSocket | null = null;
let attempts = 0;
let started = false;

function connect(): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/events`;
  const socket = new WebSocket(url);
  ws = socket;
  socket.onmessage = (m: MessageEvent<string>) => {
    let e: PageEvent;
    try {
      e = JSON.parse(m.data) as PageEvent;
    } catch {
      return;
    }
    if (e.type === 'hello') {
      attempts = 0;
      publish({ connection: { state: 'open' }, configError: e.configError ?? null });
      load().catch(() => socket.close());
      return;
    }
    apply(e);
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    ws = null;
    attempts += 1;
    const retryInMs = Math.min(10_000, 500 * 2 ** Math.min(attempts - 1, 5));
    publish({ connection: { state: 'down', retryInMs, attempts } });
    setTimeout(connect, retryInMs);
  };
}

function start(): void {
  if (started) return;
  started = true;
  connect();
  // (the first list at once, beside the WebSocket's handshake; each hello reads it again, which
  // closes the gap between this read and the subscription)
  load().catch(() => undefined);
}

function subscribe(l: Listener): () => void {
  start();
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useStore(): Snapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/** Every new snapshot, outside React (notifications); returns the unsubscribe. */
export function watch(l: (s: Snapshot) => void): () => void {
  return subscribe(() => l(snapshot));
}

/** Every event as it arrives (create.progress, proxy.audit…); returns the unsubscribe. */
export function onEvent(l: (e: PageEvent) => void): () => void {
  start();
  eventListeners.add(l);
  return () => eventListeners.delete(l);
}

export function findSession(sessions: readonly Session[], nameOrId: string): Session | undefined {
  return sessions.find((s) => s.name === nameOrId || s.id === nameOrId);
}

export const WAITING = new Set(['waiting_approval', 'waiting_input']);

/** Warnings of a create, shown once on the session page it opens (by session id). */
const flashes = new Map<string, string[]>();
export function setFlash(id: string, warnings: string[]): void {
  if (warnings.length) flashes.set(id, warnings);
}
export function flashFor(id: string): string[] {
  return flashes.get(id) ?? [];
}
export function dismissFlash(id: string): void {
  flashes.delete(id);
}
