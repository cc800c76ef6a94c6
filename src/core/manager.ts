// SessionManager: the lifecycle of sessions. Lives in the daemon; every change goes through the
// store (status changes are event rows) and is pushed to subscribers.
//
// Creation is a sequence of recorded steps — validate → worktree → backend → finalize (the proxy
// and hooks steps slot in between) — and a failure rolls back whatever was done, in reverse.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { agentExecutable, buildAgentCommand, resolveAgentExecutable } from '../agents/agents.js';
import { agentSpec } from '../agents/registry.js';
import { backendOptions, backendSpec, fallbackOrder } from '../backends/registry.js';
import type { AnyBackendSpec } from '../backends/spec.js';
import type { Backend, BackendCreateContext, BackendRequest } from '../backends/types.js';
import type { Config } from '../config/config.js';
import type { Paths } from '../config/paths.js';
import type { CredentialName } from '../config/proxy-config.js';
import * as git from '../git/git.js';
import type { Store } from '../store/store.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { DaemonEvent, ProgressEvent, StepState } from '../shared/events.js';
import { AGENT_EXIT, agentSettingsFile, agentStatusForScreen, EXIT_REPORT, hookFields, type HookPayload, type HookTokens } from './hooks.js';
import { branchNameFor, generateName, nameProblem } from '../shared/names.js';
import { readTranscript, transcriptRoots } from './transcripts.js';
import type { AccessMode, AgentName, AgentStatus, BackendName, CreateResult, CreateStep, DeleteResult, ListFilter, ReconcileItem, Session } from '../shared/types.js';
import type { Logger } from '../shared/logger.js';
import { BACKENDS } from '../shared/types.js';

export interface CreateRequest {
  repoPath: string;
  prompt: string;
  name?: string | undefined;
  backend?: BackendName | undefined;
  agent?: AgentName | undefined;
  model?: string | undefined;
  accessMode: AccessMode;
  skipChecks: boolean;
  planMode: boolean;
  /** Container backends: image, pull policy, limits (defaults from config). */
  backendRequest?: BackendRequest | undefined;
}

export interface ManagerDeps {
  store: Store;
  paths: Paths;
  loadConfig: () => Promise<Config>;
  /** Backends built for the current config. */
  backends: (config: Config) => Record<BackendName, Backend>;
  /** PATH used to find agent CLIs. */
  pathEnv: string | undefined;
  log: Logger;
  emit: (e: DaemonEvent) => void;
  /** Remember that the user has been told something (returns true the first time). */
  firstNotice: (key: string) => boolean;
  /** The per-session credential proxies (absent: sessions get none). */
  proxies?: {
    start(s: Session, opts: { skipChecks: boolean; bind?: string[]; keepPort?: boolean }): Promise<{ port: number; env: Record<string, string> }>;
    stop(id: string): Promise<void>;
    envFor(s: Session, port: number, skipChecks: boolean): Promise<Record<string, string>>;
    /** Whether the daemon holds a credential (never its value). */
    hasCredential(name: CredentialName): Promise<boolean>;
  };
  /** Live agent status from hooks (absent: no hooks are installed). */
  hooks?: {
    tokens: HookTokens;
    /** The daemon's HTTP API as the agent reaches it on this host; null while it is not listening. */
    url(): string | null;
    /** Also receive hooks on these addresses (a container bridge's gateway). */
    listenOn?(addrs: readonly string[]): Promise<void>;
  };
  /** Testing aid: called before each create step (CLAUDERON_TEST_HOLD_STEP). */
  beforeStep?: (step: CreateStep, name: string) => Promise<void>;
}

/** Statuses of sessions whose agent (and proxy) may be up. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(['running', 'idle', 'completed', 'failed']);

/** Start of Session.error when a live session's proxy could not come back after a restart. */
const PROXY_LOST = 'proxy not restored';

/** Most of an agent's screen looked at for its status (a container's "line" may be huge). */
const MAX_SCREEN_CHARS = 64 * 1024;

export class SessionManager {
  /** Names of sessions with an operation under way (create — from its first step — delete, archive…). */
  private readonly busy = new Set<string>();
  private creating = 0;
  /** Creates that hold a max_sessions slot but have no row yet. */
  private reservedSlots = 0;

  constructor(private readonly d: ManagerDeps) {}

  list(filter: ListFilter = 'active'): Session[] {
    const all = this.d.store.listSessions();
    if (filter === 'all') return all;
    return all.filter((s) => (filter === 'archived') === (s.status === 'archived'));
  }

  get(nameOrId: string): Session {
    const s = this.d.store.getSessionByName(nameOrId) ?? this.d.store.getSession(nameOrId);
    if (!s) throw new ClauderonError('not_found', `no session named "${nameOrId}" — see clauderon list --all`);
    return s;
  }

  // ---------------------------------------------------------------- create

  /** Per-create listeners for progress, by session name (the requester sees its own steps). */
  private readonly progressSinks = new Map<string, (e: ProgressEvent) => void>();

  async create(req: CreateRequest, onProgress?: (e: ProgressEvent) => void): Promise<CreateResult> {
    const config = await this.d.loadConfig();
    if (this.creating >= config.general.max_concurrent_creates) {
      throw new ClauderonError(
        'limit',
        `${this.creating} sessions are being created already (limit ${config.general.max_concurrent_creates}) — wait for one to finish or raise general.max_concurrent_creates`,
      );
    }
    this.creating++;
    try {
      return await this.createInner(req, config, onProgress);
    } finally {
      this.creating--;
    }
  }

