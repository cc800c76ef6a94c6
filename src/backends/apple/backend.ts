// Apple Container backend: one container (a lightweight VM) per session, `clauderon-NAME`, made and
// driven only through Apple's `container` CLI (never Docker's). What it holds is what a Docker
// session holds (container.ts's pure builders: the worktree at /workspace, the repository's git dir
// at its own path, uploads, the CA, the agent's state and settings — placeholders only); its
// environment goes in through an `--env-file` (0600, removed once the container is made), so the
// proxy's session credential is never on a command line. The agent reaches its session's proxy at
// the host's address on the container network (vmnet's gateway, [apple] host_address), where that
// proxy listens while the session lives. Unavailable anywhere but macOS 26+ on Apple silicon.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from '../../config/paths.js';
import { ClauderonError } from '../../shared/errors.js';
import { checkAgentCwd } from '../cwd.js';
import { agentSettingsPath, binds, CONTAINER, hostUser, LABEL_HOME, LABEL_NAME, LABEL_SESSION, sessionFiles, wantsManagedSettings } from '../docker/container.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';
import { cliError, containerCli, envFile, isNotFound, parseAppleMemory, parseList, type AppleContainer, type ContainerCli } from './cli.js';
import { currentPlatform, onPath, platformProblem } from './platform.js';
import type { AppleConfig, AppleRequest } from './spec.js';

/** Stored with each Apple session (session_backend_options). */
export interface AppleOptions {
  image: string;
  cpuLimit: number | null;
  memoryLimit: string | null;
  /** Where the container reaches this host (the proxy listens there too). */
  hostAddress: string;
}

export interface AppleBackendDeps {
  config: AppleConfig;
  paths: Paths;
  /** The environment `container` runs with (the daemon's, scrubbed of credentials). */
  env: Record<string, string>;
  /** Tests: a stand-in for the CLI. */
  cli?: ContainerCli;
}

const PROXY_VARS = /^(https?_proxy|HTTPS?_PROXY|CLAUDERON_HOOK_URL)$/;

/** The agent's environment as seen from inside: our CA files at their mount points, the proxy and hooks at the host address. */
export function translateAppleEnv(env: Record<string, string>, o: AppleOptions | null, paths: Pick<Paths, 'caCert' | 'caBundle'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === paths.caCert) out[k] = CONTAINER.caCert;
    else if (v === paths.caBundle) out[k] = CONTAINER.caBundle;
    else if (o && PROXY_VARS.test(k)) out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:/, `$1${o.hostAddress}:`);
    else out[k] = v;
  }
  return out;
}

/** `-v HOST:DEST` for read-write binds, `--mount type=bind,…,readonly` for read-only ones (both in the command reference). */
export function mountArgs(bindList: readonly string[]): string[] {
  return bindList.flatMap((b) => {
    const ro = b.endsWith(':ro');
    const [source, target] = (ro ? b.slice(0, -3) : b).split(':');
    if (!source || !target) throw new ClauderonError('internal', `bad bind ${b}`);
    return ro ? ['--mount', `type=bind,source=${source},target=${target},readonly`] : ['-v', `${source}:${target}`];
  });
}

export class AppleBackend implements Backend {
  readonly name = 'apple' as const;
  readonly detachHint = 'this is a shell beside the agent (Apple\'s CLI cannot attach to it): exit it to come back; the agent keeps running';
  /** What any agent's home (the worktree) gathers that is not the user's work. */
  readonly agentFiles = ['.clauderon', '.cache', '.npm', '.config', '.local', '.bash_history'];
  private readonly cli: ContainerCli;

  constructor(private readonly d: AppleBackendDeps) {
    this.cli = d.cli ?? containerCli(d.env);
  }

  unavailableReason(): string | null {
    // (the platform is the daemon's own: its env, where a test says which to pretend; the tools' env is scrubbed of CLAUDERON_TEST_*)
    const p = platformProblem(currentPlatform(process.env));
    if (p) return p;
    if (!this.d.cli && !onPath('container', this.d.env.PATH)) return 'Apple\'s container CLI is not on PATH — install it from https://github.com/apple/container/releases and run `container system start`, or use the docker backend';
    return null;
  }

