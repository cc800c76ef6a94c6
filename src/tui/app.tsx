// The TUI's root. Draws from the store; routes every key through the one keymap, a modal first:
// the create and attach dialogs own their keys, then confirm/help/diff/message, then the text
// filter, then the list.
// (Over 400 lines: the key routing is one ordered chain, kept in one place so its order can be
// read; the views it draws are their own components.)
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { errorMessage } from '../shared/errors.js';
import type { Session } from '../shared/types.js';
import { AttachDialog } from './attach-dialog/attach-dialog.js';
import { initialAttachForm } from './attach-dialog/use-attach-state.js';
import { Banners, Dialog, Footer, Header, HelpScreen, StatusBar, ViewTabs } from './components/chrome.js';
import { diffLayout, diffModel, diffScroll, DiffView } from './components/diff-view.js';
import { Preview } from './components/preview.js';
import { nextAgeChange, SessionTable } from './components/session-table.js';
import { CreateDialog } from './create-dialog/create-dialog.js';
import { helpLayout, helpScroll, maxHelpScroll } from './help/use-help-state.js';
import { commandFor, hint, keyName, keysOf, type CommandId, type FooterCondition, type KeyContext, type KeyFlags } from './keymap.js';
import { forEachKey } from './keys.js';
import type { TuiServices } from './services.js';
import {
  actions,
  allowPort,
  blockedCount,
  blockedText,
  bodyHeight,
  bodyLayout,
  pageSize,
  selectedIndex,
  selectedSession,
  statusCounts,
  targetText,
  visibleSessions,
  waitingCount,
  type DaemonNotes,
  type TuiState,
  type TuiStore,
} from './store.js';

export interface AppProps {
  store: TuiStore;
  services: TuiServices;
}

function contextOf(s: TuiState): KeyContext | null {
  if (s.modal?.kind === 'create' || s.modal?.kind === 'attach') return null; // the dialog's own hook reads keys
  if (s.modal?.kind === 'confirm-delete' || s.modal?.kind === 'confirm-egress') return 'confirm';
  if (s.modal?.kind === 'help') return 'help';
  if (s.modal?.kind === 'diff') return 'diff';
  if (s.modal?.kind === 'message') return 'message';
  return s.textEditing ? 'filter' : 'list';
}

/** Animation frame for spinners: ticks only while something is in progress (no idle timer). */
function useFrame(active: boolean): number {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setFrame((f) => f + 1), 100);
    return () => clearInterval(t);
  }, [active]);
  return frame;
}

/**
 * The time the AGE column is measured from: one timer, set for the moment a shown age next
 * changes (each second while one is under a minute, then each minute, hour…), not a render loop.
 */
function useAgeClock(shown: readonly Session[]): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t0 = Date.now();
    const next = nextAgeChange(shown, t0);
    if (next === null) return;
    // A session that appeared after a quiet spell is measured from now, at once. Otherwise at most
    // one frame a second: sessions created at different moments change their ages at different
    // phases of the second, and following each would draw a frame per session per second.
    const delay = t0 - now >= 1000 ? 0 : Math.max(20, next - t0 + 5, now + 1000 - t0);
    const t = setTimeout(() => setNow(Date.now()), delay);
    t.unref?.();
    return () => clearTimeout(t);
  }, [shown, now]);
  return now;
}

/** The banner lines under the header: what is wrong with the daemon's setup. */
export function bannerTexts(d: DaemonNotes): { text: string; tone: 'error' | 'warn' }[] {
  const out: { text: string; tone: 'error' | 'warn' }[] = [];
  if (d.configError) {
    // "<file>:<line>: message" → "<file> line N: message"
    const m = /^(.*?):(\d+):\s*(.*)$/.exec(d.configError);
    out.push({ text: m ? `${m[1]} line ${m[2]}: ${m[3]}` : d.configError, tone: 'error' });
  }
  if (d.httpError) {
    const why = d.httpError.replace(/^the HTTP API\s*/i, '');
    out.push({ text: `HTTP API not listening — agent status still works; the web UI cannot connect: ${why}`, tone: 'warn' });
  }
  return out;
}

const crashKey = process.env.CLAUDERON_TEST_TUI_CRASH_KEY;

