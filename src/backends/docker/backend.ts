// Docker backend: one container per session (`clauderon-NAME`), labelled with the session and the
// clauderon home, running the agent as the host user with the worktree at /workspace. The agent
// reaches its session's proxy (on the host) with placeholders only; no secret, no CA key, no
// database and no clauderon home is ever mounted. dockerode is loaded only when a Docker session
// is touched (it costs ~0.6 s to load). What the container is made of is container.ts (pure); the
// image's pull and check are image.ts; the isolated network's relay is relay.ts; this file is the
// lifecycle.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { Paths } from '../../config/paths.js';
import { ClauderonError, errorMessage } from '../../shared/errors.js';
import { checkAgentCwd } from '../cwd.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';
import {
  agentSettingsPath,
  binds,
  configHomeBind,
  CONTAINER,
  containerOptions,
  LABEL_HOME,
  LABEL_IMAGE_CHECK,
  LABEL_SESSION,
  parseMemory,
  sessionFiles,
  settingsBind,
  translateEnv,
  wantsManagedSettings,
  type DockerOptions,
} from './container.js';
import { dockerCall, dockerSocketFromEnv, statusOf, type DockerCall } from './engine.js';
import { bridgeGateway, checkImage, ensureImage } from './image.js';
import { dockerRelays, prepareRelayDir, type DockerRelayAt } from './relay.js';
import { ContainerScreens, SCREEN } from './screen.js';
import type { SessionTargets } from '../spec.js';
import type { RelayKeeper } from '../relay/keeper.js';
import type { DockerConfig, DockerRequest } from './spec.js';

export { CONTAINER, parseMemory, type DockerOptions };

export interface DockerBackendDeps {
  config: DockerConfig;
  paths: Paths;
  /** The engine's socket (default: DOCKER_HOST's unix:// path, or /var/run/docker.sock). */
  socketPath?: string | undefined;
  /** The session's proxy and the hooks port on this host (the isolated network's relay joins them). */
  targets?: SessionTargets | undefined;
}

export class DockerBackend implements Backend {
  readonly name = 'docker' as const;
  readonly detachHint: string;
  /** `docker attach` ends with "read escape sequence" and status 1 when the detach keys are typed. */
  readonly detachExitCodes = [1];
  /** What any agent's home (the worktree) gathers that is not the user's work; each agent adds its own (its spec). */
  readonly agentFiles = ['.clauderon', '.cache', '.npm', '.config', '.local', '.bash_history'];
  private client: Dockerode | null = null;
  /** Each container's screen, mirrored (screen.ts): what `output` reads. */
  private readonly screens = new ContainerScreens(() => this.docker());
  private readonly socket: string;
  private readonly call: DockerCall;
  private readonly relays: RelayKeeper<DockerRelayAt>;

  constructor(private readonly d: DockerBackendDeps) {
    this.socket = d.socketPath ?? dockerSocketFromEnv();
    this.call = dockerCall(this.socket);
    this.relays = dockerRelays({ docker: this.cli(), targets: d.targets, running: async (id) => (await this.inspect(id))?.State.Running === true });
    this.detachHint = `detach with ${d.config.detach_keys.split(',').map(keyName).join(' then ')}`;
  }