  idFor(name: string): string {
    return `clauderon-${name}`;
  }

  private async run(what: string, args: string[], opts: { notFoundOk?: boolean; timeoutMs?: number } = {}): Promise<string | null> {
    const r = await this.cli(args, opts);
    if (r.code === 0) return r.stdout;
    if (opts.notFoundOk && isNotFound(r)) return null;
    throw new ClauderonError('backend', `container ${args[0] ?? ''} (${what}) failed: ${cliError(r)}`);
  }

  /** This home's containers (and, with `all`, every container the CLI lists). */
  private async list(): Promise<AppleContainer[]> {
    return parseList((await this.run('list containers', ['list', '--all', '--format', 'json'])) ?? '[]');
  }

  private async find(id: string): Promise<AppleContainer | null> {
    return (await this.list()).find((c) => c.id === id) ?? null;
  }

  // ------------------------------------------------------------ validate

  /** `refresh`: `container image pull` first, so the re-created container runs the image's newest version. */
  async prepare(req: AppleRequest, _agentCommand?: string, opts: { refresh?: boolean } = {}): Promise<AppleOptions> {
    const o = this.optionsFor(req);
    if (opts.refresh) await this.run(`pull ${o.image}`, ['image', 'pull', '--progress', 'none', o.image], { timeoutMs: 30 * 60_000 });
    return o;
  }

  /** The limits checked as Apple's CLI would take them (nothing to fetch on create: `container run` pulls a missing image). */
  private optionsFor(req: AppleRequest): AppleOptions {
    const image = req.image ?? this.d.config.image;
    const cpuLimit = req.cpuLimit ?? this.d.config.cpu_limit ?? null;
    const memoryLimit = req.memoryLimit ?? this.d.config.memory_limit ?? null;
    if (cpuLimit !== null && !(Number.isInteger(cpuLimit) && cpuLimit >= 1 && cpuLimit <= 1024)) {
      throw new ClauderonError('invalid_input', `invalid CPU limit ${cpuLimit}: Apple's container takes a whole number of CPUs (e.g. 2)`, { field: 'option:cpuLimit' });
    }
    if (memoryLimit !== null && parseAppleMemory(memoryLimit) === null) {
      throw new ClauderonError('invalid_input', `invalid memory limit "${memoryLimit}": expected a size such as 512m or 4g (at least 1m)`, { field: 'option:memoryLimit' });
    }
    return { image, cpuLimit, memoryLimit, hostAddress: this.d.config.host_address };
  }

  proxyBind(options: unknown): string[] {
    const o = options as AppleOptions | null;
    return o && o.hostAddress !== '127.0.0.1' ? [o.hostAddress] : [];
  }

  translateEnv(env: Record<string, string>, options: unknown): Record<string, string> {
    return translateAppleEnv(env, options as AppleOptions | null, this.d.paths);
  }

  configHomePath(): string {
    return CONTAINER.configHome;
  }

  agentSettingsPath(hostPath: string): string {
    return agentSettingsPath(hostPath);
  }

  // ------------------------------------------------------------ the container

