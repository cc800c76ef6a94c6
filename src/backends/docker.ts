// Docker backend: one container per session (`clauderon-NAME`), labelled with the session and the
// clauderon home, running the agent as the host user with the worktree at /workspace. The agent
// reaches its session's proxy (on the host) with placeholders only; no secret, no CA key, no
// database and no clauderon home is ever mounted. dockerode is loaded only when a Docker session
// is touched (it costs ~0.6 s to load).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Dockerode from 'dockerode';
import { PLACEHOLDERS } from '../agents/proxy-env.js';
import type { Paths } from '../config/paths.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import { checkAgentCwd } from './cwd.js';
import type { Backend, BackendCreateContext, BackendHealth, BackendRequest } from './types.js';

export type PullPolicy = 'always' | 'if-not-present' | 'never';

export interface DockerConfig {
  image: string;
  pull_policy: PullPolicy;
  network: 'bridge' | 'host';
  cpu_limit?: number | undefined;
  memory_limit?: string | undefined;
  detach_keys: string;
  env: string[];
}

/** Stored with each Docker session (session_backend_options). */
export interface DockerOptions {
  image: string;
  pullPolicy: PullPolicy;
  cpuLimit: number | null;
  memoryLimit: string | null;
  network: 'bridge' | 'host';
  /** bridge: the host's address on the bridge (the proxy listens there too). */
  gateway: string | null;
}

/** Inside the container. */
export const CONTAINER = {
  workspace: '/workspace',
  caCert: '/etc/clauderon/proxy-ca.pem',
  caBundle: '/etc/clauderon/proxy-ca-bundle.pem',
  managedSettings: '/etc/claude-code/managed-settings.json',
  /** clauderon's Claude Code settings files (hooks, API-key helper) are mounted here, by name. */
  settingsDir: '/etc/clauderon',
  hostAlias: 'host.docker.internal',
} as const;

const LABEL_SESSION = 'clauderon.session-id';
const LABEL_NAME = 'clauderon.session-name';
const LABEL_HOME = 'clauderon.home';

/** What an image must have, checked once per image id (per daemon). */
const checkedImages = new Map<string, string | null>();

/** "512m", "2g", "1.5GiB", "1073741824" → bytes; null when it cannot be read. */
export function parseMemory(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes >= 6 * 1024 * 1024 ? bytes : null; // Docker's minimum is 6 MiB
}

export interface DockerBackendDeps {
  config: DockerConfig;
  paths: Paths;
  /** The docker CLI's PATH (attach hands the terminal to `docker attach`). */
  socketPath?: string | undefined;
}

export class DockerBackend implements Backend {
  readonly name = 'docker' as const;
  readonly capabilities = { ownsNamespace: true, resourceLimits: true, customImage: true };
  readonly detachHint: string;
  /** `docker attach` ends with "read escape sequence" and status 1 when the detach keys are typed. */
  readonly detachExitCodes = [1];
  readonly agentFiles = ['.claude.json*', '.clauderon', '.claude/projects', '.claude/todos', '.claude/statsig', '.claude/shell-snapshots', '.claude/session-env', '.claude/plans', '.claude/debug', '.cache', '.npm', '.config', '.local', '.bash_history'];
  private client: Dockerode | null = null;
  private readonly socket: string;

  constructor(private readonly d: DockerBackendDeps) {
    this.socket = d.socketPath ?? dockerSocketFromEnv();
    this.detachHint = `detach with ${d.config.detach_keys.split(',').map(keyName).join(' then ')}`;
  }

  unavailableReason(): string | null {
    return existsSync(this.socket)
      ? null
      : `Docker is not running (no ${this.socket}) — start it (sudo systemctl start docker, or dockerd), set DOCKER_HOST, or pick --backend tmux`;
  }

  idFor(name: string): string {
    return `clauderon-${name}`;
  }

  private async docker(): Promise<Dockerode> {
    if (!this.client) {
      const { default: Docker } = await import('dockerode');
      this.client = new Docker({ socketPath: this.socket });
    }
    return this.client;
  }