  unavailableReason(): string | null {
    return existsSync(this.socket)
      ? null
      : `Docker is not running (no ${this.socket}) — start it (sudo systemctl start docker, or dockerd), set DOCKER_HOST, or use the tmux backend`;
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

  /** `refresh`: fetch the image again (unless the policy is never); the stored policy is kept. */
  async prepare(req: DockerRequest, agentCommand: string, opts: { refresh?: boolean } = {}): Promise<DockerOptions> {
    const docker = await this.docker();
    const image = req.image ?? this.d.config.image;
    const pullPolicy = req.pullPolicy ?? this.d.config.pull_policy;
    const cpuLimit = req.cpuLimit ?? this.d.config.cpu_limit ?? null;
    const memoryLimit = req.memoryLimit ?? this.d.config.memory_limit ?? null;
    if (cpuLimit !== null && !(cpuLimit > 0 && cpuLimit <= 1024)) throw new ClauderonError('invalid_input', `invalid CPU limit ${cpuLimit}: expected a number of CPUs above 0 (e.g. 2 or 0.5)`, { field: 'option:cpuLimit' });
    if (memoryLimit !== null && parseMemory(memoryLimit) === null) {
      throw new ClauderonError('invalid_input', `invalid memory limit "${memoryLimit}": expected a size such as 512m or 4g (at least 6m)`, { field: 'option:memoryLimit' });
    }
    await this.call('check the Docker engine', () => docker.ping());
    let gateway: string | null = null;
    if (this.d.config.network === 'bridge') gateway = await bridgeGateway(docker);
    const imageId = await ensureImage(docker, image, opts.refresh && pullPolicy !== 'never' ? 'always' : pullPolicy);
    const missing = await checkImage(docker, this.call, { image, imageId, agentCommand, home: this.d.paths.home, needsNode: this.d.config.network === 'isolated' });
    if (missing) throw new ClauderonError('backend', `image ${image} cannot run a clauderon session: it lacks ${missing} — see examples/ for images that work`);
    return { image, pullPolicy, cpuLimit, memoryLimit, network: this.d.config.network, gateway };
  }

  // ------------------------------------------------------------ the container

  close(): void {
    this.screens.closeAll();
    this.relays.closeAll();
  }

  /** The docker CLI naming this engine (attach, the isolated network's relay). */
  private cli(): string[] {
    return ['docker', ...(process.env.DOCKER_HOST ? [] : ['-H', `unix://${this.socket}`])];
  }

  /** An isolated container's relay directory on the host (sessions/ID/relay), or null for other networks. */
  private relayDirOf(info: Dockerode.ContainerInspectInfo | null): { sessionId: string; dir: string } | null {
    const sessionId = info?.Config.Labels?.[LABEL_SESSION];
    if (!info || !sessionId || info.HostConfig.NetworkMode !== 'none') return null;
    return { sessionId, dir: join(this.d.paths.sessions, sessionId, 'relay') };
  }

  configHomePath(): string {
    return CONTAINER.configHome;
  }

  agentSettingsPath(hostPath: string): string {
    return agentSettingsPath(hostPath);
  }

  proxyBind(options: unknown): string[] {
    const o = options as DockerOptions | null;
    return o?.network === 'bridge' && o.gateway ? [o.gateway] : [];
  }

  translateEnv(env: Record<string, string>, options: unknown): Record<string, string> {
    return translateEnv(env, options as DockerOptions | null, this.d.paths);
  }

  async create(ctx: BackendCreateContext): Promise<string> {
    const o = ctx.options as DockerOptions | null;
    if (!o) throw new ClauderonError('internal', 'a Docker session needs its options (prepare was not called)');
    // the worktree is mounted at /workspace: the agent starts at the same place inside it
    const { relative } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const docker = await this.docker();
    const id = this.idFor(ctx.name);
    this.writeSessionFiles(ctx);
    const relayDir = sessionFiles(ctx, this.d.paths).relayDir;
    if (o.network === 'isolated') prepareRelayDir(relayDir);
    const spec = containerOptions({ id, ctx, options: o, config: this.d.config, paths: this.d.paths, relativeCwd: relative, binds: binds(ctx, this.d.paths, existsSync, o.network) });
    const container = await this.call(`create container ${id}`, () => docker.createContainer(spec));
    try {
      await container.start();
      // isolated: the agent waits until its relay listens (relay.ts)
      if (o.network === 'isolated') await this.relays.ensure(ctx.sessionId, { container: id, dir: relayDir }, true);
    } catch (e) {
      this.relays.drop(id);
      await container.remove({ force: true }).catch(() => undefined);
      throw e instanceof ClauderonError ? e : new ClauderonError('backend', `cannot start container ${id}: ${errorMessage(e)}`);
    }
    await this.sized(id);
    return id;
  }

  /**
   * A started container's TTY gets a size (else a full-screen agent draws into 0×0 until someone
   * attaches), and its screen mirror starts afresh.
   */
  private async sized(id: string): Promise<void> {
    this.screens.drop(id);
    const docker = await this.docker();
    await docker
      .getContainer(id)
      .resize({ h: SCREEN.rows, w: SCREEN.cols })
      .catch(() => undefined); // (it may have exited already: its health says so)
  }

  /** The host files the container's mounts name: its session dir, uploads, the agent's state, managed settings. */
  private writeSessionFiles(ctx: BackendCreateContext): void {
    const f = sessionFiles(ctx, this.d.paths);
    mkdirSync(f.sessionDir, { recursive: true, mode: 0o700 });
    mkdirSync(f.uploads, { recursive: true, mode: 0o700 });
    mkdirSync(f.uploadsIn, { recursive: true });
    for (const s of f.state) {
      if (!existsSync(s.host)) writeFileSync(s.host, `${JSON.stringify(s.content, null, 2)}\n`, { mode: 0o600 });
      if (!existsSync(s.inWorktree)) writeFileSync(s.inWorktree, ''); // its mount point, made by us
    }
    const managed = wantsManagedSettings(ctx);
    if (managed) writeFileSync(f.managed, `${JSON.stringify(managed.content, null, 2)}\n`, { mode: 0o644 });
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
    this.screens.drop(backendId);
    this.relays.drop(backendId);
    const docker = await this.docker();
    try {
      await docker.getContainer(backendId).remove({ force: true });
    } catch (e) {
      if (statusOf(e) !== 404) throw new ClauderonError('backend', `cannot remove container ${backendId}: ${errorMessage(e)}`);
    }
  }

  async stop(backendId: string): Promise<void> {
    this.relays.drop(backendId);
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
    const mounted = info?.HostConfig.Binds ?? [];
    const sameSettings = (!ctx.settingsFile || mounted.includes(settingsBind(ctx.settingsFile))) && (!ctx.configHome || mounted.includes(configHomeBind(ctx.configHome)));
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
    const info = await this.inspect(backendId);
    const relay = this.relayDirOf(info);
    try {
      if (relay && !info?.State.Running) prepareRelayDir(relay.dir); // the agent waits for this start's relay
      await docker.getContainer(backendId).start();
    } catch (e) {
      if (statusOf(e) === 304) {
        // running already: its screen goes on (and its relay, linked again if it broke)
        if (relay) await this.relays.ensure(relay.sessionId, { container: backendId, dir: relay.dir }, false);
        return;
      }
      throw new ClauderonError('backend', `cannot start container ${backendId}: ${errorMessage(e)}`);
    }
    if (relay) await this.relays.ensure(relay.sessionId, { container: backendId, dir: relay.dir }, true);
    await this.sized(backendId);
  }

  /** After a daemon restart: the relay of a live isolated session, linked again. */
  async reconnect(backendId: string): Promise<void> {
    const info = await this.inspect(backendId);
    const relay = this.relayDirOf(info);
    if (relay && info?.State.Running) await this.relays.ensure(relay.sessionId, { container: backendId, dir: relay.dir }, false);
  }

  async prepareAttach(backendId: string): Promise<void> {
    await this.startContainer(backendId);
  }

  attachCommand(backendId: string): string[] {
    return [...this.cli(), 'attach', `--detach-keys=${this.d.config.detach_keys}`, '--sig-proxy=false', backendId];
  }

  async output(backendId: string, lines: number): Promise<string> {
    try {
      return await this.screens.text(backendId, lines);
    } catch (e) {
      if (statusOf(e) === 404) throw new ClauderonError('backend', `container ${backendId} is gone — reconcile`);
      throw new ClauderonError('backend', `docker logs ${backendId}: ${errorMessage(e)}`);
    }
  }

  async health(backendId: string): Promise<BackendHealth> {
    const info = await this.inspect(backendId);
    if (!info) return { state: 'missing', exitCode: null };
    return info.State.Running ? { state: 'running', exitCode: null } : { state: 'exited', exitCode: info.State.ExitCode };
  }

  /** One engine call for all of this home's containers (the exit status from "Exited (N) …"). */
  async healthOf(ids: readonly string[]): Promise<Map<string, BackendHealth>> {
    const docker = await this.docker();
    const list = await this.call('list containers', () => docker.listContainers({ all: true, filters: { label: [`${LABEL_HOME}=${this.d.paths.home}`] } }));
    const byName = new Map(list.map((c) => [(c.Names[0] ?? '').replace(/^\//, ''), c] as const));
    const out = new Map<string, BackendHealth>();
    for (const id of ids) {
      const c = byName.get(id);
      if (!c) out.set(id, { state: 'missing', exitCode: null });
      else if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') out.set(id, { state: 'running', exitCode: null });
      else if (c.State === 'exited' || c.State === 'dead') {
        const code = /Exited \((\d+)\)/.exec(c.Status)?.[1];
        out.set(id, { state: 'exited', exitCode: code !== undefined ? Number(code) : null });
      }
      // (created, removing: not yet known)
    }
    return out;
  }

  /**
   * The engine's event stream, only this home's containers' die and destroy (no polling): each
   * calls onChange with the container's name.
   */
  watch(on: { onChange(id: string): void; onOpen(): void; onError(e: unknown): void }): () => void {
    let stream: NodeJS.ReadableStream | null = null;
    let stopped = false;
    let failed = false;
    const fail = (e: unknown) => {
      if (stopped || failed) return;
      failed = true;
      on.onError(e);
    };
    void (async () => {
      const docker = await this.docker();
      const filters = { type: ['container' as const], event: ['die', 'destroy'], label: [`${LABEL_HOME}=${this.d.paths.home}`] };
      const s = await docker.getEvents({ filters });
      if (stopped) return destroyStream(s);
      stream = s;
      let buf = '';
      s.on('data', (chunk: Buffer | string) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const name = containerNameOf(line);
          if (name) on.onChange(name);
        }
        if (buf.length > 1 << 20) buf = ''; // no line is that long: the engine is not speaking JSON lines
      });
      s.on('error', fail);
      s.on('end', () => fail(new Error('the Docker event stream ended')));
      on.onOpen();
    })().catch(fail);
    return () => {
      stopped = true;
      if (stream) destroyStream(stream);
    };
  }

  async listIds(): Promise<string[]> {
    const docker = await this.docker();
    const list = await this.call('list containers', () => docker.listContainers({ all: true, filters: { label: [`${LABEL_HOME}=${this.d.paths.home}`] } }));
    return list.filter((c) => c.Labels[LABEL_IMAGE_CHECK] !== '1').map((c) => (c.Names[0] ?? '').replace(/^\//, '')).filter(Boolean);
  }
}

/** The container's name in one line of the engine's event stream (JSON), or null. */
export function containerNameOf(line: string): string | null {
  try {
    const e = JSON.parse(line) as { Actor?: { Attributes?: { name?: unknown } } } | null;
    const name = e?.Actor?.Attributes?.name;
    return typeof name === 'string' && name !== '' ? name : null;
  } catch {
    return null;
  }
}

function destroyStream(s: NodeJS.ReadableStream): void {
  (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

function keyName(k: string): string {
  return k.trim().replace(/^ctrl-/i, 'Ctrl-');
}
