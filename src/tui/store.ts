// State outside React: a zustand vanilla store owns what the screens show. It is fed by the
// daemon's pushed events and survives the Ink instance being unmounted while another program
// (zellij/tmux attach, $EDITOR) has the terminal.
// (Over 400 lines: the state's types, the selectors the screens derive from, and `actions` — every
// change to the state, most of them a few lines — kept together so a change and what reads it are
// read side by side.)
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BlockedTarget, DaemonEvent, ProgressEvent, StepState } from '../shared/events.js';
import type { Session, SessionDiff, SessionStatus } from '../shared/types.js';
import type { AttachForm } from './attach-dialog/use-attach-state.js';
import { textReducer, textState, type TextEdit } from './text-input/use-text-input-state.js';

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
  | { kind: 'help'; scroll: number }
  /** The selected session's changes: `diff` null while loading; `scroll` the first line shown. */
  | { kind: 'diff'; id: string; name: string; diff: SessionDiff | null; error: string | null; scroll: number }
  | { kind: 'confirm-delete'; id: string; name: string }
  /** Allow a target session `id`'s egress policy blocked (the e key): y allows it, n keeps it blocked. */
  | { kind: 'confirm-egress'; id: string; name: string; block: BlockMark }
  | { kind: 'create' }
  /** Attach an image to session `id` (the i key): the dialog's form (attach-dialog/). */
  | { kind: 'attach'; id: string; name: string; form: AttachForm }
  | { kind: 'message'; title: string; lines: string[]; tone: 'info' | 'error' };

/** One create step as the dialog shows it (create.progress events, in order). */
export interface StepRow {
  step: string;
  state: StepState;
  message: string | null;
  ms: number | null;
}

export interface CreateState {
  submitting: boolean;
  /** The steps of the create under way, as they ran. */
  steps: StepRow[];
  /** What the daemon warned about while creating (e.g. no credential for the agent's model API). */
  warnings: string[];
  formError: string | null;
  /** By the dialog's field ids (prompt, repo, name, backend, option:<key>, agent, model, accessMode…). */
  fieldErrors: Partial<Record<string, string>>;
}

/** `stopped`: the user stopped the daemon (clauderon daemon stop): it stays stopped until asked. */
export type Connection = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/** What the daemon says about itself that the TUI shows as a banner. */
export interface DaemonNotes {
  /** config.toml cannot be read: the daemon's message names the file and the line. */
  configError: string | null;
  /** The HTTP API (agents' hooks post there) is not listening: agent status is unavailable. */
  httpError: string | null;
}

/** The preview pane: the selected session's screen, pushed while the pane is open. */
export interface PreviewState {
  open: boolean;
  /** Whose screen `screen` is (the selection may have moved on since). */
  id: string | null;
  screen: string | null;
  error: string | null;
}

/** A target a session's egress policy refused (a proxy.blocked event) that the user has not yet allowed or kept blocked. */
export interface BlockMark extends BlockedTarget {
  policy: 'allow-list' | 'locked';
}

/** How a status line reads: `warn` for something done only in part (an image attached but not sent). */
export type StatusTone = 'info' | 'error' | 'ok' | 'warn';

export interface TuiState {
  /** Every session (archived too), oldest first. */
  sessions: Session[];
  connection: Connection;
  connectionError: string | null;
  view: View;
  text: string;
  /** The filter line's cursor (code points into `text`). */
  textCursor: number;
  textEditing: boolean;
  selectedId: string | null;
  modal: Modal | null;
  create: CreateState;
  /**
   * What was typed in a create dialog left with Esc (the dialog's form state, opaque here): the
   * next `n` opens it again; a create that succeeds, or Ctrl-R in the dialog, drops it.
   */
  createDraft: unknown;
  daemon: DaemonNotes;
  preview: PreviewState;
  /** Create progress by session name, for rows still `creating`. */
  progress: Record<string, ProgressEvent>;
  /**
   * Blocked targets not handled yet, by session id, most recent first, one per host and port:
   * the row's mark and the status line (pushed as proxy.blocked; the e key allows the first).
   */
  blocked: Record<string, BlockMark[]>;
  status: { text: string; tone: StatusTone } | null;
  columns: number;
  rows: number;
}

export type TuiStore = StoreApi<TuiState>;

export const EMPTY_CREATE: CreateState = { submitting: false, steps: [], warnings: [], formError: null, fieldErrors: {} };

