// `clauderon` with no arguments: the full-screen TUI. Builds the store and the services, connects
// to the daemon (starting it when absent, reconnecting when it dies), and owns the terminal.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render, type Instance } from 'ink';
import { createElement } from 'react';
import { DaemonClient } from '../client/client.js';
import { expandPath, runWithTerminal } from '../client/handoff.js';
import type { Paths } from '../config/paths.js';
import type { AgentStatus } from '../shared/types.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import { typeFromName } from '../shared/images.js';
import { App } from './app.js';
import { listDirectory } from '../shared/directories.js';
import { desktopNotify, type NotificationMode } from './notify.js';
import type { CreateFormValues, TuiServices } from './services.js';
import { actions, createTuiStore, type TuiStore } from './store.js';
import { TerminalScreen } from './terminal.js';

export interface RunTuiOptions {
  paths: Paths;
  /** Called once the first full list frame is on screen (for the start-up benchmark). */
  onFirstFrame?: () => void;
}

const isWaiting = (s: AgentStatus | undefined) => s === 'waiting_approval' || s === 'waiting_input';
const WAITING_TEXT: Partial<Record<AgentStatus, string>> = { waiting_approval: 'waits for your approval', waiting_input: 'waits for your input' };

export async function runTui(opts: RunTuiOptions): Promise<number> {
  const store = createTuiStore({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  const act = actions(store);
  const screen = new TerminalScreen();
  let client: DaemonClient | null = null;
  let instance: Instance | null = null;
  let quitting = false;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));

  const needClient = (): DaemonClient => {
    if (!client) throw new ClauderonError('daemon', 'not connected to the clauderon daemon — reconnecting');
    return client;
  };

  const mount = () => {
    screen.enter();
    instance = render(createElement(App, { store, services }), { exitOnCtrlC: false, patchConsole: false });
  };
  const unmount = async () => {
    const inst = instance;
    instance = null;
    if (!inst) return;
    inst.unmount();
    await inst.waitUntilExit().catch(() => undefined);
  };

  /** Give the terminal to another program and take it back, the list as it was. */
  const handOver = async <T>(fn: () => Promise<T>): Promise<T> => {
    await unmount();
    screen.restore();
    process.stdin.pause();
    const ignoreInt = () => undefined;
    process.on('SIGINT', ignoreInt);
    try {
      return await fn();
    } finally {
      process.off('SIGINT', ignoreInt);
      if (!quitting) mount();
    }
  };

  const quit = (code = 0) => {
    if (quitting) return;
    quitting = true;
    void unmount().finally(() => {
      screen.restore();
      client?.close();
      resolveDone(code);
    });
  };

  const services: TuiServices = {
    async createSession(v: CreateFormValues, onProgress) {
      return needClient().call(
        'sessions.create',
        {
          repoPath: expandPath(v.repoPath),
          prompt: v.prompt,
          ...(v.name ? { name: v.name } : {}),
          ...(v.backend !== 'default' ? { backend: v.backend } : {}),
          agent: v.agent,
          ...(v.model ? { model: v.model } : {}),
          ...(Object.keys(v.backendRequest).length > 0 ? { backendRequest: v.backendRequest } : {}),
          accessMode: v.accessMode,
          skipChecks: v.skipChecks,
          planMode: v.planMode,
        },
        onProgress,
      );
    },
    archive: (id) => needClient().call('sessions.archive', { name: id }),
    async unarchive(id) {
      return (await needClient().call('sessions.unarchive', { name: id })).session;
    },
    async deleteSession(id, force) {
      return { notes: (await needClient().call('sessions.delete', { name: id, force })).notes };
    },
    reconcile: () => needClient().call('reconcile', {}),
    async reload() {
      act.setSessions(await needClient().call('sessions.list', { filter: 'all' }));
    },
    async attach(id) {
      const { argv, detachExitCodes } = await needClient().call('sessions.attach', { name: id });
      const code = await handOver(() => runWithTerminal(argv));
      if (code !== 0 && !detachExitCodes.includes(code)) act.setStatus(`${argv[0] ?? 'attach'} exited with status ${code}`, 'error');
    },
    async recentRepos() {
      return (await needClient().call('repos.recent', { limit: 20 })).map((r) => r.path);
    },
    completePath(prefix, o) {
      // Complete the last path component among directories (and image files, for the attach
      // dialog), keeping what was typed before it.
      const slash = prefix.lastIndexOf('/');
      const typedDir = slash >= 0 ? prefix.slice(0, slash + 1) : '';
      const start = prefix.slice(slash + 1);
      try {
        return Promise.resolve(
          readdirSync(typedDir ? expandPath(typedDir) : process.cwd(), { withFileTypes: true })
            .filter((e) => (e.isDirectory() || (o?.images === true && e.isFile() && typeFromName(e.name) !== null)) && e.name.startsWith(start) && (start.startsWith('.') || !e.name.startsWith('.')))
            .map((e) => `${typedDir}${e.name}${e.isDirectory() ? '/' : ''}`)
            .sort()
            .slice(0, 20),
        );
      } catch {
        return Promise.resolve([]);
      }
    },
    async editText(initial) {
      const dir = mkdtempSync(join(tmpdir(), 'clauderon-prompt-'));
      const file = join(dir, 'PROMPT.md');
      try {
        writeFileSync(file, initial, { mode: 0o600 });
        const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
        const code = await handOver(() => runWithTerminal(['sh', '-c', `${editor} "$1"`, 'editor', file]));
        if (code !== 0) throw new ClauderonError('invalid_input', `${editor} exited with status ${code}; the prompt is unchanged`);
        return readFileSync(file, 'utf8').replace(/\n+$/, '');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    listDirectory: (path) => Promise.resolve(listDirectory(path, { cwd: process.cwd(), clauderonHome: opts.paths.home })),
    attachImage: (params) => needClient().call('sessions.upload', params),
    async egressAllow(id, host, port) {
      const r = await needClient().call('sessions.egressAllow', { name: id, host, ...(port !== undefined ? { port } : {}) });
      return { note: r.note };
    },
    async diff(id) {
      return needClient().call('sessions.diff', { name: id });
    },
    watchScreen(id, onScreen, onError) {
      if (!client) {
        onError('not connected to the clauderon daemon');
        return () => undefined;
      }
      return client.watchScreen(id, onScreen, (e) => onError(errorMessage(e)));
    },
    daemonInfo: () => needClient().call('daemon.info', {}),
    async startDaemon() {
      stoppedByUser = false;
      act.setConnection('connecting');
      await connect();
    },
    notify(title, body) {
      // not while another program has the terminal: the escape would land in its screen
      desktopNotify(title, body, instance ? (s) => process.stdout.write(s) : null);
    },
    quit: (code) => quit(code ?? 0),
  };

  // [tui] notifications (and the older bell = true): what happens when an agent starts waiting
  // for the user. The daemon says (the TUI does not load the config module: ~0.3 s cold), asked
  // after the first frame.
  // null until the daemon has said: an agent that starts waiting before then is told once it has.
  let notifications: NotificationMode | null = null;
  let early: { name: string; status: AgentStatus } | null = null;
  const notify = (name: string, status: AgentStatus) => {
    if (notifications === null || notifications === 'off') return;
    if (instance) process.stdout.write('\x07');
    if (notifications === 'desktop') services.notify(`clauderon: ${name}`, `${name} ${WAITING_TEXT[status] ?? 'waits for you'}`);
  };
  const onWaiting = (name: string, status: AgentStatus) => {
    if (notifications === null) early = { name, status };
    else notify(name, status);
  };
  const settle = (mode: NotificationMode) => {
    notifications = mode;
    const e = early;
    early = null;
    // (still waiting? the store has the session's latest status)
    if (e && store.getState().sessions.some((s) => s.name === e.name && isWaiting(s.agentStatus))) notify(e.name, e.status);
  };
  /** What the daemon says about itself (banners) and the [tui] settings; never before the first frame. */
  const afterConnect = (c: DaemonClient) => {
    void c.call('daemon.info', {}).then(
      (info) => act.setDaemonNotes({ configError: info.configError, httpError: info.httpError }),
      () => undefined,
    );
    void c.call('config.show', {}).then(
      (r) => {
        const tui = r.config.tui as { bell: boolean; notifications?: NotificationMode };
        settle(tui.notifications && tui.notifications !== 'off' ? tui.notifications : tui.bell ? 'bell' : 'off');
      },
      () => settle('off'), // a broken config.toml: the banner says so
    );
  };

  // `clauderon daemon stop` (or daemon.stop from anywhere): the daemon says so before it goes, and
  // the TUI does not start another one — it shows "daemon stopped" until the user presses S.
  let stoppedByUser = false;
  // Connect (and reconnect) to the daemon; the list arrives pushed, not polled.
  let firstFrameSent = false;
  const connect = async (): Promise<void> => {
    for (let attempt = 0; !quitting && !stoppedByUser; attempt++) {
      try {
        const c = await DaemonClient.connect({ paths: opts.paths });
        // Both requests at once (one round trip before the first frame, not two): the daemon
        // answers a connection's requests in order, so no event between the two is missed.
        const subscribed = c.subscribe((e) => {
          if (e.type === 'daemon.stopping') {
            if (e.reason === 'user') stoppedByUser = true;
            return;
          }
          if (e.type === 'session.updated') {
            const before = store.getState().sessions.find((x) => x.id === e.session.id)?.agentStatus;
            if (isWaiting(e.session.agentStatus) && !isWaiting(before)) onWaiting(e.session.name, e.session.agentStatus);
          }
          act.applyEvent(e);
        });
        const listed = c.call('sessions.list', { filter: 'all' });
        listed.catch(() => undefined); // (a failed subscribe is the error reported)
        await subscribed;
        act.setSessions(await listed);
        client = c;
        act.setConnection('connected');
        c.onClose(() => {
          if (quitting || client !== c) return;
          client = null;
          if (stoppedByUser) {
            act.setConnection('stopped');
            return;
          }
          act.setConnection('disconnected', 'Lost the daemon — reconnecting…');
          void connect();
        });
        if (!firstFrameSent) {
          firstFrameSent = true;
          // The list is drawn by the first render after this (at once if mounted, else at mount).
          setImmediate(() => {
            opts.onFirstFrame?.();
            afterConnect(c);
          });
        } else afterConnect(c);
        return;
      } catch (e) {
        act.setConnection('disconnected', `${errorMessage(e)} — retrying…`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  };

  // Restore the terminal on every way out.
  const onSignal = (sig: NodeJS.Signals) => {
    quitting = true;
    instance?.unmount();
    screen.restore();
    process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
  };
  const onCrash = (e: unknown) => {
    quitting = true;
    try {
      instance?.unmount();
    } catch {
      // already broken
    }
    screen.restore();
    process.stderr.write(`clauderon: the TUI crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('exit', () => screen.restore());
  process.stdout.on('resize', () => act.setSize(process.stdout.columns || 80, process.stdout.rows || 24));

  // Ask the daemon first: when it is running, the first frame drawn is the full list (no
  // "connecting" frame to lay out first); when it is slow (being started), draw within 150 ms.
  const connecting = connect();
  await Promise.race([connecting, new Promise((r) => setTimeout(r, 150))]);
  if (!quitting) mount();
  const code = await done;
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}

export type { TuiStore };