  async create(ctx: BackendCreateContext): Promise<string> {
    const o = ctx.options as AppleOptions | null;
    if (!o) throw new ClauderonError('internal', 'an Apple session needs its options (prepare was not called)');
    const { relative } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const id = this.idFor(ctx.name);
    if (id.length > 63) throw new ClauderonError('invalid_input', `container name ${id} is longer than Apple's 63 characters — pick a shorter --name`);
    const f = this.writeSessionFiles(ctx);
    const env = { ...Object.fromEntries(this.d.config.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])), ...this.translateEnv(ctx.env, o), HOME: CONTAINER.workspace, TERM: 'xterm-256color' };
    const envPath = join(f.sessionDir, 'apple.env');
    writeFileSync(envPath, envFile(env), { mode: 0o600 });
    const args = [
      'run', '-d', '-i', '-t', '--init',
      '--name', id,
      '-l', `${LABEL_SESSION}=${ctx.sessionId}`, '-l', `${LABEL_NAME}=${ctx.name}`, '-l', `${LABEL_HOME}=${this.d.paths.home}`,
      '-u', hostUser(),
      '-w', relative ? `${CONTAINER.workspace}/${relative}` : CONTAINER.workspace,
      '--env-file', envPath,
      ...mountArgs(binds(ctx, this.d.paths, existsSync, 'host')),
      ...(o.cpuLimit !== null ? ['--cpus', String(o.cpuLimit)] : []),
      ...(o.memoryLimit !== null ? ['--memory', o.memoryLimit.replace(/\s+/g, '')] : []),
      o.image,
      ...ctx.argv,
    ];
    try {
      await this.run(`create ${id}`, args, { timeoutMs: 600_000 });
    } catch (e) {
      await this.cli(['delete', '--force', id]).catch(() => undefined);
      throw e;
    } finally {
      rmSync(envPath, { force: true }); // (read once: the container keeps its environment)
    }
    return id;
  }

  /** The host files the mounts name: the session dir, uploads, the agent's state, managed settings. */
  private writeSessionFiles(ctx: BackendCreateContext): ReturnType<typeof sessionFiles> {
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
    return f;
  }

  async exists(backendId: string): Promise<boolean> {
    return (await this.find(backendId)) !== null;
  }

  async delete(backendId: string): Promise<void> {
    await this.run(`delete ${backendId}`, ['delete', '--force', backendId], { notFoundOk: true });
  }

  async stop(backendId: string): Promise<void> {
    await this.run(`stop ${backendId}`, ['stop', backendId], { notFoundOk: true });
  }

  async resume(backendId: string, ctx: BackendCreateContext): Promise<string> {
    await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const c = await this.find(backendId);
    const want = this.translateEnv(ctx.env, ctx.options);
    const envOf = (k: string) => c?.environment.filter((e) => e.startsWith(`${k}=`)).at(-1)?.slice(k.length + 1);
    const fits = c !== null && c.image === (ctx.options as AppleOptions).image && ['HTTPS_PROXY', 'ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'].every((k) => envOf(k) === want[k]);
    if (c && fits) {
      if (c.state !== 'running') await this.run(`start ${backendId}`, ['start', backendId]);
      return backendId;
    }
    // the proxy moved (or the image changed): a new container, the same worktree
    await this.delete(backendId);
    return this.create(ctx);
  }

  async prepareAttach(backendId: string): Promise<void> {
    const c = await this.find(backendId);
    if (!c) throw new ClauderonError('backend', `container ${backendId} is gone — reconcile`);
    if (c.state !== 'running') await this.run(`start ${backendId}`, ['start', backendId]);
  }

  attachCommand(backendId: string): string[] {
    return ['container', 'exec', '-i', '-t', '-w', CONTAINER.workspace, backendId, 'bash'];
  }

  async output(backendId: string, lines: number): Promise<string> {
    const out = await this.run(`logs ${backendId}`, ['logs', '-n', String(Math.max(1, Math.floor(lines))), backendId], { notFoundOk: true });
    if (out === null) throw new ClauderonError('backend', `container ${backendId} is gone — reconcile`);
    // (a TTY's output: carriage returns and the terminal's escapes left out)
    // eslint-disable-next-line no-control-regex
    return out.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  }

  async health(backendId: string): Promise<BackendHealth> {
    return (await this.healthOf([backendId])).get(backendId) ?? { state: 'missing', exitCode: null };
  }

  /** One `container list` for all of them (Apple's list has no exit status: null). */
  async healthOf(ids: readonly string[]): Promise<Map<string, BackendHealth>> {
    const byId = new Map((await this.list()).map((c) => [c.id, c] as const));
    const out = new Map<string, BackendHealth>();
    for (const id of ids) {
      const c = byId.get(id);
      if (!c) out.set(id, { state: 'missing', exitCode: null });
      else if (c.state === 'running' || c.state === 'stopping') out.set(id, { state: 'running', exitCode: null });
      else if (c.state === 'stopped') out.set(id, { state: 'exited', exitCode: null });
      // (unknown: not yet known)
    }
    return out;
  }

  async listIds(): Promise<string[]> {
    return (await this.list()).filter((c) => c.labels[LABEL_HOME] === this.d.paths.home).map((c) => c.id);
  }
}
