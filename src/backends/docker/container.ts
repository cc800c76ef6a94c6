// What a session's container is made of, as plain data: its mounts, its environment as the agent
// sees it, and the options Docker creates it with. Pure functions (no engine, no files): unit-tested
// without Docker; backend.ts does the engine calls and writes the files the mounts name.
import { basename, join } from 'node:path';
import type { Paths } from '../../config/paths.js';
import type { BackendCreateContext } from '../types.js';
import { RELAY_PORTS } from '../relay/ports.js';
import { RELAY_DIR, waitForRelay } from './relay.js';
import type { DockerConfig, DockerNetwork, PullPolicy } from './spec.js';

/** Stored with each Docker session (session_backend_options). */
export interface DockerOptions {
  image: string;
  pullPolicy: PullPolicy;
  cpuLimit: number | null;
  memoryLimit: string | null;
  network: DockerNetwork;
  /** bridge: the host's address on the bridge (the proxy listens there too). */
  gateway: string | null;
}

/** Inside the container. */
export const CONTAINER = {
  workspace: '/workspace',
  caCert: '/etc/clauderon/proxy-ca.pem',
  caBundle: '/etc/clauderon/proxy-ca-bundle.pem',
  /** clauderon's Claude Code settings files (hooks, API-key helper) are mounted here, by name. */
  settingsDir: '/etc/clauderon',
  hostAlias: 'host.docker.internal',
  /** The agent's config home (Codex's CODEX_HOME, Gemini's settings): sessions/ID/agent-home, read-write. */
  configHome: '/var/lib/clauderon/agent-home',
} as const;

export const LABEL_SESSION = 'clauderon.session-id';
export const LABEL_NAME = 'clauderon.session-name';
export const LABEL_HOME = 'clauderon.home';
export const LABEL_IMAGE_CHECK = 'clauderon.image-check';

/** "512m", "2g", "1.5GiB", "1073741824" → bytes; null when it cannot be read. */
export function parseMemory(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes >= 6 * 1024 * 1024 ? bytes : null; // Docker's minimum is 6 MiB
}

export function hostUser(): string {
  return `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
}

/** Where the agent sees one of clauderon's settings files. */
export function agentSettingsPath(hostPath: string): string {
  return `${CONTAINER.settingsDir}/${basename(hostPath)}`;
}

export function settingsBind(hostPath: string): string {
  return `${hostPath}:${agentSettingsPath(hostPath)}:ro`;
}

/**
 * The agent's environment as seen from inside: our CA files at their mount points, the proxy and
 * hooks at the bridge's host alias (bridge) or at the relay on the container's loopback (isolated).
 */
export function translateEnv(env: Record<string, string>, o: DockerOptions | null, paths: Pick<Paths, 'caCert' | 'caBundle'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === paths.caCert) out[k] = CONTAINER.caCert;
    else if (v === paths.caBundle) out[k] = CONTAINER.caBundle;
    else if (o?.network === 'isolated' && /^(https?_proxy|HTTPS?_PROXY)$/.test(k)) out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:\d+/, `$1127.0.0.1:${RELAY_PORTS.proxy}`);
    else if (o?.network === 'isolated' && k === 'CLAUDERON_HOOK_URL') out[k] = `http://127.0.0.1:${RELAY_PORTS.hooks}`;
    else if (/^(https?_proxy|HTTPS?_PROXY|CLAUDERON_HOOK_URL)$/.test(k) && o?.network === 'bridge') out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:/, `$1${CONTAINER.hostAlias}:`);
    else out[k] = v;
  }
  return out;
}

/** Host files of a session's container, made by backend.ts before the container is created. */
export function sessionFiles(ctx: BackendCreateContext, paths: Paths): {
  sessionDir: string;
  uploads: string;
  uploadsIn: string;
  /** The agent's state files: kept in the session dir, mounted into its home (the workspace). */
  state: { host: string; inWorktree: string; inContainer: string; content: unknown }[];
  managed: string;
  /** The isolated network's relay directory (script and ready mark), mounted read-only. */
  relayDir: string;
} {
  const sessionDir = join(paths.sessions, ctx.sessionId);
  return {
    sessionDir,
    uploads: join(paths.uploads, ctx.sessionId),
    // mount points inside the worktree are made by us, as the user (docker would make them as root)
    uploadsIn: join(ctx.worktreePath, '.clauderon', 'uploads', ctx.sessionId),
    // (kept as sessions/ID/claude.json for the agent's ~/.claude.json)
    state: ctx.agentHome.state.map((f) => ({ host: join(sessionDir, basename(f.file).replace(/^\./, '')), inWorktree: join(ctx.worktreePath, f.file), inContainer: `${CONTAINER.workspace}/${f.file}`, content: f.content })),
    managed: paths.managedSettings,
    relayDir: join(sessionDir, 'relay'),
  };
}

