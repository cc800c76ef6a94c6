// The TUI's root. Draws from the store; routes every key through the one keymap, a modal first:
// the create dialog owns its keys, then confirm/help/message, then the text filter, then the list.
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { errorMessage } from '../shared/errors.js';
import { Dialog, Footer, Header, HelpScreen, StatusBar, ViewTabs } from './components/chrome.js';
import { SessionTable } from './components/session-table.js';
import { CreateDialog } from './create-dialog/create-dialog.js';
import { placeCreateError } from './create-errors.js';
import { commandFor, keyName, type CommandId, type KeyContext, type KeyFlags } from './keymap.js';
import { forEachKey } from './keys.js';
import type { CreateFormValues, TuiServices } from './services.js';
import { actions, pageSize, selectedIndex, selectedSession, statusCounts, visibleSessions, waitingCount, type TuiState, type TuiStore } from './store.js';

export interface AppProps {
  store: TuiStore;
  services: TuiServices;
}

function contextOf(s: TuiState): KeyContext | null {
  if (s.modal?.kind === 'create') return null; // the dialog's own hook reads keys
  if (s.modal?.kind === 'confirm-delete') return 'confirm';
  if (s.modal?.kind === 'help') return 'help';
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

/** The current time, refreshed every 30 s for the age column (one cheap timer, not a render loop). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    t.unref();
    return () => clearInterval(t);
  }, []);
  return now;
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
  const now = useNow();

  const withStatus = async (pending: string, fn: () => Promise<string>) => {
    act.setStatus(pending);
    try {
      act.setStatus(await fn(), 'ok');
    } catch (e) {
      act.setStatus(errorMessage(e), 'error');
    }
  };

  const run = (cmd: CommandId) => {
    const s = store.getState();
    const sel = selectedSession(s);
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
        if (!sel) return act.setStatus('No session selected — press n to create one', 'error');
        act.clearStatus();
        void services.attach(sel.id).catch((e: unknown) => act.setStatus(`Cannot attach to ${sel.name}: ${errorMessage(e)}`, 'error'));
        return;
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
      case 'confirm.yes': {
        const m = s.modal;
        act.closeModal();
        if (m?.kind !== 'confirm-delete') return;
        return void withStatus(`Deleting ${m.name}…`, async () => {
          const r = await services.deleteSession(m.id, false);
          return [`Deleted ${m.name}`, ...r.notes].join(' — ');
        });
      }
      case 'confirm.no':
        act.closeModal();
        return act.setStatus('Nothing deleted');
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
        return void withStatus('Reloading…', async () => (await services.reload(), 'Reloaded'));
      case 'app.help':
        return act.openModal({ kind: 'help' });
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
    if (keyName(input, key) === 'ctrl+c') return services.quit();
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

  const submitCreate = (values: CreateFormValues) => {
    act.setCreate({ submitting: true, progress: null, warnings: [], formError: null, fieldErrors: {} });
    const onProgress = (p: { step: string; state: string; message: string | null }) => {
      // a warning is shown in the dialog at once (the agent is not started yet), then in the status line
      if (p.state === 'warning') act.setCreate({ warnings: [...store.getState().create.warnings, p.message ?? ''] });
      else act.setCreate({ progress: { step: p.step, state: p.state } });
    };
    services.createSession(values, onProgress).then(
      ({ session, warnings }) => {
        act.closeModal();
        act.setCreate({ submitting: false });
        act.selectId(session.id);
        act.setStatus([`Created ${session.name}`, ...warnings].join(' — '), 'ok');
      },
      (e: unknown) => act.setCreate({ submitting: false, progress: null, ...placeCreateError(errorMessage(e)) }),
    );
  };

  const { columns: width, rows } = state;
  const bodyHeight = Math.max(3, rows - 4);
  const ctx = contextOf(state) ?? 'create';
  let body: React.ReactNode;
  const modal = state.modal;
  if (modal?.kind === 'create') {
    body = (
      <CreateDialog
        services={services}
        width={Math.min(width, 100)}
        submitting={state.create.submitting}
        progress={state.create.progress}
        warnings={state.create.warnings}
        formError={state.create.formError}
        fieldErrors={state.create.fieldErrors}
        onSubmit={submitCreate}
        onCancel={() => act.closeModal()}
      />
    );
  } else if (modal?.kind === 'help') {
    body = <HelpScreen width={width} height={bodyHeight} />;
  } else if (modal?.kind === 'confirm-delete') {
    body = <Dialog title={`Delete ${modal.name}?`} tone="error" width={width} hint="y delete · n/Esc keep" lines={['The agent is stopped and the worktree removed; a branch with unmerged commits is kept.']} />;
  } else if (modal?.kind === 'message') {
    body = <Dialog title={modal.title} tone={modal.tone} width={width} hint="Esc/Enter close" lines={modal.lines.slice(0, Math.max(1, bodyHeight - 3))} />;
  } else if (state.sessions.length === 0 && state.connection !== 'connecting') {
    body = (
      <Box flexDirection="column" paddingY={1}>
        <Text>No sessions yet.</Text>
        <Text>
          Press <Text bold>n</Text> to create one, <Text bold>?</Text> for help, <Text bold>q</Text> to quit.
        </Text>
      </Box>
    );
  } else if (visible.length === 0) {
    body = <Text dimColor>{state.connection === 'connecting' ? 'Connecting to the daemon…' : 'No sessions match this view — 1 shows all, Esc clears a text filter.'}</Text>;
  } else {
    body = <SessionTable sessions={visible} selected={selIndex} height={pageSize(state)} width={width} frame={frame} progress={state.progress} now={now} />;
  }

  return (
    <Box flexDirection="column" width={width} height={rows}>
      <Header counts={statusCounts(state.sessions)} waiting={waitingCount(state.sessions)} connection={state.connection} width={width} />
      <ViewTabs view={state.view} />
      <Box flexDirection="column" flexGrow={1}>
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
        connectionError={state.connectionError}
        sessionError={current?.error ? `${current.name}: ${current.error}` : null}
        view={state.view}
        shown={visible.length}
        total={state.sessions.length}
        width={width}
      />
      <Footer context={ctx} width={width} />
    </Box>
  );
}
