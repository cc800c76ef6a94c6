// How a session's agent is started — the one launch spec create, unarchive and refresh use: the
// agent's settings file (hooks, API-key helper), its argv (buildAgentCommand) under the exit
// report, its proxy and environment, and the BackendCreateContext a backend starts it from.
// Also the proxy start itself (create's proxy step) and the proxies' return after a daemon restart.
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { buildAgentCommand } from '../agents/agents.js';
import { agentSpec } from '../agents/registry.js';
import { backendSpec } from '../backends/registry.js';
import type { Backend, BackendCreateContext } from '../backends/types.js';
import type { Config } from '../config/config.js';
import { CREDENTIAL_NAMES, type CredentialName } from '../config/proxy-config.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import type { Session } from '../shared/types.js';
import type { ManagerContext } from './context.js';
import { agentSettingsFile, EXIT_REPORT, HOOK_COMMAND } from './hooks.js';

/** Start of Session.error when a live session's proxy could not come back after a restart. */
const PROXY_LOST = 'proxy not restored';

export interface LaunchOptions {
  config: Config;
  backend: Backend;
  /** What the backend's prepare returned for the session (stored with it). */
  options: unknown;
  /** A restart (unarchive, refresh): the agent resumes its conversation and is not sent the prompt again. */
  resume: boolean;
  /**
   * The session's proxy: the environment of one already started (create's proxy step), 'start'
   * to start it here, or null for none.
   */
  proxy: { env: Record<string, string> } | 'start' | null;
}

export interface Launch {
  /** What the backend creates (or resumes) the agent from. */
  context: BackendCreateContext;
  /** The agent command's warnings (e.g. no plan mode). */
  warnings: string[];
  /** The port of the proxy started here (null when none was). */
  proxyPort: number | null;
}

/** Everything a backend needs to start the session's agent (and its proxy, when asked to start it). */
export async function launchSpec(c: ManagerContext, s: Session, o: LaunchOptions): Promise<Launch> {
  const settings = await agentSettings(c, s, o.backend, o.proxy !== null);
  const cmd = buildAgentCommand(s.agent, o.config, {
    prompt: s.prompt,
    skipChecks: s.skipChecks,
    planMode: s.planMode,
    model: s.model,
    sessionId: s.id,
    resume: o.resume,
    settingsFile: settings?.agent,
  });
  let proxyEnv: Record<string, string> = {};
  let proxyPort: number | null = null;
  if (o.proxy === 'start') {
    const started = await startProxy(c, s, o.backend, o.options);
    proxyEnv = started.env;
    proxyPort = started.port;
  } else if (o.proxy !== null) {
    proxyEnv = o.proxy.env;
  }
  const home = await configHome(c, s, o.backend, o.proxy !== null);
  const context = await backendContext(c, s, withExitReport(c, s, cmd.argv), { ...proxyEnv, ...agentEnv(c, s), ...(home?.env ?? {}) }, o.options, settings?.host ?? null);
  context.configHome = home ? { host: home.host, agent: home.agent } : null;
  const noHooks = c.d.hooks !== undefined && !c.d.hooks.url();
  return { context, warnings: noHooks ? [...cmd.warnings, NO_AGENT_STATUS] : cmd.warnings, proxyPort };
}

/** What the agent gets besides the backend's base environment. */
export function agentEnv(c: ManagerContext, s: Session): Record<string, string> {
  return { CLAUDERON_SESSION_ID: s.id, CLAUDERON_SESSION_NAME: s.name, ...hookEnv(c, s) };
}

/**
 * Hook URL and token (Claude's hooks and every agent's exit report use them), while the daemon's
 * hooks listener listens. An agent on this host also gets the file that names the listener's
 * current port (read at each hook: the port may change at a daemon restart); a container cannot
 * read it and keeps to the URL (the daemon takes the same port again when it can).
 */
export function hookEnv(c: ManagerContext, s: Session): Record<string, string> {
  const hooks = c.d.hooks;
  const url = hooks?.url();
  if (!url || !hooks) return {};
  const portFile: Record<string, string> = backendSpec(s.backend).capabilities.container ? {} : { CLAUDERON_HOOK_PORT_FILE: c.d.paths.hookPort };
  return { CLAUDERON_HOOK_URL: url, ...portFile, CLAUDERON_HOOK_TOKEN: hooks.tokens.tokenFor(s.id) };
}