/**
 * Bind mounts: the worktree, the repository's git dir, uploads, the CA, the agent's state, its
 * config home and settings — nothing else (never secrets/, the CA key, the database or the home). `exists` says
 * which optional host files are there.
 */
export function binds(ctx: BackendCreateContext, paths: Paths, exists: (p: string) => boolean, network: DockerNetwork = 'host'): string[] {
  const f = sessionFiles(ctx, paths);
  const out = [
    `${ctx.worktreePath}:${CONTAINER.workspace}`,
    `${f.uploads}:${CONTAINER.workspace}/.clauderon/uploads/${ctx.sessionId}`,
    ...f.state.map((s) => `${s.host}:${s.inContainer}`),
  ];
  if (ctx.gitCommonDir) out.push(`${ctx.gitCommonDir}:${ctx.gitCommonDir}`);
  if (ctx.configHome) out.push(configHomeBind(ctx.configHome));
  if (exists(paths.caCert)) out.push(`${paths.caCert}:${CONTAINER.caCert}:ro`);
  if (exists(paths.caBundle)) out.push(`${paths.caBundle}:${CONTAINER.caBundle}:ro`);
  if (ctx.settingsFile && exists(ctx.settingsFile)) out.push(settingsBind(ctx.settingsFile));
  const managed = wantsManagedSettings(ctx);
  if (managed) out.push(`${f.managed}:${managed.path}:ro`);
  if (network === 'isolated') out.push(`${f.relayDir}:${RELAY_DIR}:ro`);
  return out;
}

export function configHomeBind(home: { host: string; agent: string }): string {
  return `${home.host}:${home.agent}`;
}

/** The agent's managed settings, mounted when the proxy is on and checks are skipped (nothing it holds is a secret). */
export function wantsManagedSettings(ctx: BackendCreateContext): { path: string; content: unknown } | null {
  return ctx.env.HTTPS_PROXY && ctx.skipChecks ? ctx.agentHome.managedSettings : null;
}

/** The options the session's container is created with. */
export function containerOptions(o: {
  id: string;
  ctx: BackendCreateContext;
  options: DockerOptions;
  config: Pick<DockerConfig, 'env'>;
  paths: Paths;
  /** The agent's directory inside the worktree ('' at its root). */
  relativeCwd: string;
  binds: string[];
}): Record<string, unknown> & { name: string; Image: string; Env: string[]; HostConfig: Record<string, unknown> } {
  const { ctx, options: d } = o;
  const env = { ...translateEnv(ctx.env, d, o.paths), HOME: CONTAINER.workspace, TERM: 'xterm-256color' };
  const nanoCpus = d.cpuLimit !== null ? Math.round(d.cpuLimit * 1e9) : undefined;
  const memory = d.memoryLimit !== null ? (parseMemory(d.memoryLimit) ?? undefined) : undefined;
  return {
    name: o.id,
    Image: d.image,
    Cmd: d.network === 'isolated' ? waitForRelay(ctx.argv) : ctx.argv,
    Env: [...o.config.env, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    WorkingDir: o.relativeCwd ? `${CONTAINER.workspace}/${o.relativeCwd}` : CONTAINER.workspace,
    User: hostUser(),
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { [LABEL_SESSION]: ctx.sessionId, [LABEL_NAME]: ctx.name, [LABEL_HOME]: o.paths.home },
    HostConfig: {
      Binds: o.binds,
      // isolated: Docker's `none` network — loopback only; the relay is the one way out
      NetworkMode: d.network === 'isolated' ? 'none' : d.network,
      ...(d.network === 'bridge' ? { ExtraHosts: [`${CONTAINER.hostAlias}:host-gateway`] } : {}),
      ...(nanoCpus !== undefined ? { NanoCpus: nanoCpus } : {}),
      ...(memory !== undefined ? { Memory: memory } : {}),
      Init: true,
    },
  };
}