  // ------------------------------------------------------------ validate

  async prepare(req: BackendRequest, agentCommand: string): Promise<DockerOptions> {
    const docker = await this.docker();
    const image = req.image ?? this.d.config.image;
    const pullPolicy = req.pullPolicy ?? this.d.config.pull_policy;
    const cpuLimit = req.cpuLimit ?? this.d.config.cpu_limit ?? null;
    const memoryLimit = req.memoryLimit ?? this.d.config.memory_limit ?? null;
    if (cpuLimit !== null && !(cpuLimit > 0 && cpuLimit <= 1024)) throw new ClauderonError('invalid_input', `invalid --cpu-limit ${cpuLimit}: expected a number of CPUs above 0 (e.g. 2 or 0.5)`);
    if (memoryLimit !== null && parseMemory(memoryLimit) === null) {
      throw new ClauderonError('invalid_input', `invalid --memory-limit "${memoryLimit}": expected a size such as 512m or 4g (at least 6m)`);
    }
    await this.dockerCall('check the Docker engine', () => docker.ping());
    let gateway: string | null = null;
    if (this.d.config.network === 'bridge') gateway = await this.bridgeGateway(docker);
    const imageId = await this.ensureImage(docker, image, pullPolicy);
    const missing = await this.checkImage(docker, image, imageId, agentCommand);
    if (missing) throw new ClauderonError('backend', `image ${image} cannot run a clauderon session: it lacks ${missing} — see examples/ for images that work`);
    return { image, pullPolicy, cpuLimit, memoryLimit, network: this.d.config.network, gateway };
  }

  private async bridgeGateway(docker: Dockerode): Promise<string> {
    try {
      const net = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
      const gw = net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
      if (gw) return gw;
    } catch {
      // no bridge network (dockerd --bridge=none)
    }
    throw new ClauderonError('backend', 'the Docker "bridge" network has no gateway address here — set docker.network = "host" in config.toml');
  }

  /** The image's id, pulling it as the policy says. */
  private async ensureImage(docker: Dockerode, image: string, policy: PullPolicy): Promise<string> {
    const present = await this.imageId(docker, image);
    if (present && policy !== 'always') return present;
    if (!present && policy === 'never') {
      throw new ClauderonError('backend', `image ${image} is not present and the pull policy is "never" — docker pull ${image}, build it, or use --pull-policy if-not-present`);
    }
    try {
      const stream = await docker.pull(image);
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
    } catch (e) {
      if (present) return present; // "always" but the registry is unreachable: keep what is here
      throw new ClauderonError('backend', `cannot pull image ${image}: ${errorMessage(e)} — check the name and your registry access, or build it locally`);
    }
    const id = await this.imageId(docker, image);
    if (!id) throw new ClauderonError('backend', `image ${image} is still missing after a pull`);
    return id;
  }

  private async imageId(docker: Dockerode, image: string): Promise<string | null> {
    try {
      return (await docker.getImage(image).inspect()).Id;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw new ClauderonError('backend', `docker: ${errorMessage(e)}`);
    }
  }