/** Said by create when the daemon has no hooks listener (it could not listen at all). */
export const NO_AGENT_STATUS = 'agent status is unavailable: the daemon could not listen for hooks (see logs/daemon.log) — the session shows agentStatus unknown';

/**
 * Run the agent under a small sh that reports its exit status to the daemon when it ends (then
 * exits with it): the session becomes completed when its agent exits, without any polling.
 */
function withExitReport(c: ManagerContext, s: Session, argv: string[]): string[] {
  if (!hookEnv(c, s).CLAUDERON_HOOK_URL) return argv;
  return ['sh', '-c', EXIT_REPORT, 'clauderon-agent', ...argv];
}

/** A session's proxy (on 127.0.0.1 and whatever its backend adds), and hooks received there too. */
export async function startProxy(c: ManagerContext, s: Session, backend: Backend, options: unknown, keepPort = false): Promise<{ port: number; env: Record<string, string> }> {
  if (!c.d.proxies) throw new ClauderonError('internal', 'no proxy service');
  const bind = backend.proxyBind?.(options) ?? [];
  const started = await c.d.proxies.start(s, { skipChecks: s.skipChecks, bind, keepPort });
  await hooksOn(c, bind);
  return started;
}

/** Hooks from containers on a bridge arrive at its gateway: listen there too (best effort). */
async function hooksOn(c: ManagerContext, addrs: readonly string[]): Promise<void> {
  if (addrs.length === 0 || !c.d.hooks?.listenOn) return;
  await c.d.hooks.listenOn(addrs).catch((e: unknown) => c.d.log.warn('hooks not received on the bridge', { addrs, error: errorMessage(e) }));
}

/**
 * The agent's settings file (host path, and where the agent sees it), for agents that take one
 * (Claude Code's --settings): its hooks while the hooks listener listens; its API-key helper when it has
 * a proxy holding its API key (then its environment holds no key — the proxy service's envFor
 * decides alike). Null when the agent takes none or neither applies.
 */
async function agentSettings(c: ManagerContext, s: Session, backend: Backend, proxied: boolean): Promise<{ host: string; agent: string } | null> {
  const spec = agentSpec(s.agent);
  if (!spec.settings) return null;
  const hooks = Boolean(c.d.hooks?.url());
  const apiKeyHelper = proxied && (await c.d.proxies?.hasCredential(spec.settings.apiKeyCredential)) === true;
  const host = agentSettingsFile(c.d.paths, spec, { hooks, apiKeyHelper });
  if (host === null) return null;
  return { host, agent: backend.agentSettingsPath?.(host) ?? host };
}

/**
 * The agent's config home (its spec's configHome): sessions/ID/agent-home, written afresh before
 * every start (files marked `once` are the agent's after the first), and the variables that name it
 * as the agent sees it. Null for agents that take none.
 */
