// The SessionManager in-process, with fakes for its side effects: a real SQLite store in a temp
// dir, a fake GitService (worktrees are plain directories), a fake backend that records its calls
// (and can be made to fail at create), an optional fake proxy service, the real registries. No
// tmux, no git, no network: each test takes milliseconds.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, BackendCreateContext, BackendHealth } from '../../src/backends/types.js';
import { defaultConfig, type Config } from '../../src/config/config.js';
import { ensureHome, getPaths, type Paths } from '../../src/config/paths.js';
import { ManagerContext, type ManagerDeps } from '../../src/core/context.js';
import type { GitService, RepoInfo } from '../../src/core/git-service.js';
import type { SessionDiff } from '../../src/git/diff.js';
import { HookTokens } from '../../src/core/hooks.js';
import { SessionManager, type CreateRequest } from '../../src/core/manager.js';
import type { DaemonEvent, ProgressEvent } from '../../src/shared/events.js';
import type { BackendName, CreateStep } from '../../src/shared/types.js';
import { Store } from '../../src/store/store.js';

export type Call = [string, ...unknown[]];

/** A git that keeps worktrees as directories and branches in a set; records every call. */
export class FakeGit implements GitService {
  readonly calls: Call[] = [];
  readonly branches = new Set<string>();
  failAddWorktree: Error | null = null;
  dirty = false;

  constructor(readonly repoRoot: string) {}

  resolveRepo(inputPath: string): Promise<RepoInfo> {
    this.calls.push(['resolveRepo', inputPath]);
    return Promise.resolve({ root: this.repoRoot, subdirectory: '', commonDir: join(this.repoRoot, '.git'), headSha: 'c0ffee', headRef: 'main' });
  }
  diffFromBase(worktreePath: string, base: string): Promise<SessionDiff> {
    this.calls.push(['diffFromBase', worktreePath, base]);
    return Promise.resolve({ base, files: [{ path: 'a.txt', status: 'M', additions: 1, deletions: 0 }], patch: '+a\n', truncated: false });
  }
  branchStart(repoRoot: string, branch: string): Promise<string | null> {
    this.calls.push(['branchStart', repoRoot, branch]);
    return Promise.resolve(null);
  }
  checkSubdirectoryInHead(): Promise<void> {
    this.calls.push(['checkSubdirectoryInHead']);
    return Promise.resolve();
  }
  branchExists(repoRoot: string, branch: string): Promise<boolean> {
    this.calls.push(['branchExists', repoRoot, branch]);
    return Promise.resolve(this.branches.has(branch));
  }
  addWorktree(repoRoot: string, worktreePath: string, branch: string, startPoint?: string): Promise<void> {
    this.calls.push(['addWorktree', repoRoot, worktreePath, branch, startPoint]);
    if (this.failAddWorktree) return Promise.reject(this.failAddWorktree);
    mkdirSync(worktreePath, { recursive: true });
    this.branches.add(branch);
    return Promise.resolve();
  }
  addExistingWorktree(repoRoot: string, worktreePath: string, branch: string): Promise<void> {
    this.calls.push(['addExistingWorktree', repoRoot, worktreePath, branch]);
    mkdirSync(worktreePath, { recursive: true });
    return Promise.resolve();
  }
  removeWorktree(repoRoot: string, worktreePath: string, opts: { force: boolean }): Promise<void> {
    this.calls.push(['removeWorktree', repoRoot, worktreePath, opts]);
    rmSync(worktreePath, { recursive: true, force: true });
    return Promise.resolve();
  }
  pruneWorktrees(repoRoot: string): Promise<void> {
    this.calls.push(['pruneWorktrees', repoRoot]);
    return Promise.resolve();
  }
  deleteBranch(repoRoot: string, branch: string, opts: { force: boolean }): Promise<{ deleted: boolean; uniqueCommits: number }> {
    this.calls.push(['deleteBranch', repoRoot, branch, opts]);
    return Promise.resolve({ deleted: this.branches.delete(branch), uniqueCommits: 0 });
  }
  isDirty(worktreePath: string, ignore?: readonly string[]): Promise<boolean> {
    this.calls.push(['isDirty', worktreePath, ignore]);
    return Promise.resolve(this.dirty);
  }
  gitCommonDir(worktreePath: string): Promise<string> {
    this.calls.push(['gitCommonDir', worktreePath]);
    return Promise.resolve(join(this.repoRoot, '.git'));
  }
  mainRepoOf(dir: string): Promise<string | null> {
    this.calls.push(['mainRepoOf', dir]);
    return Promise.resolve(this.repoRoot);
  }
  /** The names of the calls, in order. */
  names(): string[] {
    return this.calls.map((c) => c[0]);
  }
}

/** A terminal-like backend (tmux's spec: host paths, its own namespace) that records its calls. */
export class FakeBackend implements Backend {
  readonly calls: Call[] = [];
  /** Its objects (id → health). */
  readonly objects = new Map<string, BackendHealth>();
  readonly contexts: BackendCreateContext[] = [];
  /** create makes its object, then throws this (a half-run create). */
  failCreate: Error | null = null;
  readonly detachHint = 'detach somehow';

  constructor(
    readonly name: BackendName,
    private readonly unavailable: string | null = null,
  ) {}