export function App({ store, services }: AppProps) {
  const state = useStore(store);
  const act = actions(store);
  const visible = visibleSessions(state);
  const selIndex = selectedIndex(state);
  const current = selectedSession(state);
  const animating = state.sessions.some((s) => s.status === 'creating' || s.agentStatus === 'working');
  const frame = useFrame(animating);
  const now = useAgeClock(visible);

  // The preview pane watches the selected session only, only while it is open (and re-watches
  // after a reconnect); closing the pane or moving the selection ends the old watch.
  const previewOpen = state.preview.open;
  const previewId = previewOpen ? (current?.id ?? null) : null;
  const connected = state.connection === 'connected';
  useEffect(() => {
    if (!previewId || !connected) return;
    act.setPreview(previewId, null);
    return services.watchScreen(
      previewId,
      (screen) => act.setPreview(previewId, screen),
      (message) => act.setPreview(previewId, null, message),
    );
    // act is a fresh object each render but stateless over the same store
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [previewId, connected, services]);

  const withStatus = async (pending: string, fn: () => Promise<string>) => {
    act.setStatus(pending);
    try {
      act.setStatus(await fn(), 'ok');
    } catch (e) {
      act.setStatus(errorMessage(e), 'error');
    }
  };

  const noSelection = () => act.setStatus(`No session selected — press ${keysOf('list', 'session.new', 1)} to create one`, 'error');

  const run = (cmd: CommandId) => {
    const s = store.getState();
    const sel = selectedSession(s);
    if (cmd.startsWith('help.') && s.modal?.kind === 'help') {
      const layout = helpLayout(Math.max(10, s.columns - 4));
      const shown = Math.max(1, bodyHeight(s) - 3);
      return act.scrollHelp(helpScroll(cmd, s.modal.scroll, maxHelpScroll(layout, shown), shown));
    }
    if (cmd.startsWith('diff.') && s.modal?.kind === 'diff') {
      const d = s.modal.diff;
      if (!d) return;
      return act.scrollDiff(diffScroll(cmd, s.modal.scroll, diffModel(d), diffLayout(d, bodyHeight(s)).visible));
    }
    switch (cmd) {
      case 'list.down':
        return act.move(1);
      case 'list.up':
        return act.move(-1);
      case 'list.first':
        return act.first();
      case 'list.last':
        return act.last();
      case 'list.halfPageDown':
        return act.halfPage(1);
      case 'list.halfPageUp':
        return act.halfPage(-1);
      case 'filter.text':
        return act.startText();
      case 'filter.apply':
        return act.applyText();
      case 'filter.clear':
        return act.clearText();
      case 'filter.all':
        return act.setView('all');
      case 'filter.running':
        return act.setView('running');
      case 'filter.idle':
        return act.setView('idle');
      case 'filter.completed':
        return act.setView('completed');
      case 'filter.archived':
        return act.setView('archived');
      case 'filter.cycle':
        return act.cycleView();
      case 'session.new':
        return act.openModal({ kind: 'create' });
      case 'session.attach':
        if (!sel) return noSelection();
        act.clearStatus();
        void services.attach(sel.id).catch((e: unknown) => act.setStatus(`Cannot attach to ${sel.name}: ${errorMessage(e)}`, 'error'));
        return;
      case 'session.preview':
        return act.togglePreview();
      case 'session.diff': {
        if (!sel) return noSelection();
        const { id, name } = sel;
        act.openModal({ kind: 'diff', id, name, diff: null, error: null, scroll: 0 });
        void services.diff(id).then(
          (d) => act.setDiff(id, d, null),
          (e: unknown) => act.setDiff(id, null, `Cannot show the changes of ${name}: ${errorMessage(e)}`),
        );
        return;
      }
      case 'session.upload':
        if (!sel) return noSelection();
        return act.openModal({ kind: 'attach', id: sel.id, name: sel.name, form: initialAttachForm() });
      case 'session.archive':
        if (!sel) return;
        if (sel.status === 'archived') return act.setStatus(`${sel.name} is already archived`, 'error');
        return void withStatus(`Archiving ${sel.name}…`, async () => (await services.archive(sel.id), `Archived ${sel.name}`));
      case 'session.unarchive':
        if (!sel) return;
        if (sel.status !== 'archived') return act.setStatus(`${sel.name} is not archived`, 'error');
        return void withStatus(`Unarchiving ${sel.name}…`, async () => (await services.unarchive(sel.id), `Unarchived ${sel.name}`));
      case 'session.delete':
        if (!sel) return;
        return act.openModal({ kind: 'confirm-delete', id: sel.id, name: sel.name });
      case 'session.egressAllow': {
        if (!sel) return noSelection();
        const block = s.blocked[sel.id]?.[0];
        if (!block) return act.setStatus(`${sel.name}: no blocked host to allow (clauderon egress ${sel.name} lists its policy)`, 'info');
        return act.openModal({ kind: 'confirm-egress', id: sel.id, name: sel.name, block });
      }
      case 'confirm.yes': {
        const m = s.modal;
        act.closeModal();
        if (m?.kind === 'confirm-egress') {
          const { id, name, block } = m;
          const port = allowPort(block);
          return void withStatus(`Allowing ${targetText(block)} for ${name}…`, async () => {
            const r = await services.egressAllow(id, block.host, port);
            act.clearBlock(id, block.host, port);
            return `${name}: ${r.note}`;
          });
        }
        if (m?.kind !== 'confirm-delete') return;
        return void withStatus(`Deleting ${m.name}…`, async () => {
          const r = await services.deleteSession(m.id, false);
          return [`Deleted ${m.name}`, ...r.notes].join(' — ');
        });
      }
      case 'confirm.no': {
        const m = s.modal;
        act.closeModal();
        if (m?.kind === 'confirm-egress') {
          act.clearBlock(m.id, m.block.host, m.block.port);
          return act.setStatus(`${m.name}: ${targetText(m.block)} stays blocked`);
        }
        return act.setStatus('Nothing deleted');
      }
      case 'app.reconcile':
        act.setStatus('Reconciling…');
        void services.reconcile().then(
          (items) => {
            act.clearStatus();
            act.openModal({
              kind: 'message',
              title: 'Reconcile',
              tone: 'info',
              lines: items.length === 0 ? ['Everything matches: nothing to repair.'] : items.map((i) => `${i.action} ${i.kind}${i.session ? ` ${i.session}` : ''}: ${i.detail}`),
            });
          },
          (e: unknown) => act.setStatus(`Reconcile failed: ${errorMessage(e)}`, 'error'),
        );
        return;
      case 'app.reload':
        return void withStatus('Reloading…', async () => {
          await services.reload();
          const info = await services.daemonInfo();
          act.setDaemonNotes({ configError: info.configError, httpError: info.httpError });
          return 'Reloaded';
        });
      case 'app.startDaemon':
        if (s.connection !== 'stopped') return act.setStatus('The daemon is running', 'info');
        return void withStatus('Starting the daemon…', async () => (await services.startDaemon(), 'Daemon started'));
      case 'app.help':
        return act.openModal({ kind: 'help', scroll: 0 });
      case 'dialog.close':
        return act.closeModal();
      case 'app.quit':
        return services.quit();
      default:
        return;
    }
  };

  const onKey = (input: string, key: KeyFlags) => {
    // Testing aid: a key that makes the TUI crash, to prove the terminal is restored on a crash.
    if (crashKey && input === crashKey) throw new Error(`test crash on key "${crashKey}"`);
    // Ctrl-C quits from anywhere, dialogs included (the keymap lists it under Quit).
    if (keyName(input, key) === 'ctrl+c') return services.quit(130); // 128 + SIGINT, as a shell would report
    const st = store.getState();
    const ctx = contextOf(st);
    if (!ctx) return;
    const cmd = commandFor(ctx, input, key);
    if (cmd) return run(cmd);
    if (ctx === 'filter') {
      // The filter line is edited here (one input handler, so no key is lost between renders).
      if (key.backspace || key.delete) act.setText(st.text.slice(0, -1));
      else if (input && !key.ctrl && !key.meta && !key.tab) act.setText(st.text + input);
    }
  };
  // The store is read fresh for every key, so a chunk of keys can be handled in one go.
  useInput((input, key) => forEachKey(input, key, onKey));

  const { columns: width, rows } = state;
  const bodyH = bodyHeight(state);
  const ctx = contextOf(state) ?? (state.modal?.kind === 'attach' ? 'attach' : 'create');
  const stopped = state.connection === 'stopped';
  const holds = new Set<FooterCondition>(stopped ? ['daemon-stopped'] : []);
  let body: React.ReactNode;
  const modal = state.modal;
  if (modal?.kind === 'create') {
    // the dialog reads its state from the store and submits the create itself (create-dialog/)
    body = <CreateDialog store={store} services={services} />;
  } else if (modal?.kind === 'attach') {
    // the dialog reads its form from the store and runs the upload itself (attach-dialog/)
    body = <AttachDialog store={store} services={services} />;
  } else if (modal?.kind === 'help') {
    body = <HelpScreen width={width} height={bodyH} scroll={modal.scroll} />;
  } else if (modal?.kind === 'diff') {
    body = <DiffView name={modal.name} diff={modal.diff} error={modal.error} scroll={modal.scroll} width={width} height={bodyH} />;
  } else if (modal?.kind === 'confirm-delete') {
    body = (
      <Dialog
        title={`Delete ${modal.name}?`}
        tone="error"
        width={width}
        hint={hint('confirm', [['confirm.yes', 'delete'], ['confirm.no', 'keep', 2]])}
        lines={['The agent is stopped and the worktree removed; a branch with unmerged commits is kept.']}
      />
    );
  } else if (modal?.kind === 'confirm-egress') {
    const b = modal.block;
    const rule = allowPort(b) === undefined ? `${b.host} (ports 443 and 80)` : targetText(b);
    body = (
      <Dialog
        title={`Allow ${targetText(b)} for ${modal.name}?`}
        tone="info"
        width={width}
        hint={hint('confirm', [['confirm.yes', 'allow'], ['confirm.no', 'keep blocked', 2]])}
        lines={[`Its ${b.policy} egress policy blocked it ${b.count}×. Yes adds the rule ${rule}; the proxy applies it to the next request.`]}
      />
    );
  } else if (modal?.kind === 'message') {
    body = <Dialog title={modal.title} tone={modal.tone} width={width} hint={hint('message', [['dialog.close', 'close', 2]])} lines={modal.lines.slice(0, Math.max(1, bodyH - 3))} />;
  } else if (state.sessions.length === 0 && state.connection !== 'connecting') {
    body = (
      <Box flexDirection="column" paddingY={1}>
        <Text>No sessions yet.</Text>
        <Text>
          Press <Text bold>{keysOf('list', 'session.new', 1)}</Text> to create one, <Text bold>{keysOf('list', 'app.help', 1)}</Text> for help,{' '}
          <Text bold>{keysOf('list', 'app.quit', 1)}</Text> to quit.
        </Text>
      </Box>
    );
  } else if (visible.length === 0) {
    body = (
      <Text dimColor>
        {state.connection === 'connecting'
          ? 'Connecting to the daemon…'
          : `No sessions match this view — ${keysOf('list', 'filter.all', 1)} shows all, ${keysOf('filter', 'filter.clear', 1)} clears a text filter.`}
      </Text>
    );
  } else {
    const layout = bodyLayout(state);
    const table = <SessionTable sessions={visible} selected={selIndex} height={pageSize(state)} width={layout.listWidth} frame={frame} progress={state.progress} blocked={state.blocked} now={now} />;
    const p = layout.preview;
    body = p ? (
      <Box flexDirection={p.beside ? 'row' : 'column'} height={bodyH}>
        <Box height={layout.listHeight} width={layout.listWidth} flexShrink={0} overflowY="hidden">
          {table}
        </Box>
        <Preview
          name={current?.name ?? null}
          screen={state.preview.id === current?.id ? state.preview.screen : null}
          error={state.preview.id === current?.id ? state.preview.error : null}
          width={p.width}
          height={p.height}
          beside={p.beside}
        />
      </Box>
    ) : (
      table
    );
  }

  const connectionError = stopped ? `The daemon was stopped — press ${keysOf('list', 'app.startDaemon', 1)} to start it` : state.connectionError;
  return (
    <Box flexDirection="column" width={width} height={rows}>
      <Header counts={statusCounts(state.sessions)} waiting={waitingCount(state.sessions)} blocked={blockedCount(state)} connection={state.connection} width={width} />
      <Banners lines={bannerTexts(state.daemon)} width={width} />
      <ViewTabs view={state.view} />
      {/* The list's rows are truncated to their width already: clipped vertically only (Ink cuts
          every line of a horizontally clipped box again, each frame). Modals keep both. */}
      <Box flexDirection="column" height={bodyH} overflowY="hidden" overflowX={modal ? 'hidden' : 'visible'}>
        {body}
      </Box>
      <StatusBar
        text={state.text}
        textEditing={state.textEditing}
        input={
          <Text>
            {state.text}
            <Text inverse> </Text>
          </Text>
        }
        status={state.status}
        connectionError={connectionError}
        sessionError={!modal && current?.error ? `${current.name}: ${current.error}` : null}
        sessionBlocked={!modal && current ? blockedText(current.name, state.blocked[current.id], keysOf('list', 'session.egressAllow', 1)) : null}
        view={state.view}
        shown={visible.length}
        total={state.sessions.length}
        width={width}
      />
      <Footer context={ctx} width={width} holds={holds} />
    </Box>
  );
}
