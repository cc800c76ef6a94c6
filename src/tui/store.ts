// State outside React: a zustand vanilla store owns what the screens show. It is fed by the
// daemon's pushed events and survives the Ink instance being unmounted while another program
// (zellij/tmux attach, $EDITOR) has the terminal.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DaemonEvent, ProgressEvent } from '../shared/events.js';
import type { Session, SessionStatus } from '../shared/types.js';

export const VIEWS = ['all', 'running', 'idle', 'completed', 'archived'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = {
  all: 'All',
  running: 'Running',
  idle: 'Idle',
  completed: 'Completed',
  archived: 'Archived',
};

const VIEW_TEST: Record<View, (s: SessionStatus) => boolean> = {
  all: (s) => s !== 'archived',
  running: (s) => s === 'running' || s === 'creating' || s === 'deleting',
  idle: (s) => s === 'idle',
  completed: (s) => s === 'completed' || s === 'failed',
  archived: (s) => s === 'archived',
};

export type Modal =
  | { kind: 'help' }
  | { kind: 'confirm-delete'; id: string; name: string }
  | { kind: 'create' }
  | { kind: 'message'; title: string; lines: string[]; tone: 'info' | 'error' };

export interface CreateState {
  submitting: boolean;
  progress: { step: string; state: string } | null;
  /** What the daemon warned about while creating (e.g. no credential for the agent's model API). */
  warnings: string[];
  formError: string | null;
  fieldErrors: Partial<Record<'prompt' | 'repo' | 'name' | 'backend' | 'agent', string>>;
}

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface TuiState {
  /** Every session (archived too), oldest first. */
  sessions: Session[];
  connection: Connection;
  connectionError: string | null;
  view: View;
  text: string;
  textEditing: boolean;
  selectedId: string | null;
  modal: Modal | null;
  create: CreateState;
  /** Create progress by session name, for rows still `creating`. */
  progress: Record<string, ProgressEvent>;
  status: { text: string; tone: 'info' | 'error' | 'ok' } | null;
  columns: number;
  rows: number;
}

export type TuiStore = StoreApi<TuiState>;

export const EMPTY_CREATE: CreateState = { submitting: false, progress: null, warnings: [], formError: null, fieldErrors: {} };

export function createTuiStore(init: Partial<TuiState> = {}): TuiStore {
  return createStore<TuiState>(() => ({
    sessions: [],
    connection: 'connecting',
    connectionError: null,
    view: 'all',
    text: '',
    textEditing: false,
    selectedId: null,
    modal: null,
    create: EMPTY_CREATE,
    progress: {},
    status: null,
    columns: 80,
    rows: 24,
    ...init,
  }));
}

// ---------------------------------------------------------------- derived

let memo: { sessions: Session[]; view: View; text: string; out: Session[] } | null = null;

/** The sessions the list shows (view + text filter). Memoized on its inputs. */
export function visibleSessions(s: Pick<TuiState, 'sessions' | 'view' | 'text'>): Session[] {
  if (memo && memo.sessions === s.sessions && memo.view === s.view && memo.text === s.text) return memo.out;
  const test = VIEW_TEST[s.view];
  const needle = s.text.trim().toLowerCase();
  const out = s.sessions.filter(
    (x) =>
      test(x.status) &&
      (!needle ||
        x.name.includes(needle) ||
        x.repoPath.toLowerCase().includes(needle) ||
        x.branchName.toLowerCase().includes(needle) ||
        x.prompt.toLowerCase().includes(needle)),
  );
  memo = { sessions: s.sessions, view: s.view, text: s.text, out };
  return out;
}

/** Index of the selected row in the visible list (the first row when the selection is hidden). */
export function selectedIndex(s: TuiState): number {
  const v = visibleSessions(s);
  if (v.length === 0) return -1;
  const i = s.selectedId ? v.findIndex((x) => x.id === s.selectedId) : -1;
  return i >= 0 ? i : 0;
}

export function selectedSession(s: TuiState): Session | null {
  const i = selectedIndex(s);
  return i >= 0 ? (visibleSessions(s)[i] ?? null) : null;
}

export { statusCounts } from '../shared/types.js';

/** Sessions whose agent waits for the user (approval or input), archived ones aside. */
export function waitingCount(sessions: readonly Session[]): number {
  let n = 0;
  for (const s of sessions) if (s.status !== 'archived' && (s.agentStatus === 'waiting_approval' || s.agentStatus === 'waiting_input')) n++;
  return n;
}

/** Rows of the table that fit on screen (header, table head, status bar, footer take 5). */
export function pageSize(s: Pick<TuiState, 'rows'>): number {
  return Math.max(1, s.rows - 6);
}

// ---------------------------------------------------------------- actions

function byAge(a: Session, b: Session): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function actions(store: TuiStore) {
  const set = store.setState;
  const get = store.getState;

  const select = (index: number) => {
    const v = visibleSessions(get());
    if (v.length === 0) return;
    const i = Math.max(0, Math.min(v.length - 1, index));
    set({ selectedId: v[i]?.id ?? null });
  };

  return {
    setSessions(list: Session[]) {
      set({ sessions: [...list].sort(byAge) });
    },

    /** Apply one pushed daemon event: O(n) at worst for an update, no reload. */
    applyEvent(e: DaemonEvent) {
      if (e.type === 'create.progress') {
        set((s) => ({ progress: { ...s.progress, [e.name]: e } }));
        return;
      }
      const s = get();
      const i = s.sessions.findIndex((x) => x.id === e.session.id);
      if (e.type === 'session.deleted') {
        if (i < 0) return;
        const sessions = s.sessions.slice();
        sessions.splice(i, 1);
        const { [e.session.name]: _gone, ...progress } = s.progress;
        set({ sessions, progress });
        return;
      }
      const sessions = s.sessions.slice();
      if (i >= 0) sessions[i] = e.session;
      else {
        sessions.push(e.session);
        sessions.sort(byAge);
      }
      const progress = e.session.status === 'creating' ? s.progress : omit(s.progress, e.session.name);
      set({ sessions, progress });
    },

    move(delta: number) {
      select(selectedIndex(get()) + delta);
    },
    first() {
      select(0);
    },
    last() {
      select(Number.MAX_SAFE_INTEGER);
    },
    halfPage(dir: 1 | -1) {
      select(selectedIndex(get()) + dir * Math.max(1, Math.floor(pageSize(get()) / 2)));
    },
    selectId(id: string) {
      set({ selectedId: id });
    },

    setView(view: View) {
      set({ view });
    },
    cycleView() {
      const i = VIEWS.indexOf(get().view);
      set({ view: VIEWS[(i + 1) % VIEWS.length] ?? 'all' });
    },
    startText() {
      set({ textEditing: true });
    },
    setText(text: string) {
      set({ text });
    },
    applyText() {
      set({ textEditing: false });
    },
    clearText() {
      set({ text: '', textEditing: false });
    },

    openModal(modal: Modal) {
      set({ modal, ...(modal.kind === 'create' ? { create: EMPTY_CREATE } : {}) });
    },
    closeModal() {
      set({ modal: null });
    },
    setCreate(patch: Partial<CreateState>) {
      set((s) => ({ create: { ...s.create, ...patch } }));
    },

    setStatus(text: string, tone: 'info' | 'error' | 'ok' = 'info') {
      set({ status: { text, tone } });
    },
    clearStatus() {
      set({ status: null });
    },
    setConnection(connection: Connection, error: string | null = null) {
      set({ connection, connectionError: error });
    },
    setSize(columns: number, rows: number) {
      set({ columns, rows });
    },
  };
}

export type TuiActions = ReturnType<typeof actions>;

function omit<T extends Record<string, unknown>>(o: T, key: string): T {
  if (!(key in o)) return o;
  const { [key]: _x, ...rest } = o;
  return rest as T;
}
