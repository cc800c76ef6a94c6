// Sessions and recording services for TUI component tests. Components take their side effects
// as services by design (CONVENTIONS.md); the whole-binary tests use the real daemon.
import type { DaemonInfo } from '../../src/protocol/operations.js';
import type { Session, SessionDiff } from '../../src/shared/types.js';
import type { TuiServices } from '../../src/tui/services.js';

let n = 0;
export function session(over: Partial<Session> & { name: string }): Session {
  n++;
  const created = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    id: `id-${over.name}`,
    repoPath: '/home/dev/project',
    subdirectory: '',
    worktreePath: `/home/dev/.clauderon/worktrees/${over.name}`,
    branchName: `clauderon/${over.name}`,
    backend: 'tmux',
    backendId: over.name,
    agent: 'claude',
    model: null,
    prompt: `prompt for ${over.name}`,
    accessMode: 'read-write',
    skipChecks: false,
    planMode: true,
    proxyPort: null,
    status: 'running',
    agentStatus: 'unknown',
    error: null,
    createdAt: created,
    updatedAt: created,
    ...over,
  };
}

export interface Recorder {
  calls: [string, ...unknown[]][];
  services: TuiServices;
  /** The screen watches open now (watchScreen not yet stopped), by session id: push screens with `push`. */
  watches: Map<string, { push(screen: string): void; fail(message: string): void }>;
}

export const DAEMON_INFO: DaemonInfo = { pid: 1, version: 'test', startedAt: '2026-01-01T00:00:00.000Z', socketPath: '/tmp/x.sock', httpPort: 3030, httpError: null, configError: null };

export const EMPTY_DIFF: SessionDiff = { base: 'abc123', files: [], patch: '', truncated: false };

export function recordingServices(over: Partial<TuiServices> = {}): Recorder {
  const calls: Recorder['calls'] = [];
  const watches: Recorder['watches'] = new Map();
  const rec =
    <A extends unknown[], R>(name: string, result: (...a: A) => R) =>
    (...a: A): R => {
      calls.push([name, ...a]);
      return result(...a);
    };
  const services: TuiServices = {
    createSession: rec('createSession', () => Promise.reject(new Error('not in this test'))),
    archive: rec('archive', (id: string) => Promise.resolve(session({ name: id.replace(/^id-/, ''), status: 'archived' }))),
    unarchive: rec('unarchive', (id: string) => Promise.resolve(session({ name: id.replace(/^id-/, '') }))),
    deleteSession: rec('deleteSession', () => Promise.resolve({ notes: [] })),
    reconcile: rec('reconcile', () => Promise.resolve([])),
    reload: rec('reload', () => Promise.resolve()),
    attach: rec('attach', () => Promise.resolve()),
    recentRepos: rec('recentRepos', () => Promise.resolve([])),
    completePath: rec('completePath', () => Promise.resolve([])),
    editText: rec('editText', (t: string) => Promise.resolve(t)),
    listDirectory: rec('listDirectory', (path: string) => Promise.resolve({ path, parent: null, repoRoot: null, entries: [], error: null })),
    attachImage: rec('attachImage', () => Promise.reject(new Error('not in this test'))),
    egressAllow: rec('egressAllow', (_id: string, host: string) => Promise.resolve({ note: `allowed ${host}; applied to the running proxy` })),
    diff: rec('diff', () => Promise.resolve(EMPTY_DIFF)),
    watchScreen: rec('watchScreen', (id: string, onScreen: (s: string) => void, onError: (m: string) => void) => {
      const w = { push: onScreen, fail: onError };
      watches.set(id, w);
      return () => {
        calls.push(['unwatchScreen', id]);
        if (watches.get(id) === w) watches.delete(id);
      };
    }),
    daemonInfo: rec('daemonInfo', () => Promise.resolve(DAEMON_INFO)),
    startDaemon: rec('startDaemon', () => Promise.resolve()),
    notify: rec('notify', () => undefined),
    quit: rec('quit', () => undefined),
    ...over,
  };
  return { calls, services, watches };
}