async function configHome(c: ManagerContext, s: Session, backend: Backend, proxied: boolean): Promise<{ host: string; agent: string; env: Record<string, string> } | null> {
  const spec = agentSpec(s.agent).configHome;
  if (!spec || (spec.hostOnly && backendSpec(s.backend).capabilities.container)) return null;
  const host = join(c.d.paths.sessions, s.id, 'agent-home');
  const agent = backend.configHomePath?.(host) ?? host;
  const workspace = backendSpec(s.backend).capabilities.workspace ?? s.worktreePath;
  const held = new Set<CredentialName>();
  const info = new Map<string, string>();
  if (proxied && c.d.proxies) {
    const proxies = c.d.proxies;
    const has = await Promise.all(CREDENTIAL_NAMES.map((n) => proxies.hasCredential(n)));
    CREDENTIAL_NAMES.forEach((n, i) => has[i] && held.add(n));
    for (const n of ['chatgpt_account_id', 'chatgpt_plan_type', 'chatgpt_access_exp']) {
      const v = await proxies.info(n);
      if (v !== undefined) info.set(n, v);
    }
  }
  const files = spec.files({
    workspace,
    cwd: s.subdirectory ? posix.join(workspace, s.subdirectory) : workspace,
    home: agent,
    hookCommand: c.d.hooks?.url() ? HOOK_COMMAND : null,
    proxied,
    holds: (n) => held.has(n),
    info: (n) => info.get(n),
    skipChecks: s.skipChecks,
    userHome: homedir(),
    env: process.env,
  });
  mkdirSync(host, { recursive: true, mode: 0o700 });
  // where its transcripts will be, made now so history's watcher can watch it from the start
  const tdir = agentSpec(s.agent).transcripts?.configDir;
  if (tdir) mkdirSync(join(host, tdir), { recursive: true, mode: 0o700 });
  for (const f of files) {
    const file = join(host, f.file);
    if (!file.startsWith(`${host}/`)) throw new ClauderonError('internal', `config home file outside the home: ${f.file}`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if ('link' in f) {
      // the user's own file, linked (never copied or written): replaced at each start, so a file
      // the user made since is picked up and one removed is no longer linked
      const was = lstatOrNull(file);
      if (was?.isDirectory()) continue; // the agent's own directory by now: left alone
      if (was) rmSync(file, { force: true });
      if (existsSync(f.link)) symlinkSync(f.link, file);
      continue;
    }
    if (f.once && existsSync(file)) continue;
    writeFileSync(file, f.content, { mode: 0o600 });
  }
  const env = { ...(spec.constants ?? {}), ...Object.fromEntries(Object.entries(spec.env).map(([k, rel]) => [k, rel ? posix.join(agent, rel) : agent])) };
  return { host, agent, env };
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

async function backendContext(c: ManagerContext, s: Session, argv: string[], env: Record<string, string>, options: unknown, settingsFile: string | null): Promise<BackendCreateContext> {
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
    gitCommonDir: caps.worktree === 'bind-mount' ? await c.git.gitCommonDir(s.worktreePath) : null,
    skipChecks: s.skipChecks,
    settingsFile,
    options,
    agentHome: {
      state: home.state({ skipChecks: s.skipChecks, workspace: caps.workspace ?? s.worktreePath }),
      managedSettings: home.managedSettings ?? null,
      files: home.files,
    },
    configHome: null,
  };
}

/**
 * Sessions whose agent is running: the only ones whose proxy comes back after a restart. A
 * completed or failed session's agent has ended (archive + unarchive starts a new one, and its proxy), an
 * archived one's was stopped, and a creating one is the startup reconcile's to roll back.
 */
const RESTORED_STATUSES: ReadonlySet<string> = new Set(['running', 'idle']);

/**
 * After a daemon restart (and its startup reconcile, which has marked what ended meanwhile): every
 * running session's proxy back on its own port (its agent still points there). One that cannot
 * come back says so on the session, where list and TUI show it.
 */
export async function restoreProxies(c: ManagerContext, stopping: () => boolean): Promise<void> {
  if (!c.d.proxies) return;
  const restored: string[] = [];
  for (const s of c.store.listSessions()) {
    if (s.proxyPort === null || !RESTORED_STATUSES.has(s.status)) continue;
    restored.push(s.name);
    try {
      const backend = await c.backendOf(s);
      await startProxy(c, s, backend, c.store.getBackendOptions(s.id), true);
      if (s.error?.startsWith(PROXY_LOST)) c.update(s, { error: null });
      // (a remote runtime's relay to this proxy, opened again)
      if (backend.reconnect && s.backendId) await backend.reconnect(s.backendId, s.id).catch((e: unknown) => c.d.log.warn('relay not reopened', { name: s.name, error: errorMessage(e) }));
    } catch (e) {
      if (stopping()) return;
      c.d.log.error('proxy not restored', { name: s.name, error: errorMessage(e) });
      c.update(s, { error: `${PROXY_LOST}: ${errorMessage(e)} — archive and unarchive the session to restart its agent with a new proxy` });
    }
  }
  c.d.log.info('proxies restored', { sessions: restored });
}