  private async createInner(
    req: CreateRequest,
    config: Config,
    onProgress: ((e: ProgressEvent) => void) | undefined,
  ): Promise<CreateResult> {
    const validateStart = performance.now();
    // A slot under max_sessions and the name are taken before the first await, so creates under way
    // at once can neither pass the limit nor share a name; both are given back on every way out.
    const slot = this.reserveSlot(config.general.max_sessions);
    let name: string | null = null;
    try {
      name = this.reserveName(req);
      if (onProgress) this.progressSinks.set(name, onProgress);
      return await this.createReserved(req, config, name, slot, validateStart);
    } finally {
      slot.release();
      if (name !== null) {
        this.busy.delete(name);
        this.progressSinks.delete(name);
      }
    }
  }

  /** Hold one session slot (synchronously); release() is idempotent. */
  private reserveSlot(max: number): { release(): void } {
    const taken = this.d.store.countSessions() + this.reservedSlots;
    if (taken >= max) {
      throw new ClauderonError(
        'limit',
        `${taken} sessions exist or are being created (limit ${max}) — delete some (clauderon delete NAME) or raise general.max_sessions in config.toml`,
      );
    }
    this.reservedSlots++;
    let held = true;
    return {
      release: () => {
        if (held) this.reservedSlots--;
        held = false;
      },
    };
  }

  /** The new session's name (given or generated), marked busy at once (synchronously). */
  private reserveName(req: CreateRequest): string {
    let name: string;
    if (req.name !== undefined) {
      const problem = nameProblem(req.name);
      if (problem) throw new ClauderonError('invalid_input', `invalid --name "${req.name}": ${problem}`);
      if (this.d.store.getSessionByName(req.name) || this.busy.has(req.name)) {
        throw new ClauderonError('conflict', `a session named "${req.name}" already exists — pick another --name`);
      }
      name = req.name;
    } else {
      name = generateName(req.prompt, (n) => this.busy.has(n) || this.d.store.getSessionByName(n) !== undefined);
    }
    this.busy.add(name);
    return name;
  }

