// Creating a session: the limits and the name, taken before the first await; validate (every
// check before anything is made, so a refused create is one error line); then the steps
// worktree → proxy → backend → hooks → finalize, each {name, run, undo}, run by steps.ts, which
// rolls back what was done, in reverse, when one fails (the row goes last).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { agentExecutable, resolveAgentExecutable } from '../agents/agents.js';
import { agentSpec } from '../agents/registry.js';
import { backendOptions, backendSpec, fallbackOrder } from '../backends/registry.js';
import type { AnyBackendSpec } from '../backends/spec.js';
import type { Backend, BackendRequest } from '../backends/types.js';
import type { Config } from '../config/config.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/events.js';
import { branchNameFor, generateName, nameProblem } from '../shared/names.js';
import type { AccessMode, AgentName, BackendName, CreateResult, Session } from '../shared/types.js';
import type { ManagerContext } from './context.js';
import type { RepoInfo } from './git-service.js';
import { hookEnv, launchSpec, startProxy } from './launch.js';
import { runSteps, type Step } from './steps.js';
import type { EgressPolicyName, EgressSettings } from '../shared/egress-rules.js';

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
  /** The egress policy (default: config.toml [egress] for the backend) and the session's own rules (validated at the edge). */
  egress?: EgressPolicyName | undefined;
  allowHosts?: readonly string[] | undefined;
}

/** What validate found: everything the steps need, checked. */
interface Plan {
  config: Config;
  backend: Backend;
  repo: RepoInfo;
  /** What the backend's prepare returned (stored with the session), or null. */
  options: unknown;
  /** The session gets a proxy (config and daemon allow it). */
  proxied: boolean;
  /** The warning for a model API without a credential, or null. */
  missing: string | null;
  /** The row the validate step inserts. */
  session: Session;
  /** The session's egress policy, stored with the row. */
  egress: EgressSettings;
}

export class Creator {
  private creating = 0;
  /** Creates that hold a max_sessions slot but have no row yet. */
  private reservedSlots = 0;

  constructor(private readonly c: ManagerContext) {}