  unavailableReason(): string | null {
    return this.unavailable;
  }
  idFor(name: string): string {
    return `fake-${name}`;
  }
  create(ctx: BackendCreateContext): Promise<string> {
    this.calls.push(['create', ctx.name]);
    this.contexts.push(ctx);
    const id = this.idFor(ctx.name);
    this.objects.set(id, { state: 'running', exitCode: null });
    return this.failCreate ? Promise.reject(this.failCreate) : Promise.resolve(id);
  }
  exists(id: string): Promise<boolean> {
    return Promise.resolve(this.objects.has(id));
  }
  delete(id: string): Promise<void> {
    this.calls.push(['delete', id]);
    this.objects.delete(id);
    return Promise.resolve();
  }
  attachCommand(id: string): string[] {
    return ['attach', id];
  }
  output(): Promise<string> {
    return Promise.resolve('');
  }
  health(id: string): Promise<BackendHealth> {
    this.calls.push(['health', id]);
    return Promise.resolve(this.objects.get(id) ?? { state: 'missing', exitCode: null });
  }
  listIds(): Promise<string[]> {
    return Promise.resolve([...this.objects.keys()]);
  }
}

/** A proxy service that starts nothing: ports from 41000 up, an env naming the port. */
export class FakeProxies {
  readonly calls: Call[] = [];
  failStart: Error | null = null;
  private next = 41000;

  start(s: { id: string }): Promise<{ port: number; env: Record<string, string> }> {
    this.calls.push(['start', s.id]);
    if (this.failStart) return Promise.reject(this.failStart);
    const port = this.next++;
    return Promise.resolve({ port, env: { HTTPS_PROXY: `http://127.0.0.1:${port}` } });
  }
  stop(id: string): Promise<void> {
    this.calls.push(['stop', id]);
    return Promise.resolve();
  }
  envFor(_s: unknown, port: number): Promise<Record<string, string>> {
    return Promise.resolve({ HTTPS_PROXY: `http://127.0.0.1:${port}` });
  }
  hasCredential(): Promise<boolean> {
    return Promise.resolve(true);
  }
  info(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

export interface Fixture {
  dir: string;
  paths: Paths;
  store: Store;
  git: FakeGit;
  backend: FakeBackend;
  proxies: FakeProxies | null;
  manager: SessionManager;
  /** A context on the same deps (for transition and friends). */
  context: ManagerContext;
  events: DaemonEvent[];
  progress: ProgressEvent[];
  /** Make the next create throw just before this step starts (the test hold hook, failing). */
  failBefore: CreateStep | null;
  request(over?: Partial<CreateRequest>): CreateRequest;
  close(): void;
}

export function makeFixture(opts: { proxies?: boolean; hooks?: boolean; config?: (c: Config) => Config } = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'clrn-mgr-'));
  const paths = getPaths(join(dir, 'home'));
  ensureHome(paths);
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  // the agent CLI the host backends check for on PATH
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'claude'), 0o755);
  const store = Store.open(paths.db);
  const git = new FakeGit(repo);
  const backend = new FakeBackend('tmux');
  const others = { zellij: new FakeBackend('zellij', 'zellij is not here'), docker: new FakeBackend('docker', 'docker is not here'), kubernetes: new FakeBackend('kubernetes', 'kubernetes is off'), sprites: new FakeBackend('sprites', 'sprites is off'), apple: new FakeBackend('apple', 'apple is not here') };
  const proxies = opts.proxies ? new FakeProxies() : null;
  const events: DaemonEvent[] = [];
  const progress: ProgressEvent[] = [];
  const config = (opts.config ?? ((c) => c))(defaultConfig());
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const f: Fixture = {
    dir,
    paths,
    store,
    git,
    backend,
    proxies,
    events,
    progress,
    failBefore: null,
    manager: undefined as unknown as SessionManager,
    context: undefined as unknown as ManagerContext,
    request: (over = {}) => ({ repoPath: repo, prompt: 'fix the bug', name: 'fix', backend: 'tmux', accessMode: 'read-write', skipChecks: false, planMode: false, ...over }),
    close: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deps: ManagerDeps = {
    store,
    paths,
    loadConfig: () => Promise.resolve(config),
    backends: () => ({ ...others, tmux: backend }),
    pathEnv: bin,
    log: quiet,
    emit: (e) => {
      events.push(e);
      if (e.type === 'create.progress') progress.push(e);
    },
    firstNotice: () => false,
    git,
    ...(proxies ? { proxies } : {}),
    ...(opts.hooks ? { hooks: { tokens: new HookTokens(paths), url: () => 'http://127.0.0.1:9' } } : {}),
    beforeStep: (step) => (step === f.failBefore ? Promise.reject(new Error(`injected failure before ${step}`)) : Promise.resolve()),
  };
  f.manager = new SessionManager(deps);
  f.context = new ManagerContext(deps);
  return f;
}

/** Progress as "step:state" (started events left out), for comparing sequences. */
export function steps(progress: readonly ProgressEvent[]): string[] {
  return progress.filter((p) => p.state !== 'started').map((p) => `${p.step}:${p.state}`);
}

/** A session's event rows after the one its insert wrote. */
export function later(f: Fixture, id: string): ReturnType<Store['listEvents']> {
  return f.store.listEvents(id).slice(1);
}