  /** What the image lacks (bash, curl, a writable /workspace, the agent), or null. Cached per image id. */
  private async checkImage(docker: Dockerode, image: string, imageId: string, agentCommand: string): Promise<string | null> {
    const key = `${imageId} ${agentCommand} ${process.getuid?.() ?? 0}`;
    if (checkedImages.has(key)) return checkedImages.get(key) ?? null;
    const script = [
      'm=""',
      'command -v bash >/dev/null 2>&1 || m="$m, bash"',
      'command -v curl >/dev/null 2>&1 || m="$m, curl"',
      '{ [ -d /workspace ] && [ -w /workspace ]; } || m="$m, a /workspace directory writable by uid $(id -u)"',
      'command -v "$1" >/dev/null 2>&1 || m="$m, the agent command \\"$1\\" on PATH"',
      'echo "CLAUDERON-MISSING:${m#, }"',
    ].join('\n');
    const c = await this.dockerCall(`check image ${image}`, () =>
      docker.createContainer({
        Image: image,
        Entrypoint: ['/bin/sh', '-c', script, 'check'],
        Cmd: [agentCommand],
        User: hostUser(),
        Labels: { [LABEL_HOME]: this.d.paths.home, 'clauderon.image-check': '1' },
        HostConfig: { NetworkMode: 'none', AutoRemove: false },
      }),
    );
    try {
      await c.start();
      await c.wait();
      const out = demux(await c.logs({ stdout: true, stderr: true, follow: false }));
      const m = /CLAUDERON-MISSING:(.*)/.exec(out);
      if (!m) throw new ClauderonError('backend', `image ${image} cannot run /bin/sh: ${out.trim().slice(0, 200) || 'no output'}`);
      const missing = (m[1] ?? '').trim() || null;
      checkedImages.set(key, missing);
      return missing;
    } catch (e) {
      if (e instanceof ClauderonError) throw e;
      throw new ClauderonError('backend', `image ${image} cannot run /bin/sh (bash, curl and the agent are needed too): ${errorMessage(e)}`);
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------ the container

  agentSettingsPath(hostPath: string): string {
    return `${CONTAINER.settingsDir}/${basename(hostPath)}`;
  }

  proxyBind(options: unknown): string[] {
    const o = options as DockerOptions | null;
    return o?.network === 'bridge' && o.gateway ? [o.gateway] : [];
  }

  translateEnv(env: Record<string, string>, options: unknown): Record<string, string> {
    const o = options as DockerOptions | null;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (v === this.d.paths.caCert) out[k] = CONTAINER.caCert;
      else if (v === this.d.paths.caBundle) out[k] = CONTAINER.caBundle;
      else if (/^(https?_proxy|HTTPS?_PROXY|CLAUDERON_HOOK_URL)$/.test(k) && o?.network === 'bridge') out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:/, `$1${CONTAINER.hostAlias}:`);
      else out[k] = v;
    }
    return out;
  }

  async create(ctx: BackendCreateContext): Promise<string> {
    const o = ctx.options as DockerOptions | null;
    if (!o) throw new ClauderonError('internal', 'a Docker session needs its options (prepare was not called)');
    // the worktree is mounted at /workspace: the agent starts at the same place inside it
    const { relative: rel } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const docker = await this.docker();
    const id = this.idFor(ctx.name);
    const binds = this.mounts(ctx);
    const env = {
      ...this.translateEnv(ctx.env, o),
      HOME: CONTAINER.workspace,
      TERM: 'xterm-256color',
    };
    const nanoCpus = o.cpuLimit !== null ? Math.round(o.cpuLimit * 1e9) : undefined;
    const memory = o.memoryLimit !== null ? (parseMemory(o.memoryLimit) ?? undefined) : undefined;
    const container = await this.dockerCall(`create container ${id}`, () =>
      docker.createContainer({
        name: id,
        Image: o.image,
        Cmd: ctx.argv,
        Env: [...this.d.config.env, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
        WorkingDir: rel ? `${CONTAINER.workspace}/${rel}` : CONTAINER.workspace,
        User: hostUser(),
        Tty: true,
        OpenStdin: true,
        StdinOnce: false,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Labels: { [LABEL_SESSION]: ctx.sessionId, [LABEL_NAME]: ctx.name, [LABEL_HOME]: this.d.paths.home },
        HostConfig: {
          Binds: binds,
          NetworkMode: o.network,
          ...(o.network === 'bridge' ? { ExtraHosts: [`${CONTAINER.hostAlias}:host-gateway`] } : {}),
          ...(nanoCpus !== undefined ? { NanoCpus: nanoCpus } : {}),
          ...(memory !== undefined ? { Memory: memory } : {}),
          Init: true,
        },
      }),
    );
    try {
      await container.start();
    } catch (e) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new ClauderonError('backend', `cannot start container ${id}: ${errorMessage(e)}`);
    }
    return id;
  }