  private async createReserved(req: CreateRequest, config: Config, name: string, slot: { release(): void }, validateStart: number): Promise<CreateResult> {
    const warnings: string[] = [];
    const backends = this.d.backends(config);

    // validate: nothing is created until every check has passed.
    const backendName = this.chooseBackend(req.backend, config, backends, warnings);
    const backend = backends[backendName];
    const spec = backendSpec(backendName);
    const agent = req.agent ?? config.general.default_agent;
    // A container runs its own agent CLI (checked in its image); the others run the host's.
    if (!spec.capabilities.container) resolveAgentExecutable(agent, config, this.d.pathEnv);
    const repo = await git.resolveRepo(req.repoPath);
    await git.checkSubdirectoryInHead(repo);

    const worktreePath = join(this.d.paths.worktrees, name);
    const branchName = branchNameFor(name);
    if (existsSync(worktreePath)) {
      throw new ClauderonError('conflict', `${worktreePath} already exists — run clauderon reconcile, or pick another --name`);
    }
    if (await git.branchExists(repo.root, branchName)) {
      throw new ClauderonError('conflict', `branch ${branchName} already exists in ${repo.root} — pick another --name or delete the branch`);
    }
    const request = backendRequestFor(spec, req.backendRequest);
    const backendOptions = backend.prepare ? await backend.prepare(request, agentExecutable(agent, config)) : null;
    // Said once every check has passed (a refused create stays one error line), before anything
    // starts: without a credential for its model API, everything the agent asks of it is refused.
    const proxied = config.proxy.enabled && this.d.proxies !== undefined;
    const missing = proxied ? await this.missingModelCredential(agent) : null;
    if (missing) warnings.push(missing);

    const now = new Date().toISOString();
    let session: Session = {
      id: randomUUID(),
      name,
      repoPath: repo.root,
      subdirectory: repo.subdirectory,
      worktreePath,
      branchName,
      backend: backendName,
      backendId: null,
      agent,
      model: req.model ?? null,
      prompt: req.prompt,
      accessMode: req.accessMode,
      skipChecks: req.skipChecks,
      planMode: req.planMode,
      proxyPort: null,
      status: 'creating',
      agentStatus: 'unknown',
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    const done: CreateStep[] = [];
    let step: CreateStep = 'validate';
    let t0 = validateStart;
    try {
      this.d.store.insertSession(session);
      slot.release(); // the row counts itself now
      if (backendOptions !== null) this.d.store.setBackendOptions(session.id, backendOptions);
      this.d.emit({ type: 'session.created', session });
      // (after session.created, so every event of a create follows it; still before anything runs)
      if (missing) this.progress(name, 'validate', 'warning', missing, null);
      this.stepDone(session, 'validate', t0, done);

      step = 'worktree';
      t0 = await this.stepStart(session, step);
      // the commit validate looked at, even if HEAD moves meanwhile
      await git.addWorktree(repo.root, worktreePath, branchName, repo.headSha);
      this.stepDone(session, step, t0, done);

      let proxyEnv: Record<string, string> = {};
      if (proxied) {
        step = 'proxy';
        t0 = await this.stepStart(session, step);
        const started = await this.startProxy(session, backend, backendOptions);
        session = this.d.store.updateSession(session.id, { proxyPort: started.port });
        proxyEnv = started.env;
        this.stepDone(session, step, t0, done);
      }

      step = 'backend';
      t0 = await this.stepStart(session, step);
      const settings = await this.agentSettings(session, backend, proxied);
      const cmd = buildAgentCommand(agent, config, {
        prompt: req.prompt,
        skipChecks: req.skipChecks,
        planMode: req.planMode,
        model: session.model,
        sessionId: session.id,
        resume: false,
        settingsFile: settings?.agent,
      });
      warnings.push(...cmd.warnings);
      const backendId = await backend.create(await this.contextFor(session, this.withExitReport(session, cmd.argv), { ...proxyEnv, ...this.agentEnv(session) }, backendOptions, settings?.host ?? null));
      session = this.d.store.updateSession(session.id, { backendId });
      this.stepDone(session, step, t0, done);

      const hookUrl = this.hookEnv(session).CLAUDERON_HOOK_URL;
      if (hookUrl) {
        // The agent was started with the hooks settings file and its hook token: record it.
        step = 'hooks';
        t0 = await this.stepStart(session, step);
        this.d.store.addEvent({ sessionId: session.id, kind: 'note', detail: `hooks: ${hookUrl}/api/hooks` });
        this.stepDone(session, step, t0, done);
      }

      step = 'finalize';
      t0 = await this.stepStart(session, step);
      session = this.d.store.setStatus(session.id, 'running');
      this.d.store.touchRecentRepo(repo.root);
      this.stepDone(session, step, t0, done);
      this.d.emit({ type: 'session.updated', session });
      this.d.log.info('session created', { name, backend: backendName, agent });
      return { session, warnings };
    } catch (e) {
      this.progress(session.name, step, 'failed', errorMessage(e), performance.now() - t0);
      this.d.log.error('create failed; rolling back', { name, step, error: errorMessage(e) });
      await this.rollbackCreate(session, backend, done);
      throw e;
    }
  }

  /** The warning for an agent whose model API has no credential in the daemon, or null. */
  private async missingModelCredential(agent: AgentName): Promise<string | null> {
    const proxies = this.d.proxies;
    if (!proxies) return null;
    const api = agentSpec(agent).modelApi;
    for (const c of api.credentials) if (await proxies.hasCredential(c)) return null;
    return api.missing(tildify(this.d.paths.secrets));
  }

  private chooseBackend(
    requested: BackendName | undefined,
    config: Config,
    backends: Record<BackendName, Backend>,
    warnings: string[],
  ): BackendName {
    if (requested) {
      const reason = backends[requested].unavailableReason();
      if (reason) throw new ClauderonError('backend_unavailable', reason);
      return requested;
    }
    const configured = config.general.default_backend;
    if (configured) {
      const reason = backends[configured].unavailableReason();
      if (reason) throw new ClauderonError('backend_unavailable', `${reason} (general.default_backend in config.toml)`);
      return configured;
    }
    // none asked for or configured: the first available in the specs' fallback order
    const order = fallbackOrder();
    const chosen = order.find((s) => !backends[s.name].unavailableReason());
    if (chosen) {
      const skipped = order.slice(0, order.indexOf(chosen)).map((s) => s.name);
      if (skipped.length > 0 && this.d.firstNotice(`${chosen.name}-fallback`)) {
        warnings.push(`${skipped.join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not on PATH, so new sessions use ${chosen.name} (set general.default_backend in config.toml to choose)`);
      }
      return chosen.name;
    }
    throw new ClauderonError(
      'backend_unavailable',
      `no terminal multiplexer found: install ${order.map((s) => `${s.name}${s.install ? ` (${s.install})` : ''}`).join(' or ')}, or pick another --backend`,
    );
  }

  /** What the agent gets besides the backend's base environment. */
  private agentEnv(s: Session): Record<string, string> {
    return { CLAUDERON_SESSION_ID: s.id, CLAUDERON_SESSION_NAME: s.name, ...this.hookEnv(s) };
  }

  /** Hook URL and token (Claude's hooks and every agent's exit report use them), while the HTTP API listens. */
  private hookEnv(s: Session): Record<string, string> {
    const url = this.d.hooks?.url();
    if (!url || !this.d.hooks) return {};
    return { CLAUDERON_HOOK_URL: url, CLAUDERON_HOOK_TOKEN: this.d.hooks.tokens.tokenFor(s.id) };
  }

  /**
   * Run the agent under a small sh that reports its exit status to the daemon when it ends (then
   * exits with it): the session becomes completed when its agent exits, without any polling.
   */
  private withExitReport(s: Session, argv: string[]): string[] {
    if (!this.hookEnv(s).CLAUDERON_HOOK_URL) return argv;
    return ['sh', '-c', EXIT_REPORT, 'clauderon-agent', ...argv];
  }

  /** A session's proxy (on 127.0.0.1 and whatever its backend adds), and hooks received there too. */
  private async startProxy(s: Session, backend: Backend, options: unknown, keepPort = false): Promise<{ port: number; env: Record<string, string> }> {
    if (!this.d.proxies) throw new ClauderonError('internal', 'no proxy service');
    const bind = backend.proxyBind?.(options) ?? [];
    const started = await this.d.proxies.start(s, { skipChecks: s.skipChecks, bind, keepPort });
    await this.hooksOn(bind);
    return started;
  }

  /**
   * After a daemon restart: every live session's proxy back on its own port (its running agent
   * still points there). One that cannot come back says so on the session, where list and TUI show it.
   */
  async restoreProxies(stopping: () => boolean): Promise<void> {
    if (!this.d.proxies) return;
    for (const s of this.d.store.listSessions()) {
      if (s.proxyPort === null || !LIVE_STATUSES.has(s.status)) continue;
      try {
        await this.startProxy(s, await this.backendOf(s), this.d.store.getBackendOptions(s.id), true);
        if (s.error?.startsWith(PROXY_LOST)) this.d.emit({ type: 'session.updated', session: this.d.store.updateSession(s.id, { error: null }) });
      } catch (e) {
        if (stopping()) return;
        this.d.log.error('proxy not restored', { name: s.name, error: errorMessage(e) });
        const error = `${PROXY_LOST}: ${errorMessage(e)} — archive and unarchive the session to restart its agent with a new proxy`;
        this.d.emit({ type: 'session.updated', session: this.d.store.updateSession(s.id, { error }) });
      }
    }
  }

  /** Hooks from containers on a bridge arrive at its gateway: listen there too (best effort). */
  private async hooksOn(addrs: readonly string[]): Promise<void> {
    if (addrs.length === 0 || !this.d.hooks?.listenOn) return;
    await this.d.hooks.listenOn(addrs).catch((e: unknown) => this.d.log.warn('hooks not received on the bridge', { addrs, error: errorMessage(e) }));
  }

  /**
   * The agent's settings file (host path, and where the agent sees it), for agents that take one
   * (Claude Code's --settings): its hooks while the HTTP API listens; its API-key helper when it has
   * a proxy holding its API key (then its environment holds no key — the proxy service's envFor
   * decides alike). Null when the agent takes none or neither applies.
   */
  private async agentSettings(s: Session, backend: Backend, proxied: boolean): Promise<{ host: string; agent: string } | null> {
    const spec = agentSpec(s.agent);
    if (!spec.settings) return null;
    const hooks = Boolean(this.d.hooks?.url());
    const apiKeyHelper = proxied && (await this.d.proxies?.hasCredential(spec.settings.apiKeyCredential)) === true;
    const host = agentSettingsFile(this.d.paths, spec, { hooks, apiKeyHelper });
    if (host === null) return null;
    return { host, agent: backend.agentSettingsPath?.(host) ?? host };
  }

  // ---------------------------------------------------------------- agent status (hooks)

  /** Where each session's transcript is (from its hooks), for history. */
  private readonly transcripts = new Map<string, string>();

  /**
   * A hook event from an agent. Refused (not_found) unless the token is the session's own; maps
   * the event to an agentStatus and records a change (store row, event row, pushed event) — O(1).
   */
  recordHook(sessionId: string, token: string, payload: unknown): { agentStatus: AgentStatus; changed: boolean } {
    const s = sessionId ? this.d.store.getSession(sessionId) : undefined;
    // one answer for an unknown session and a wrong token: no oracle for session ids
    if (!s || !this.d.hooks?.tokens.verify(s.id, token)) throw new ClauderonError('not_found', 'unknown session or wrong hook token');
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as HookPayload;
    const { transcriptPath, exitStatus } = hookFields(p);
    if (transcriptPath !== null) this.transcripts.set(s.id, transcriptPath);
    if (p.hook_event_name === AGENT_EXIT) {
      return { agentStatus: this.agentExited(s, exitStatus, 'its exit report').agentStatus, changed: true };
    }
    const status = agentSpec(s.agent).status;
    const next = status.method === 'hooks' ? status.fromHook(p) : null;
    if (next === null || next === s.agentStatus) return { agentStatus: s.agentStatus, changed: false };
    this.setAgentStatus(s, next, String(p.hook_event_name));
    return { agentStatus: next, changed: true };
  }

  /** One agentStatus change: the row, an event row, a pushed event. */
  private setAgentStatus(s: Session, next: AgentStatus, why: string): void {
    const updated = this.d.store.updateSession(s.id, { agentStatus: next });
    this.d.store.addEvent({ sessionId: s.id, kind: 'agent', detail: `${s.agentStatus} → ${next} (${why})` });
    this.d.emit({ type: 'session.updated', session: updated });
  }

  /** Last screens of the agents watched by their output (no hooks), to see changes. */
  private readonly screens = new Map<string, string>();

  /**
   * The fallback for agents without hooks (codex, gemini): read the last lines of their screen and
   * recognise an approval question or an input prompt; a changed screen without either is work.
   * Only sessions of those agents are read; returns how many were.
   */
  async watchScreens(): Promise<number> {
    const watched = this.d.store.listSessions().filter((s) => (s.status === 'running' || s.status === 'idle') && agentSpec(s.agent).status.method === 'screen' && !this.busy.has(s.name));
    if (watched.length === 0) return 0;
    const backends = this.d.backends(await this.d.loadConfig());
    for (const s of watched) {
      const backend = backends[s.backend];
      if (backend.unavailableReason()) continue;
      let screen: string;
      try {
        // the agent writes it: only its tail is looked at
        screen = (await backend.output(s.backendId ?? backend.idFor(s.name), 30)).slice(-MAX_SCREEN_CHARS);
      } catch {
        continue; // gone: reconcile's business
      }
      const before = this.screens.get(s.id);
      this.screens.set(s.id, screen);
      // the first look at a screen with something on it counts as a change: the agent has started
      const next = agentStatusForScreen(screen, before !== screen && screen.trim() !== '');
      const current = this.d.store.getSession(s.id);
      if (next && current && next !== current.agentStatus) this.setAgentStatus(current, next, 'screen');
    }
    return watched.length;
  }

  /** The agent process has ended: the session is completed (an error says how it ended if not 0). */
  private agentExited(s: Session, code: number | null, how: string): Session {
    // archive and delete end agents too: those are not completions
    if (s.status !== 'running' && s.status !== 'idle') return s;
    this.d.store.updateSession(s.id, { agentStatus: 'idle' });
    const next = this.d.store.setStatus(s.id, 'completed', {
      detail: `agent exited with status ${code ?? 'unknown'} (${how})`,
      // an exit status nobody could read is not reported as a failure (the event row says "unknown")
      error: code === 0 || code === null ? null : `the agent exited with status ${code} — archive and unarchive to restart it`,
    });
    this.d.emit({ type: 'session.updated', session: next });
    return next;
  }

  /**
   * The agent's transcript (Claude Code's JSONL), one parsed line each; [] when there is none yet.
   * Only a regular file where transcripts live is read (see transcripts.ts), at most its last
   * 16 MiB: then the first value is `{"truncated":true,"omittedBytes":N}`.
   */
  async history(nameOrId: string): Promise<unknown[]> {
    const s = this.get(nameOrId);
    const t = await readTranscript({
      sessionId: s.id,
      worktreePath: s.worktreePath,
      hinted: this.transcripts.get(s.id) ?? null,
      workspace: backendSpec(s.backend).capabilities.workspace,
      roots: transcriptRoots(agentSpec(s.agent), s.worktreePath, { container: backendSpec(s.backend).capabilities.container }),
    });
    if (!t) return [];
    return t.omittedBytes > 0 ? [{ truncated: true, omittedBytes: t.omittedBytes }, ...t.lines] : t.lines;
  }

  private async stepStart(s: Session, step: CreateStep): Promise<number> {
    if (this.d.beforeStep) await this.d.beforeStep(step, s.name);
    this.progress(s.name, step, 'started', null, null);
    return performance.now();
  }

  private stepDone(s: Session, step: CreateStep, t0: number, done: CreateStep[]): void {
    const ms = performance.now() - t0;
    done.push(step);
    this.d.store.addEvent({ sessionId: s.id, kind: 'step', detail: `${step} done in ${ms.toFixed(1)} ms` });
    this.progress(s.name, step, 'done', null, ms);
  }

  private progress(name: string, step: CreateStep, state: StepState, message: string | null, ms: number | null): void {
    const e: ProgressEvent = { type: 'create.progress', name, step, state, message, ms: ms === null ? null : Math.round(ms * 10) / 10 };
    this.progressSinks.get(name)?.(e);
    this.d.emit(e);
  }

  private async rollbackCreate(session: Session, backend: Backend, done: CreateStep[]): Promise<void> {
    const problems: string[] = [];
    const undo = async (step: CreateStep, fn: () => Promise<void>) => {
      try {
        await fn();
        this.progress(session.name, step, 'rolled_back', null, null);
      } catch (e) {
        problems.push(`${step}: ${errorMessage(e)}`);
      }
    };
    const backendId = session.backendId ?? backend.idFor(session.name);
    // The backend step may have half-run: always ask it to clean up by its deterministic id.
    await undo('backend', () => backend.delete(backendId));
    if (done.includes('proxy') && this.d.proxies) await undo('proxy', () => this.d.proxies?.stop(session.id) ?? Promise.resolve());
    if (done.includes('worktree')) {
      await undo('worktree', async () => {
        await git.removeWorktree(session.repoPath, session.worktreePath, { force: true });
        const r = await git.deleteBranch(session.repoPath, session.branchName, { force: false });
        if (!r.deleted) problems.push(`kept branch ${session.branchName} (${r.uniqueCommits} commits not on any other branch)`);
      });
    }
    try {
      this.d.store.deleteSession(session.id);
    } catch (e) {
      problems.push(`store: ${errorMessage(e)}`);
    }
    this.d.emit({ type: 'session.deleted', session });
    if (problems.length > 0) this.d.log.warn('rollback incomplete', { name: session.name, problems });
  }

  // ---------------------------------------------------------------- archive / unarchive

  async archive(nameOrId: string): Promise<Session> {
    return this.exclusive(nameOrId, async (s) => {
      if (s.status === 'archived') throw new ClauderonError('conflict', `session ${s.name} is already archived`);
      if (!LIVE_STATUSES.has(s.status)) throw new ClauderonError('conflict', `session ${s.name} is ${s.status} — try again when it is done`);
      const backend = await this.backendOf(s);
      // A container is stopped and kept (unarchive starts it again); a terminal session is ended.
      if (s.backendId) await (backend.stop ? backend.stop(s.backendId) : backend.delete(s.backendId));
      await this.d.proxies?.stop(s.id);
      const next = this.d.store.setStatus(s.id, 'archived', { detail: 'archived by user' });
      this.d.emit({ type: 'session.updated', session: next });
      return next;
    });
  }

  async unarchive(nameOrId: string): Promise<CreateResult> {
    return this.exclusive(nameOrId, async (s) => {
      if (s.status !== 'archived') throw new ClauderonError('conflict', `session ${s.name} is not archived (it is ${s.status})`);
      if (!existsSync(s.worktreePath)) {
        throw new ClauderonError('conflict', `the worktree ${s.worktreePath} is gone — run clauderon reconcile, or delete the session`);
      }
      const config = await this.d.loadConfig();
      const backend = this.d.backends(config)[s.backend];
      const reason = backend.unavailableReason();
      if (reason) throw new ClauderonError('backend_unavailable', reason);
      if (!backendSpec(s.backend).capabilities.container) resolveAgentExecutable(s.agent, config, this.d.pathEnv);
      const options = this.d.store.getBackendOptions(s.id);
      const proxied = config.proxy.enabled && this.d.proxies !== undefined;
      const settings = await this.agentSettings(s, backend, proxied);
      const cmd = buildAgentCommand(s.agent, config, {
        prompt: s.prompt,
        skipChecks: s.skipChecks,
        planMode: s.planMode,
        model: s.model,
        sessionId: s.id,
        resume: true,
        settingsFile: settings?.agent,
      });
      let env = this.agentEnv(s);
      if (proxied) {
        const started = await this.startProxy(s, backend, options);
        this.d.store.updateSession(s.id, { proxyPort: started.port });
        env = { ...started.env, ...env };
      }
      const ctx = await this.contextFor(s, this.withExitReport(s, cmd.argv), env, options, settings?.host ?? null);
      let backendId: string;
      try {
        backendId = backend.resume ? await backend.resume(s.backendId ?? backend.idFor(s.name), ctx) : await backend.create(ctx);
      } catch (e) {
        // (e.g. its working directory now leads out of the worktree) it stays archived, without a proxy
        await this.d.proxies?.stop(s.id);
        throw e;
      }
      this.d.store.updateSession(s.id, { backendId, error: null });
      const next = this.d.store.setStatus(s.id, 'running', { detail: 'unarchived by user' });
      this.d.emit({ type: 'session.updated', session: next });
      return { session: next, warnings: cmd.warnings };
    });
  }

  // ---------------------------------------------------------------- delete

  async delete(nameOrId: string, opts: { force: boolean }): Promise<DeleteResult> {
    return this.exclusive(nameOrId, async (s) => {
      if (s.status === 'creating') throw new ClauderonError('conflict', `session ${s.name} is still being created — wait, or run clauderon reconcile if its daemon died`);
      // what the agent keeps in its home, when its home is the worktree, is not the user's work
      const home = backendSpec(s.backend).capabilities.workspace !== null;
      const agentFiles = home ? [...((await this.backendOf(s)).agentFiles ?? []), ...agentSpec(s.agent).home.files] : [];
      if (!opts.force && existsSync(s.worktreePath) && (await git.isDirty(s.worktreePath, agentFiles))) {
        throw new ClauderonError(
          'conflict',
          `the worktree of ${s.name} has uncommitted changes (${s.worktreePath}) — commit them, or delete with --force to discard them`,
        );
      }
      const deleting = this.d.store.setStatus(s.id, 'deleting');
      this.d.emit({ type: 'session.updated', session: deleting });
      try {
        const notes = await this.teardown(s, opts.force);
        this.d.store.deleteSession(s.id);
        this.d.emit({ type: 'session.deleted', session: deleting });
        this.d.log.info('session deleted', { name: s.name });
        return { session: deleting, notes };
      } catch (e) {
        const failed = this.d.store.setStatus(s.id, 'failed', { error: `delete failed: ${errorMessage(e)}` });
        this.d.emit({ type: 'session.updated', session: failed });
        throw e;
      }
    });
  }

  /** Remove the backend object, the worktree and (when safe or forced) the branch. */
  private async teardown(s: Session, force: boolean): Promise<string[]> {
    const notes: string[] = [];
    const backend = await this.backendOf(s);
    await backend.delete(s.backendId ?? backend.idFor(s.name));
    await this.d.proxies?.stop(s.id);
    // What a container session kept beside the worktree (Claude's state, uploads).
    for (const dir of [join(this.d.paths.sessions, s.id), join(this.d.paths.uploads, s.id)]) rmSync(dir, { recursive: true, force: true });
    if (existsSync(s.repoPath)) {
      await git.removeWorktree(s.repoPath, s.worktreePath, { force: true });
      const r = (await git.branchExists(s.repoPath, s.branchName))
        ? await git.deleteBranch(s.repoPath, s.branchName, { force })
        : { deleted: false, uniqueCommits: 0 };
      if (!r.deleted && r.uniqueCommits > 0) {
        notes.push(
          `kept branch ${s.branchName}: it has ${r.uniqueCommits} commit${r.uniqueCommits === 1 ? '' : 's'} not on any other branch (delete with --force to remove it)`,
        );
      }
    } else {
      notes.push(`repository ${s.repoPath} is gone; removed nothing there`);
    }
    return notes;
  }

  // ---------------------------------------------------------------- attach

  async attachCommand(nameOrId: string): Promise<{ argv: string[]; detachHint: string; detachExitCodes: number[]; session: Session }> {
    const s = this.get(nameOrId);
    if (s.status === 'archived') throw new ClauderonError('conflict', `session ${s.name} is archived — clauderon unarchive ${s.name} first`);
    if (s.status === 'creating' || s.status === 'deleting') throw new ClauderonError('conflict', `session ${s.name} is ${s.status}`);
    const backend = await this.backendOf(s);
    const reason = backend.unavailableReason();
    if (reason) throw new ClauderonError('backend_unavailable', reason);
    const id = s.backendId ?? backend.idFor(s.name);
    if (!(await backend.exists(id))) {
      throw new ClauderonError('backend', `the ${s.backend} session of ${s.name} is gone — run clauderon reconcile`);
    }
    await backend.prepareAttach?.(id);
    return { argv: backend.attachCommand(id), detachHint: backend.detachHint, detachExitCodes: [...(backend.detachExitCodes ?? [])], session: s };
  }

  /** What the agent's environment holds beyond the backend's base: placeholders, never a secret. */
  async agentEnvironment(nameOrId: string): Promise<Record<string, string>> {
    const s = this.get(nameOrId);
    const proxy = s.proxyPort && this.d.proxies ? await this.d.proxies.envFor(s, s.proxyPort, s.skipChecks) : {};
    const env = { ...proxy, ...this.agentEnv(s) };
    const backend = await this.backendOf(s);
    return backend.translateEnv ? backend.translateEnv(env, this.d.store.getBackendOptions(s.id)) : env;
  }

  private async contextFor(s: Session, argv: string[], env: Record<string, string>, options: unknown, settingsFile: string | null): Promise<BackendCreateContext> {
    const caps = backendSpec(s.backend).capabilities;
    const home = agentSpec(s.agent).home;
    return {
      name: s.name,
      cwd: s.subdirectory ? join(s.worktreePath, s.subdirectory) : s.worktreePath,
      argv,
      env,
      sessionId: s.id,
      worktreePath: s.worktreePath,
      // a bind-mounted worktree needs its repository's git dir mounted too (its commits land there)
      gitCommonDir: caps.worktree === 'bind-mount' ? await git.gitCommonDir(s.worktreePath) : null,
      skipChecks: s.skipChecks,
      settingsFile,
      options,
      agentHome: {
        state: home.state({ skipChecks: s.skipChecks, workspace: caps.workspace ?? s.worktreePath }),
        managedSettings: home.managedSettings ?? null,
      },
    };
  }

  /**
   * Re-create a container session's object from its image (pulled first unless the policy is
   * "never"), keeping the worktree, the proxy and the conversation.
   */
  async refresh(nameOrId: string): Promise<Session> {
    return this.exclusive(nameOrId, async (s) => {
      const config = await this.d.loadConfig();
      const backend = this.d.backends(config)[s.backend];
      if (!backendSpec(s.backend).capabilities.container || !backend.prepare) {
        throw new ClauderonError('invalid_input', `refresh re-creates a container; ${s.name} runs on ${s.backend} — archive and unarchive it to restart its agent`);
      }
      if (!LIVE_STATUSES.has(s.status)) throw new ClauderonError('conflict', `session ${s.name} is ${s.status} — refresh works on running sessions`);
      const stored = this.d.store.getBackendOptions<BackendRequest>(s.id) ?? {};
      // (the backend fetches its image again, as its pull policy allows)
      const options = await backend.prepare(stored, agentExecutable(s.agent, config), { refresh: true });
      this.d.store.setBackendOptions(s.id, options);
      const proxied = s.proxyPort !== null && this.d.proxies !== undefined;
      const settings = await this.agentSettings(s, backend, proxied);
      const cmd = buildAgentCommand(s.agent, config, { prompt: s.prompt, skipChecks: s.skipChecks, planMode: s.planMode, model: s.model, sessionId: s.id, resume: true, settingsFile: settings?.agent });
      let env = this.agentEnv(s);
      if (proxied) env = { ...(await this.startProxy(s, backend, options)).env, ...env };
      await backend.delete(s.backendId ?? backend.idFor(s.name));
      const backendId = await backend.create(await this.contextFor(s, this.withExitReport(s, cmd.argv), env, options, settings?.host ?? null));
      this.d.store.updateSession(s.id, { backendId, error: null });
      const next = this.d.store.setStatus(s.id, 'running', { detail: 'refreshed by user' });
      this.d.emit({ type: 'session.updated', session: next });
      return next;
    });
  }

  /** Change a session's access mode; its live proxy applies it to the very next request. */
  setAccessMode(nameOrId: string, mode: AccessMode): Session {
    const s = this.get(nameOrId);
    if (s.accessMode === mode) return s;
    const next = this.d.store.updateSession(s.id, { accessMode: mode });
    this.d.store.addEvent({ sessionId: s.id, kind: 'note', detail: `access mode ${s.accessMode} → ${mode}` });
    this.d.emit({ type: 'session.updated', session: next });
    this.d.log.info('access mode changed', { name: s.name, mode });
    return next;
  }

  async output(nameOrId: string, lines: number): Promise<string> {
    const s = this.get(nameOrId);
    const backend = await this.backendOf(s);
    return backend.output(s.backendId ?? backend.idFor(s.name), lines);
  }

  // ---------------------------------------------------------------- reconcile

  /**
   * `startup`: the daemon's own pass at start, which skips asking a container engine for orphans
   * when no session uses it (loading its client costs more than the rest of the pass).
   */
  async reconcile(opts: { startup?: boolean } = {}): Promise<ReconcileItem[]> {
    const config = await this.d.loadConfig();
    const backends = this.d.backends(config);
    const items: ReconcileItem[] = [];
    const sessions = this.d.store.listSessions();

    for (const s of sessions) {
      if (this.busy.has(s.name)) continue;
      const backend = backends[s.backend];
      try {
        if (s.status === 'creating' || s.status === 'deleting') {
          // A daemon died in the middle: nothing is running it now. Undo it completely.
          const notes = await this.teardown(s, false);
          this.d.store.deleteSession(s.id);
          this.d.emit({ type: 'session.deleted', session: s });
          items.push({
            session: s.name,
            kind: s.status === 'creating' ? 'stale_creating' : 'stale_deleting',
            action: 'removed',
            detail: [`interrupted ${s.status === 'creating' ? 'create' : 'delete'} rolled back`, ...notes].join('; '),
          });
          continue;
        }
        if (!existsSync(s.worktreePath)) {
          if (existsSync(s.repoPath) && (await git.branchExists(s.repoPath, s.branchName))) {
            await git.pruneWorktrees(s.repoPath);
            await git.addExistingWorktree(s.repoPath, s.worktreePath, s.branchName);
            items.push({ session: s.name, kind: 'missing_worktree', action: 'repaired', detail: `worktree re-created from branch ${s.branchName}` });
          } else {
            const next = this.d.store.setStatus(s.id, s.status === 'archived' ? 'archived' : 'failed', {
              error: `worktree ${s.worktreePath} and branch ${s.branchName} are gone — delete this session`,
            });
            this.d.emit({ type: 'session.updated', session: next });
            items.push({ session: s.name, kind: 'missing_worktree', action: 'reported', detail: `worktree and branch ${s.branchName} are gone` });
            continue;
          }
        }
        if ((s.status === 'running' || s.status === 'idle' || s.status === 'completed') && !backend.unavailableReason()) {
          const id = s.backendId ?? backend.idFor(s.name);
          const health = await backend.health(id);
          if (health.state === 'exited' && s.status !== 'completed') {
            // it ended while nobody listened (e.g. the daemon was down)
            this.agentExited(s, health.exitCode, 'found by reconcile');
            items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `its agent exited with status ${health.exitCode ?? 'unknown'}; marked completed` });
          } else if (health.state === 'missing') {
            const next = this.d.store.setStatus(s.id, 'failed', {
              error: `its ${s.backend} session is gone — archive and unarchive it to restart the agent, or delete it`,
            });
            this.d.emit({ type: 'session.updated', session: next });
            items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `${s.backend} session ${id} is gone; marked failed` });
          }
        }
      } catch (e) {
        items.push({ session: s.name, kind: 'missing_backend', action: 'reported', detail: `could not check: ${errorMessage(e)}` });
      }
    }

    // Orphan backend objects, where the namespace is ours alone.
    const now = this.d.store.listSessions();
    const known = new Set(now.map((s) => s.backendId ?? backends[s.backend].idFor(s.name)));
    const used = new Set(now.map((s) => s.backend));
    const busyIds = new Set<string>();
    for (const n of this.busy) for (const b of BACKENDS) busyIds.add(backends[b].idFor(n));
    for (const b of BACKENDS) {
      const backend = backends[b];
      const caps = backendSpec(b).capabilities;
      if (backend.unavailableReason()) continue;
      // (at start, an engine's client is not loaded for a backend no session uses: it costs more than the pass)
      if (opts.startup && caps.container && !used.has(b)) continue;
      for (const id of await backend.listIds()) {
        if (known.has(id) || busyIds.has(id)) continue;
        if (caps.ownsNamespace) {
          await backend.delete(id);
          items.push({ session: null, kind: 'orphan_backend', action: 'removed', detail: `${b} session ${id} had no clauderon session; removed` });
        } else {
          items.push({ session: null, kind: 'orphan_backend', action: 'reported', detail: `${b} session ${id} has no clauderon session (not removed: ${b} sessions are shared with other homes)` });
        }
      }
    }

    // Orphan worktrees: directories under worktrees/ that no session owns.
    const owned = new Set(this.d.store.listSessions().map((s) => s.worktreePath));
    for (const n of this.busy) owned.add(join(this.d.paths.worktrees, n));
    for (const dir of await listDirs(this.d.paths.worktrees)) {
      if (owned.has(dir)) continue;
      items.push(await this.reconcileOrphanWorktree(dir));
    }
    if (items.length > 0) this.d.log.info('reconcile', { items });
    return items;
  }

  private async reconcileOrphanWorktree(dir: string): Promise<ReconcileItem> {
    const base: Omit<ReconcileItem, 'action' | 'detail'> = { session: null, kind: 'orphan_worktree' };
    const repoRoot = await git.mainRepoOf(dir);
    if (!repoRoot) return { ...base, action: 'reported', detail: `${dir} is not a git worktree; left alone` };
    if (await git.isDirty(dir)) {
      return { ...base, action: 'reported', detail: `${dir} has uncommitted changes and no session; left alone (remove it yourself)` };
    }
    await git.removeWorktree(repoRoot, dir, { force: false });
    return { ...base, action: 'removed', detail: `${dir} had no session and no changes; removed (its branch is kept)` };
  }

  // ---------------------------------------------------------------- helpers

  /** The backend a session runs on, built for the current config. */
  private async backendOf(s: Session): Promise<Backend> {
    return this.d.backends(await this.d.loadConfig())[s.backend];
  }

  private async exclusive<T>(nameOrId: string, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = this.get(nameOrId);
    if (this.busy.has(s.name)) throw new ClauderonError('conflict', `session ${s.name} is busy with another operation — try again`);
    this.busy.add(s.name);
    try {
      return await fn(s);
    } finally {
      this.busy.delete(s.name);
    }
  }
}

async function listDirs(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name));
  } catch {
    return [];
  }
}

/** `~/…` for a path under the user's home (messages are shorter and say where to look). */
function tildify(p: string): string {
  const home = homedir();
  return p === home || p.startsWith(`${home}/`) ? `~${p.slice(home.length)}` : p;
}

/** The create's options for its backend, validated by the backend's own schema. */
function backendRequestFor(spec: AnyBackendSpec, given: BackendRequest | undefined): BackendRequest {
  const set = Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined));
  const schema = spec.requestSchema(z);
  const foreign = Object.keys(set).filter((k) => !(k in schema.shape));
  if (foreign.length > 0) {
    const owners = [...new Set(backendOptions().filter((o) => foreign.includes(o.key)).flatMap((o) => o.backends))];
    throw new ClauderonError(
      'invalid_input',
      owners.length > 0 ? `${foreign.join(', ')} only apply to ${owners.map((b) => `--backend ${b}`).join(' or ')}` : `unknown backend option ${foreign.join(', ')} — see clauderon create --help`,
    );
  }
  const r = schema.safeParse(set);
  if (!r.success) throw new ClauderonError('invalid_input', `invalid ${r.error.issues[0]?.path.join('.') ?? 'option'} for --backend ${spec.name}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