  async create(req: CreateRequest, onProgress?: (e: ProgressEvent) => void): Promise<CreateResult> {
    const config = await this.c.d.loadConfig();
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

  private async createInner(req: CreateRequest, config: Config, onProgress: ((e: ProgressEvent) => void) | undefined): Promise<CreateResult> {
    const validateStart = performance.now();
    // A slot under max_sessions and the name are taken before the first await, so creates under way
    // at once can neither pass the limit nor share a name; both are given back on every way out.
    const slot = this.reserveSlot(config.general.max_sessions);
    let name: string | null = null;
    try {
      name = this.reserveName(req);
      if (onProgress) this.c.progressSinks.set(name, onProgress);
      return await this.createReserved(req, config, name, slot, validateStart);
    } finally {
      slot.release();
      if (name !== null) {
        this.c.busy.delete(name);
        this.c.progressSinks.delete(name);
      }
    }
  }

  /** Hold one session slot (synchronously); release() is idempotent. */
  private reserveSlot(max: number): { release(): void } {
    const taken = this.c.store.countSessions() + this.reservedSlots;
    if (taken >= max) {
      throw new ClauderonError(
        'limit',
        `${taken} sessions exist or are being created (limit ${max}) — delete some sessions or raise general.max_sessions in config.toml`,
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
    const { store, busy } = this.c;
    let name: string;
    if (req.name !== undefined) {
      const problem = nameProblem(req.name);
      if (problem) throw new ClauderonError('invalid_input', `invalid session name "${req.name}": ${problem}`, { field: 'name' });
      if (store.getSessionByName(req.name) || busy.has(req.name)) {
        throw new ClauderonError('conflict', `a session named "${req.name}" already exists — choose another name`, { field: 'name' });
      }
      name = req.name;
    } else {
      name = generateName(req.prompt, (n) => busy.has(n) || store.getSessionByName(n) !== undefined);
    }
    busy.add(name);
    return name;
  }

  private async createReserved(req: CreateRequest, config: Config, name: string, slot: { release(): void }, validateStart: number): Promise<CreateResult> {
    const warnings: string[] = [];
    const plan = await this.validate(req, config, name, warnings);
    const c = this.c;
    const live = { session: plan.session };
    await runSteps(this.steps(plan, live, slot, validateStart, warnings), {
      start: async (step) => {
        if (c.d.beforeStep) await c.d.beforeStep(step, name);
        c.progress(name, step, 'started', null, null);
      },
      done: (step, ms) => {
        c.store.addEvent({ sessionId: live.session.id, kind: 'step', detail: `${step} done in ${ms.toFixed(1)} ms` });
        c.progress(name, step, 'done', null, ms);
      },
      failed: (step, e, ms) => {
        c.progress(name, step, 'failed', errorMessage(e), ms);
        c.d.log.error('create failed; rolling back', { name, step, error: errorMessage(e) });
      },
      rolledBack: (step) => c.progress(name, step, 'rolled_back', null, null),
      afterRollback: (problems) => {
        try {
          c.store.deleteSession(live.session.id);
        } catch (e) {
          problems.push(`store: ${errorMessage(e)}`);
        }
        c.emit({ type: 'session.deleted', session: live.session });
        if (problems.length > 0) c.d.log.warn('rollback incomplete', { name, problems });
      },
    });
    // (pushed after finalize's done event: no client sees it running before the create is over)
    const { session } = live;
    c.emit({ type: 'session.updated', session });
    c.d.log.info('session created', { name, backend: session.backend, agent: session.agent });
    return { session, warnings };
  }

  /** The steps, from validate's record of what it checked; `live.session` is the row as it stands. */
  private steps(plan: Plan, live: { session: Session }, slot: { release(): void }, validateStart: number, warnings: string[]): Step[] {
    const { c } = this;
    const { backend, repo, options, proxied, missing, config } = plan;
    let proxyEnv: Record<string, string> = {};
    let hookUrl: string | undefined;
    return [
      {
        name: 'validate',
        startedAt: validateStart,
        run: () => {
          const s = live.session;
          c.store.insertSession(s);
          slot.release(); // the row counts itself now
          if (options !== null) c.store.setBackendOptions(s.id, options);
          c.store.setEgress(s.id, plan.egress); // (before the proxy step: the proxy starts with it)
          c.emit({ type: 'session.created', session: s });
          // (after session.created, so every event of a create follows it; still before anything runs)
          if (missing) c.progress(s.name, 'validate', 'warning', missing, null);
        },
      },
      {
        name: 'worktree',
        // the commit validate looked at, even if HEAD moves meanwhile
        run: async () => {
          await c.git.addWorktree(repo.root, live.session.worktreePath, live.session.branchName, repo.headSha);
          c.store.setBaseCommit(live.session.id, repo.headSha); // what its diff is against
        },
        undo: async (report) => {
          const s = live.session;
          await c.git.removeWorktree(s.repoPath, s.worktreePath, { force: true });
          const r = await c.git.deleteBranch(s.repoPath, s.branchName, { force: false });
          if (!r.deleted) report(`kept branch ${s.branchName} (${r.uniqueCommits} commits not on any other branch)`);
        },
      },
      {
        name: 'proxy',
        when: () => proxied,
        run: async () => {
          const started = await startProxy(c, live.session, backend, options);
          live.session = c.store.updateSession(live.session.id, { proxyPort: started.port });
          proxyEnv = started.env;
        },
        undo: () => c.d.proxies?.stop(live.session.id),
      },
      {
        name: 'backend',
        run: async () => {
          const launch = await launchSpec(c, live.session, { config, backend, options, resume: false, proxy: proxied ? { env: proxyEnv } : null });
          warnings.push(...launch.warnings);
          const backendId = await backend.create(launch.context);
          live.session = c.store.updateSession(live.session.id, { backendId });
        },
        // It may have half-run: it cleans up by its deterministic id when it has none stored.
        undo: () => backend.delete(live.session.backendId ?? backend.idFor(live.session.name)),
        undoAfterFailure: true,
      },
      {
        // The agent was started with the hooks settings file and its hook token: record it.
        name: 'hooks',
        when: () => {
          hookUrl = hookEnv(c, live.session).CLAUDERON_HOOK_URL;
          return hookUrl !== undefined && hookUrl !== '';
        },
        run: () => c.store.addEvent({ sessionId: live.session.id, kind: 'note', detail: `hooks: ${hookUrl}/api/hooks` }),
      },
      {
        name: 'finalize',
        run: () => {
          live.session = c.transition(live.session, 'running', { emit: false });
          c.store.touchRecentRepo(repo.root);
        },
      },
    ];
  }

  /** Every check before anything is created; the session to insert. */
  private async validate(req: CreateRequest, config: Config, name: string, warnings: string[]): Promise<Plan> {
    const { c } = this;
    const backends = c.d.backends(config);
    const backendName = this.chooseBackend(req.backend, config, backends, warnings);
    const backend = backends[backendName];
    const spec = backendSpec(backendName);
    const agent = req.agent ?? config.general.default_agent;
    // A container runs its own agent CLI (checked in its image); the others run the host's.
    if (!spec.capabilities.container) resolveAgentExecutable(agent, config, c.d.pathEnv);
    const repo = await c.git.resolveRepo(req.repoPath);
    await c.git.checkSubdirectoryInHead(repo);

    const worktreePath = join(c.d.paths.worktrees, name);
    const branchName = branchNameFor(name);
    if (existsSync(worktreePath)) {
      throw new ClauderonError('conflict', `${worktreePath} already exists — reconcile, or choose another name`, { field: 'name' });
    }
    if (await c.git.branchExists(repo.root, branchName)) {
      throw new ClauderonError('conflict', `branch ${branchName} already exists in ${repo.root} — choose another name or delete the branch`, { field: 'name' });
    }
    const request = backendRequestFor(spec, req.backendRequest);
    const options = backend.prepare ? await backend.prepare(request, agentExecutable(agent, config)) : null;
    // Said once every check has passed (a refused create stays one error line), before anything
    // starts: without a credential for its model API, everything the agent asks of it is refused.
    const proxied = config.proxy.enabled && c.d.proxies !== undefined;
    const missing = proxied ? await this.missingModelCredential(agent) : null;
    if (missing) warnings.push(missing);
    const egress = egressFor(req, config, backendName, proxied, warnings);

    const now = new Date().toISOString();
    const session: Session = {
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
    return { config, backend, repo, options, proxied, missing, session, egress };
  }

  /** The warning for an agent whose model API has no credential in the daemon, or null. */
  private async missingModelCredential(agent: AgentName): Promise<string | null> {
    const proxies = this.c.d.proxies;
    if (!proxies) return null;
    const apis = agentSpec(agent).modelApis;
    for (const api of apis) for (const cred of api.credentials) if (await proxies.hasCredential(cred)) return null;
    return apis[0]?.missing(tildify(this.c.d.paths.secrets)) ?? null;
  }

  private chooseBackend(requested: BackendName | undefined, config: Config, backends: Record<BackendName, Backend>, warnings: string[]): BackendName {
    if (requested) {
      const reason = backends[requested].unavailableReason();
      if (reason) throw new ClauderonError('backend_unavailable', reason, { field: 'backend' });
      return requested;
    }
    const configured = config.general.default_backend;
    if (configured) {
      const reason = backends[configured].unavailableReason();
      if (reason) throw new ClauderonError('backend_unavailable', `${reason} (general.default_backend in config.toml)`, { field: 'backend' });
      return configured;
    }
    // none asked for or configured: the first available in the specs' fallback order
    const order = fallbackOrder();
    const chosen = order.find((s) => !backends[s.name].unavailableReason());
    if (chosen) {
      const skipped = order.slice(0, order.indexOf(chosen)).map((s) => s.name);
      if (skipped.length > 0 && this.c.d.firstNotice(`${chosen.name}-fallback`)) {
        warnings.push(`${skipped.join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not on PATH, so new sessions use ${chosen.name} (set general.default_backend in config.toml to choose)`);
      }
      return chosen.name;
    }
    throw new ClauderonError(
      'backend_unavailable',
      `no terminal multiplexer found: install ${order.map((s) => `${s.name}${s.install ? ` (${s.install})` : ''}`).join(' or ')}, or choose another backend`,
      { field: 'backend' },
    );
  }
}

/**
 * The new session's egress policy: --egress, else [egress.backends] for its backend, else [egress]
 * default. An allow-list session gets config's presets and allow plus its own --allow-host; a
 * locked one only its own; an open one keeps its own for when it changes. Without a proxy nothing
 * can enforce one: asked for, that refuses the create; from config, it is said.
 */
function egressFor(req: CreateRequest, config: Config, backend: BackendName, proxied: boolean, warnings: string[]): EgressSettings {
  const policy = req.egress ?? config.egress.backends[backend] ?? config.egress.default;
  const own = [...(req.allowHosts ?? [])];
  if (!proxied && policy !== 'open') {
    if (req.egress !== undefined) throw new ClauderonError('invalid_input', `--egress ${policy} needs the session's proxy, and it has none ([proxy] enabled = false in config.toml)`, { field: 'egress' });
    warnings.push(`the egress policy "${policy}" of config.toml is not enforced: the session has no proxy ([proxy] enabled = false)`);
    return { policy: 'open', allow: own };
  }
  if (policy === 'open' && own.length > 0) warnings.push('--allow-host has no effect while the egress policy is open (kept for when it changes: clauderon egress NAME)');
  const allow = policy === 'allow-list' ? [...config.egress.presets, ...config.egress.allow, ...own] : own;
  return { policy, allow: [...new Set(allow)] };
}

/** "a", "a or b", "a, b or c". */
function orList(xs: readonly string[]): string {
  return xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs.at(-1) ?? ''}` : (xs[0] ?? '');
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
      owners.length > 0 ? `${foreign.join(', ')} only ${foreign.length === 1 ? 'applies' : 'apply'} to the ${orList(owners)} backend` : `unknown backend option ${foreign.join(', ')}`,
      { field: `option:${foreign[0] ?? ''}` },
    );
  }
  const r = schema.safeParse(set);
  if (!r.success) {
    const key = r.error.issues[0]?.path.join('.') ?? '';
    throw new ClauderonError('invalid_input', `invalid ${key || 'option'} for the ${spec.name} backend: ${r.error.issues[0]?.message ?? 'invalid'}`, key ? { field: `option:${key}` } : undefined);
  }
  return r.data;
}