  /** Bind mounts: the worktree, the repository's git dir, uploads, the CA, Claude's state — nothing else. */
  private mounts(ctx: BackendCreateContext): string[] {
    const p = this.d.paths;
    const sessionDir = join(p.sessions, ctx.sessionId);
    const uploads = join(p.uploads, ctx.sessionId);
    mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
    mkdirSync(uploads, { recursive: true, mode: 0o700 });
    // Mount points inside the worktree are made by us, as the user (docker would make them as root).
    const uploadsIn = join(ctx.worktreePath, '.clauderon', 'uploads', ctx.sessionId);
    mkdirSync(uploadsIn, { recursive: true });
    const claudeJson = join(sessionDir, 'claude.json');
    if (!existsSync(claudeJson)) writeFileSync(claudeJson, `${JSON.stringify(claudeState(ctx.skipChecks), null, 2)}\n`, { mode: 0o600 });
    if (!existsSync(join(ctx.worktreePath, '.claude.json'))) writeFileSync(join(ctx.worktreePath, '.claude.json'), '');
    const binds = [
      `${ctx.worktreePath}:${CONTAINER.workspace}`,
      `${uploads}:${CONTAINER.workspace}/.clauderon/uploads/${ctx.sessionId}`,
      `${claudeJson}:${CONTAINER.workspace}/.claude.json`,
    ];
    if (ctx.gitCommonDir) binds.push(`${ctx.gitCommonDir}:${ctx.gitCommonDir}`);
    if (existsSync(p.caCert)) binds.push(`${p.caCert}:${CONTAINER.caCert}:ro`);
    if (existsSync(p.caBundle)) binds.push(`${p.caBundle}:${CONTAINER.caBundle}:ro`);
    if (ctx.settingsFile && existsSync(ctx.settingsFile)) binds.push(this.settingsBind(ctx.settingsFile));
    // With the proxy on, the agent may skip permission prompts: nothing it holds is a secret.
    if (ctx.env.HTTPS_PROXY && ctx.skipChecks) {
      const managed = join(p.home, 'managed-settings.json');
      writeFileSync(managed, `${JSON.stringify({ permissions: { defaultMode: 'bypassPermissions' } }, null, 2)}\n`, { mode: 0o644 });
      binds.push(`${managed}:${CONTAINER.managedSettings}:ro`);
    }
    return binds;
  }

  private settingsBind(hostPath: string): string {
    return `${hostPath}:${this.agentSettingsPath(hostPath)}:ro`;
  }

  async exists(backendId: string): Promise<boolean> {
    return (await this.inspect(backendId)) !== null;
  }

  private async inspect(backendId: string): Promise<Dockerode.ContainerInspectInfo | null> {
    const docker = await this.docker();
    try {
      return await docker.getContainer(backendId).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw new ClauderonError('backend', `docker inspect ${backendId}: ${errorMessage(e)}`);
    }
  }