export function createTuiStore(init: Partial<TuiState> = {}): TuiStore {
  return createStore<TuiState>(() => ({
    sessions: [],
    connection: 'connecting',
    connectionError: null,
    view: 'all',
    text: '',
    textCursor: 0,
    textEditing: false,
    selectedId: null,
    modal: null,
    create: EMPTY_CREATE,
    createDraft: null,
    daemon: { configError: null, httpError: null },
    preview: { open: false, id: null, screen: null, error: null },
    progress: {},
    blocked: {},
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

/** Sessions with a blocked target not yet handled (archived ones aside). */
export function blockedCount(s: Pick<TuiState, 'sessions' | 'blocked'>): number {
  let n = 0;
  for (const x of s.sessions) if (x.status !== 'archived' && (s.blocked[x.id]?.length ?? 0) > 0) n++;
  return n;
}

/** A target as the user reads it: host:port, an IPv6 literal in brackets. */
export function targetText(b: Pick<BlockedTarget, 'host' | 'port'>): string {
  return b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;
}

/**
 * The port sessions.egressAllow is given for a blocked target: none for 443 and 80, so the rule
 * covers both (the agent that asked for https:// may ask for http:// next), else the port.
 */
export function allowPort(b: Pick<BlockedTarget, 'port'>): number | undefined {
  return b.port === 443 || b.port === 80 ? undefined : b.port;
}

/** What the status line says of a session's blocked targets (null: none). */
export function blockedText(name: string, blocks: readonly BlockMark[] | undefined, key: string): string | null {
  const b = blocks?.[0];
  if (!b) return null;
  const more = blocks.length > 1 ? ` (+${blocks.length - 1} more)` : '';
  return `${name}: blocked ${targetText(b)} ${b.count}×${more} — ${key} allows`;
}

/** Banner lines under the header: a broken config.toml, agent status unavailable. */
export function bannerLines(s: Pick<TuiState, 'daemon'>): number {
  return (s.daemon.configError ? 1 : 0) + (s.daemon.httpError ? 1 : 0);
}

/** Rows left for the body (header, view tabs, banners, status bar and footer take the rest). */
export function bodyHeight(s: Pick<TuiState, 'rows' | 'daemon'>): number {
  return Math.max(3, s.rows - 4 - bannerLines(s));
}

/** The preview pane beside the list from this many columns on; below it on narrower terminals. */
export const PREVIEW_BESIDE_FROM = 120;

/** Where the list and the preview pane go in the body (the pane closed: the list takes it all). */
export function bodyLayout(s: Pick<TuiState, 'rows' | 'columns' | 'daemon' | 'preview'>): {
  listWidth: number;
  listHeight: number;
  preview: { beside: boolean; width: number; height: number } | null;
} {
  const h = bodyHeight(s);
  const w = s.columns;
  if (!s.preview.open) return { listWidth: w, listHeight: h, preview: null };
  if (w >= PREVIEW_BESIDE_FROM) {
    const listWidth = Math.max(60, Math.floor(w * 0.45));
    return { listWidth, listHeight: h, preview: { beside: true, width: w - listWidth, height: h } };
  }
  const listHeight = Math.max(3, Math.floor(h * 0.4));
  return { listWidth: w, listHeight, preview: { beside: false, width: w, height: Math.max(2, h - listHeight) } };
}

/** Rows of the table that fit on screen (the list's part of the body less the table's head). */
export function pageSize(s: Pick<TuiState, 'rows' | 'columns' | 'daemon' | 'preview'>): number {
  return Math.max(1, bodyLayout(s).listHeight - 2);
}

// ---------------------------------------------------------------- actions

function byAge(a: Session, b: Session): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function actions(store: TuiStore) {
  const set = store.setState;
  const get = store.getState;

  const select = (index: number) => {
    const s = get();
    const v = visibleSessions(s);
    if (v.length === 0) return;
    const i = Math.max(0, Math.min(v.length - 1, index));
    const id = v[i]?.id ?? null;
    // An open preview pane follows the selection: its old screen is dropped in this same update
    // (one frame per key, not a second one from the pane's effect).
    set(s.preview.open && id !== null && s.preview.id !== id ? { selectedId: id, preview: { open: true, id, screen: null, error: null } } : { selectedId: id });
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
      if (e.type === 'daemon.notes') {
        set({ daemon: { configError: e.configError, httpError: e.httpError } });
        return;
      }
      if (e.type === 'daemon.stopping') return; // the connection's owner (run.ts) acts on it
      if (e.type === 'proxy.audit') return; // (the web UI's proxy view; nothing the TUI draws)
      if (e.type === 'proxy.blocked') {
        const mark: BlockMark = { ...e.blocked, policy: e.policy };
        set((s) => {
          const rest = (s.blocked[e.sessionId] ?? []).filter((b) => b.host !== mark.host || b.port !== mark.port);
          return { blocked: { ...s.blocked, [e.sessionId]: [mark, ...rest].slice(0, 50) } };
        });
        return;
      }
      const s = get();
      const i = s.sessions.findIndex((x) => x.id === e.session.id);
      if (e.type === 'session.deleted') {
        if (i < 0) return;
        const sessions = s.sessions.slice();
        sessions.splice(i, 1);
        const { [e.session.name]: _gone, ...progress } = s.progress;
        set({ sessions, progress, blocked: omit(s.blocked, e.session.id) });
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
      set((s) => ({ textEditing: true, textCursor: Array.from(s.text).length }));
    },
    setText(text: string) {
      set({ text, textCursor: Array.from(text).length });
    },
    /** Edit the filter line (the text field's reducer; the list narrows as it changes). */
    editText(e: TextEdit) {
      const s = get();
      const next = textReducer(textState(s.text, s.textCursor), e);
      if (next.value !== s.text || next.cursor !== s.textCursor) set({ text: next.value, textCursor: next.cursor });
    },
    applyText() {
      set({ textEditing: false });
    },
    clearText() {
      set({ text: '', textCursor: 0, textEditing: false });
    },

    /** Open a modal; what the status bar said belongs to the screen it was said on. */
    openModal(modal: Modal) {
      set({ modal, status: null, ...(modal.kind === 'create' ? { create: EMPTY_CREATE } : {}) });
    },
    closeModal() {
      set({ modal: null });
    },
    /** Open or close the preview pane (what it showed is dropped either way). */
    togglePreview() {
      set((s) => ({ preview: { open: !s.preview.open, id: null, screen: null, error: null } }));
    },
    /** A screen pushed for session `id` (ignored when the pane is closed; unchanged text: no update). */
    setPreview(id: string, screen: string | null, error: string | null = null) {
      const p = get().preview;
      if (!p.open || (p.id === id && p.screen === screen && p.error === error)) return;
      set({ preview: { open: true, id, screen, error } });
    },
    /** The diff view's content arrived (for the session it was opened on). */
    setDiff(id: string, diff: SessionDiff | null, error: string | null) {
      const m = get().modal;
      if (m?.kind === 'diff' && m.id === id) set({ modal: { ...m, diff, error } });
    },
    scrollDiff(to: number) {
      const m = get().modal;
      if (m?.kind === 'diff' && m.scroll !== to) set({ modal: { ...m, scroll: Math.max(0, to) } });
    },
    /** Scroll the help screen (clamped by the screen, which knows its lines). */
    scrollHelp(to: number) {
      const m = get().modal;
      if (m?.kind === 'help' && m.scroll !== to) set({ modal: { kind: 'help', scroll: Math.max(0, to) } });
    },
    /** The attach dialog's form changed (ignored once that dialog is closed: a late answer). */
    setAttachForm(id: string, form: AttachForm) {
      const m = get().modal;
      if (m?.kind === 'attach' && m.id === id && m.form !== form) set({ modal: { ...m, form } });
    },
    /**
     * A blocked target was handled (allowed, or kept blocked): its mark goes. No port: the host on
     * 443 and 80 both (what a rule without a port allows).
     */
    clearBlock(id: string, host: string, port: number | undefined) {
      const list = get().blocked[id];
      if (!list) return;
      const left = list.filter((b) => b.host !== host || (port === undefined ? b.port !== 443 && b.port !== 80 : b.port !== port));
      if (left.length === list.length) return;
      set((s) => ({ blocked: left.length > 0 ? { ...s.blocked, [id]: left } : omit(s.blocked, id) }));
    },
    setCreate(patch: Partial<CreateState>) {
      set((s) => ({ create: { ...s.create, ...patch } }));
    },
    /** One create.progress event for the create the dialog runs: a step's row is added or updated. */
    createStep(p: { step: string; state: StepState; message: string | null; ms: number | null }) {
      set((s) => {
        const steps = s.create.steps.slice();
        const i = steps.findIndex((x) => x.step === p.step);
        const row: StepRow = { step: p.step, state: p.state, message: p.message, ms: p.ms };
        if (i >= 0) steps[i] = { ...row, message: p.message ?? steps[i]?.message ?? null };
        else steps.push(row);
        return { create: { ...s.create, steps } };
      });
    },
    setDraft(draft: unknown) {
      set({ createDraft: draft });
    },
    setDaemonNotes(patch: Partial<DaemonNotes>) {
      const d = get().daemon;
      // (nothing new — the usual answer right after the first frame — draws no frame)
      if (Object.entries(patch).every(([k, v]) => d[k as keyof DaemonNotes] === v)) return;
      set({ daemon: { ...d, ...patch } });
    },

    setStatus(text: string, tone: StatusTone = 'info') {
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