  async delete(backendId: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(backendId).remove({ force: true });
    } catch (e) {
      if (statusOf(e) !== 404) throw new ClauderonError('backend', `cannot remove container ${backendId}: ${errorMessage(e)}`);
    }
  }

  async stop(backendId: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(backendId).stop({ t: 5 });
    } catch (e) {
      const code = statusOf(e);
      if (code !== 304 && code !== 404) throw new ClauderonError('backend', `cannot stop container ${backendId}: ${errorMessage(e)}`);
    }
  }

  async resume(backendId: string, ctx: BackendCreateContext): Promise<string> {
    await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const info = await this.inspect(backendId);
    const want = this.translateEnv(ctx.env, ctx.options);
    // its proxy, its image, how it gets its Anthropic placeholder and its settings file: all unchanged
    const envOf = (k: string) => (info?.Config.Env ?? []).filter((e) => e.startsWith(`${k}=`)).at(-1)?.slice(k.length + 1);
    const sameEnv = ['HTTPS_PROXY', 'ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'].every((k) => envOf(k) === want[k]);
    const sameSettings = !ctx.settingsFile || (info?.HostConfig.Binds ?? []).includes(this.settingsBind(ctx.settingsFile));
    const fits = info !== null && sameEnv && sameSettings && info.Config.Image === (ctx.options as DockerOptions).image;
    if (info && fits) {
      await this.startContainer(backendId);
      return backendId;
    }
    // The proxy moved (or the image changed): a new container, the same worktree.
    await this.delete(backendId);
    return this.create(ctx);
  }

  private async startContainer(backendId: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(backendId).start();
    } catch (e) {
      if (statusOf(e) !== 304) throw new ClauderonError('backend', `cannot start container ${backendId}: ${errorMessage(e)}`);
    }
  }

  async prepareAttach(backendId: string): Promise<void> {
    await this.startContainer(backendId);
  }

  attachCommand(backendId: string): string[] {
    return ['docker', ...(process.env.DOCKER_HOST ? [] : ['-H', `unix://${this.socket}`]), 'attach', `--detach-keys=${this.d.config.detach_keys}`, '--sig-proxy=false', backendId];
  }

  async output(backendId: string, lines: number): Promise<string> {
    const docker = await this.docker();
    try {
      const buf = await docker.getContainer(backendId).logs({ stdout: true, stderr: true, tail: lines, follow: false });
      return demux(buf);
    } catch (e) {
      if (statusOf(e) === 404) throw new ClauderonError('backend', `container ${backendId} is gone — run clauderon reconcile`);
      throw new ClauderonError('backend', `docker logs ${backendId}: ${errorMessage(e)}`);
    }
  }

  async health(backendId: string): Promise<BackendHealth> {
    const info = await this.inspect(backendId);
    if (!info) return { state: 'missing', exitCode: null };
    return info.State.Running ? { state: 'running', exitCode: null } : { state: 'exited', exitCode: info.State.ExitCode };
  }

  async listIds(): Promise<string[]> {
    const docker = await this.docker();
    const list = await this.dockerCall('list containers', () => docker.listContainers({ all: true, filters: { label: [`${LABEL_HOME}=${this.d.paths.home}`] } }));
    return list.filter((c) => c.Labels['clauderon.image-check'] !== '1').map((c) => (c.Names[0] ?? '').replace(/^\//, '')).filter(Boolean);
  }

  private async dockerCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ClauderonError) throw e;
      const msg = errorMessage(e);
      if (/ENOENT|ECONNREFUSED|EACCES/.test(msg)) throw new ClauderonError('backend_unavailable', `cannot reach Docker at ${this.socket} (${msg}) — is dockerd running, and may you use it?`);
      throw new ClauderonError('backend', `cannot ${what}: ${msg}`);
    }
  }
}

/** Claude Code's onboarding state for the container: no dialog stops the agent. */
function claudeState(skipChecks: boolean): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    bypassPermissionsModeAccepted: skipChecks,
    projects: { [CONTAINER.workspace]: { hasTrustDialogAccepted: true } },
    customApiKeyResponses: { approved: [PLACEHOLDERS.anthropicApiKey.slice(-20)], rejected: [] },
  };
}

function hostUser(): string {
  return `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
}

function dockerSocketFromEnv(): string {
  const h = process.env.DOCKER_HOST;
  if (h?.startsWith('unix://')) return h.slice('unix://'.length);
  return '/var/run/docker.sock';
}

function statusOf(e: unknown): number | null {
  const c = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof c === 'number' ? c : null;
}

function keyName(k: string): string {
  return k.trim().replace(/^ctrl-/i, 'Ctrl-');
}

/** Container logs: raw with a TTY, else Docker's 8-byte-header frames. */
function demux(buf: Buffer | string): string {
  if (typeof buf === 'string') return buf;
  if (buf.length >= 8 && (buf[0] === 1 || buf[0] === 2) && buf[1] === 0 && buf[2] === 0 && buf[3] === 0) {
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
      const len = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + len));
      i += 8 + len;
    }
    return Buffer.concat(parts).toString('utf8');
  }
  return buf.toString('utf8');
}
