// Sprites backend: one sprite per session (`clauderon-NAME`) through the documented Sprites API
// (client.ts; what was read where: fixtures/sprites/server.ts's header). The session's branch and
// files go in, and the agent's commits come back, over exec (transfer.ts); the agent reaches its
// proxy, which stays with the daemon, through the relay in the sprite over one exec stream
// (links.ts). The agent runs under `script` (its own pseudo-terminal, its output logged to a file in
// the sprite) started with `setsid`, so it survives the exec that started it and every disconnect:
// the docs' persistent exec sessions need TTY mode, whose framing the docs read do not spell out.
// Its input is a FIFO in the sprite. No credential is ever stored in the sprite: the Sprites token
// stays in the daemon (Authorization header only), the agent's environment has placeholders, and the
// session's proxy URL (with its password) and hook token go on the start exec's stdin into the
// starting shell's memory, never into a file, a command line or the exec URL.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';
import type { Paths } from '../../config/paths.js';
import { ClauderonError } from '../../shared/errors.js';
import { checkAgentCwd } from '../cwd.js';
import { fileKey, objectName, shellExports, TRANSCRIPT_SCRIPT } from '../kubernetes/objects.js';
import { putFileCommand } from '../kubernetes/transfer.js';
import { hostGit } from '../remote-work.js';
import { RELAY_PORTS } from '../relay/ports.js';
import { relayScriptSource } from '../relay/script.js';
import { screenText, settled } from '../screen-text.js';
import type { SessionTargets } from '../spec.js';
import type { RelayKeeper } from '../relay/keeper.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';
import { SpritesClient, type SpriteExec } from './client.js';
import { spriteRelays } from './links.js';
import type { SpritesConfig } from './spec.js';
import { spritesToken } from './token.js';
import { fetchSession, pushSession, SPRITE, type FetchResult } from './transfer.js';

const { Terminal } = xterm;

export interface SpritesBackendDeps {
  config: SpritesConfig;
  paths: Paths;
  env: Record<string, string>;
  targets?: SessionTargets | undefined;
}

/** The terminal size the agent is given (as Docker's and Kubernetes' agents). */
const SCREEN = { cols: 200, rows: 50 } as const;

/**
 * Run by `sh -c START_SCRIPT start CWD -- ARGV...`, the session's environment as `export` lines on
 * stdin: read into this shell's memory, the agent started detached (setsid) under `script` (a pty,
 * logged to SPRITE.log), its input the FIFO SPRITE.etc/agent.in, its exit status written when it ends.
 */
export const START_SCRIPT = [
  'set -e',
  '. /dev/stdin',
  'cd "$1" || exit 98',
  'shift 2',
  'q() { printf "\'%s\'" "$(printf %s "$1" | sed "s/\'/\'\\\\\\\\\'\'/g")"; }',
  `cmd="stty cols ${SCREEN.cols} rows ${SCREEN.rows} 2>/dev/null; exec"`,
  'for a in "$@"; do cmd="$cmd $(q "$a")"; done',
  `rm -f ${SPRITE.exit} ${SPRITE.etc}/agent.in`,
  `mkfifo -m 600 ${SPRITE.etc}/agent.in`,
  `rm -f ${SPRITE.pid}`,
  // (the pid is written by the detached shell itself — the leader of its new session, whatever
  // setsid did to start it — and this script returns once it is there, so a liveness check right
  // after the start finds it)
  `setsid sh -c 'echo $$ > "$5"; exec 3<>"$4"; script -q -f -e -c "$1" "$2" <&3 >/dev/null 2>&1; echo $? > "$3"' clauderon-agent "$cmd" ${SPRITE.log} ${SPRITE.exit} ${SPRITE.etc}/agent.in ${SPRITE.pid} </dev/null >/dev/null 2>&1 &`,
  `i=0; while [ ! -s ${SPRITE.pid} ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done`,
].join('\n');

/** Prints `running`, `exited CODE` or `gone` (no agent: never started, or a cold wake dropped it). */
const HEALTH_SCRIPT = `if [ -f ${SPRITE.exit} ]; then echo "exited $(cat ${SPRITE.exit})"; elif [ -f ${SPRITE.pid} ] && kill -0 "$(cat ${SPRITE.pid})" 2>/dev/null; then echo running; else echo gone; fi`;
/** A liveness exec with no answer in this long fails that pass (the next one asks again). */
const HEALTH_TIMEOUT_MS = 20_000;

/** Attach, in the sprite: the screen so far and what follows, and the keys into the agent's input. */
const ATTACH_SCRIPT = `stty raw -echo 2>/dev/null; tail -c 200000 -f ${SPRITE.log} & exec cat > ${SPRITE.etc}/agent.in`;

/** Ends the agent (its whole process group), if it runs. */
const KILL_SCRIPT = `[ -f ${SPRITE.pid} ] && kill -TERM -- "-$(cat ${SPRITE.pid})" 2>/dev/null; rm -f ${SPRITE.pid}; true`;

interface Mirror {
  term: InstanceType<typeof Terminal>;
  exec: SpriteExec | null;
  ready: Promise<void>;
}

export class SpritesBackend implements Backend {
  readonly name = 'sprites' as const;
  readonly detachHint = 'detach with Ctrl-P then Ctrl-Q';
  readonly agentFiles = ['.clauderon', '.cache', '.npm', '.config', '.local', '.bash_history', '.gitconfig'];
  private api: SpritesClient | null = null;
  private readonly links: RelayKeeper<string>;
  private readonly mirrors = new Map<string, Mirror>();

  constructor(private readonly d: SpritesBackendDeps) {
    this.links = spriteRelays(() => this.client(), d.targets);
  }

  private token(): { token: string; source: string } | null {
    // (the daemon's own environment: the agents' is scrubbed, and the token never goes to them)
    return spritesToken({ ...this.d.env, ...process.env });
  }

  private client(): SpritesClient {
    if (this.api) return this.api;
    const t = this.token();
    if (!t) throw new ClauderonError('backend', this.noToken());
    return (this.api = new SpritesClient(this.d.config.api_url, t.token));
  }

  private noToken(): string {
    return 'no Sprites token — set SPRITE_TOKEN (create one at sprites.dev/account), or sign in with `sprite org auth` (its token in ~/.sprites/sprites.json)';
  }

  unavailableReason(): string | null {
    if (!this.d.config.enabled) return 'the sprites backend is off — set [sprites] enabled = true in config.toml (it is verified against an API double only: docs/backends.md)';
    if (!this.token()) return this.noToken();
    return null;
  }

  idFor(name: string): string {
    return objectName(name);
  }

  /** Validate: the token is asked of the API itself before anything is made. */
  async prepare(): Promise<Record<string, never>> {
    await this.client().list('clauderon-');
    return {};
  }

  configHomePath(): string {
    return SPRITE.configHome;
  }

  agentSettingsPath(hostPath: string): string {
    return `${SPRITE.etc}/${fileKey(hostPath)}`;
  }

  translateEnv(env: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (v === this.d.paths.caCert) out[k] = SPRITE.caCert;
      else if (v === this.d.paths.caBundle) out[k] = SPRITE.caBundle;
      else if (/^(https?_proxy|HTTPS?_PROXY)$/.test(k)) out[k] = v.replace(/(@|\/\/)127\.0\.0\.1:\d+/, `$1127.0.0.1:${RELAY_PORTS.proxy}`);
      else if (k === 'CLAUDERON_HOOK_URL') out[k] = `http://127.0.0.1:${RELAY_PORTS.hooks}`;
      else out[k] = v;
    }
    return out;
  }

  // ------------------------------------------------------------ the sprite

  async create(ctx: BackendCreateContext): Promise<string> {
    const name = objectName(ctx.name);
    const c = this.client();
    await c.create(name);
    try {
      if (this.d.config.network === 'proxy-only') await c.setNetworkPolicy(name, [{ domain: '*', action: 'deny' }]);
      await this.start(name, ctx, false);
    } catch (e) {
      await this.delete(name).catch(() => undefined); // nothing of a failed create stays behind
      throw e;
    }
    return name;
  }

  private async start(name: string, ctx: BackendCreateContext, resume: boolean): Promise<void> {
    const c = this.client();
    const { relative } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const etcFiles: Record<string, string> = { 'relay.mjs': relayScriptSource() };
    if (existsSync(this.d.paths.caCert)) etcFiles['proxy-ca.pem'] = readFileSync(this.d.paths.caCert, 'utf8'); // (the certificate only)
    if (existsSync(this.d.paths.caBundle)) etcFiles['proxy-ca-bundle.pem'] = readFileSync(this.d.paths.caBundle, 'utf8');
    if (ctx.settingsFile && existsSync(ctx.settingsFile)) etcFiles[fileKey(ctx.settingsFile)] = readFileSync(ctx.settingsFile, 'utf8');
    const managed = ctx.env.HTTPS_PROXY && ctx.skipChecks ? ctx.agentHome.managedSettings : null;
    if (managed) etcFiles['managed-settings.json'] = `${JSON.stringify(managed.content, null, 2)}\n`;
    const branch = (await hostGit(ctx.worktreePath, ['symbolic-ref', '--short', 'HEAD'])).trim();
    const get = (k: string) => hostGit(ctx.worktreePath, ['config', '--get', k]).then((v) => v.trim() || null, () => null);
    await pushSession(c, name, join(this.d.paths.sessions, ctx.sessionId), {
      worktreePath: ctx.worktreePath,
      branch,
      configHome: ctx.configHome?.host ?? null,
      state: ctx.agentHome.state,
      etcFiles,
      excludes: [...this.agentFiles, '.claude/', ...(ctx.agentHome.files ?? []), ...ctx.agentHome.state.map((s) => s.file)],
      identity: { name: await get('user.name'), email: await get('user.email') },
      keepExisting: resume,
    });
    if (managed) {
      const r = await c.run(name, ['sh', '-c', 'if [ "$(id -u)" = 0 ]; then s=; else s="sudo -n"; fi; $s mkdir -p "$(dirname "$2")" && $s cp "$1" "$2"', 'managed', `${SPRITE.etc}/managed-settings.json`, managed.path]);
      if (r.code !== 0) throw new ClauderonError('backend', `sprite ${name} could not take the managed settings at ${managed.path}: ${r.stderr.trim().slice(-300)}`);
    }
    await this.links.ensure(ctx.sessionId, name, true);
    const env = {
      ...this.translateEnv(ctx.env),
      HOME: SPRITE.workspace,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: SPRITE.workspace,
    };
    const cwd = relative ? `${SPRITE.workspace}/${relative}` : SPRITE.workspace;
    // the environment (its secrets too) on stdin: never in the exec's URL, a file or a command line
    const r = await c.run(name, ['sh', '-c', START_SCRIPT, 'start', cwd, '--', ...ctx.argv], { input: Buffer.from(shellExports(env)) });
    if (r.code !== 0) throw new ClauderonError('backend', `the agent did not start in sprite ${name} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-400)}`);
    this.dropMirror(name);
  }

  async reconnect(backendId: string, sessionId: string): Promise<void> {
    if ((await this.health(backendId)).state !== 'missing') await this.links.ensure(sessionId, backendId, false);
  }

  // ------------------------------------------------------------ work back

  async fetchWork(backendId: string, target: { worktreePath: string; branchName: string; sessionId: string }): Promise<FetchResult | null> {
    const c = this.client();
    if (!(await c.get(backendId))) return null;
    return fetchSession(c, backendId, join(this.d.paths.sessions, target.sessionId), { worktreePath: target.worktreePath, branch: target.branchName });
  }

  async readTranscript(backendId: string, q: { roots: readonly string[]; sessionId: string; hinted: string | null; find: 'session-id' | 'newest'; maxBytes: number }): Promise<{ text: string; size: number } | null> {
    const c = this.client();
    if (!(await c.get(backendId))) return null;
    const r = await c.run(backendId, ['sh', '-c', TRANSCRIPT_SCRIPT, 'transcript', String(q.maxBytes), q.find, q.sessionId, q.hinted ?? '', ...q.roots], { maxOutput: q.maxBytes + 64 });
    if (r.code === 3) return null;
    if (r.code !== 0) throw new ClauderonError('backend', `reading the transcript in sprite ${backendId} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
    const nl = r.stdout.indexOf('\n');
    const size = Number(r.stdout.slice(0, nl));
    if (nl < 0 || !Number.isSafeInteger(size)) throw new ClauderonError('backend', `reading the transcript in sprite ${backendId}: an unexpected answer`);
    return { text: r.stdout.slice(nl + 1), size };
  }

  async writeAgentFile(backendId: string, path: string, data: Buffer): Promise<void> {
    const c = this.client();
    if (!(await c.get(backendId))) throw new ClauderonError('conflict', `sprite ${backendId} is gone — reconcile`);
    const r = await c.run(backendId, putFileCommand(path, data.length), { input: data, maxOutput: 4096 });
    if (r.code !== 0) throw new ClauderonError('backend', `sprite ${backendId} could not write ${path} (exit ${r.code})${r.stderr.trim() ? `: ${r.stderr.trim().slice(-300)}` : ''}`);
  }

  // ------------------------------------------------------------ lifecycle

  async exists(backendId: string): Promise<boolean> {
    return (await this.client().get(backendId)) !== null;
  }

  /** Destroys the sprite (the core fetched the agent's commits back first: fetchWork). */
  async delete(backendId: string): Promise<void> {
    this.links.drop(backendId);
    this.dropMirror(backendId);
    await this.client().destroy(backendId);
  }

  /** Archive: the agent ends, a checkpoint is taken, and with nothing left running the sprite sleeps. */
  async stop(backendId: string): Promise<void> {
    this.links.drop(backendId);
    this.dropMirror(backendId);
    const c = this.client();
    if (!(await c.get(backendId))) return;
    await c.run(backendId, ['sh', '-c', KILL_SCRIPT]);
    await c.checkpoint(backendId, 'clauderon: archived');
  }

  /** Unarchive: any request wakes the sprite; its filesystem is kept, so the agent starts again on it. */
  async resume(backendId: string, ctx: BackendCreateContext): Promise<string> {
    const c = this.client();
    if (!(await c.get(backendId))) return this.create(ctx);
    this.links.drop(backendId);
    await c.run(backendId, ['sh', '-c', KILL_SCRIPT]);
    await this.start(backendId, ctx, true);
    return backendId;
  }

  /**
   * The agent's own terminal through the `sprite` CLI (docs.sprites.dev: `sprite exec -s NAME --tty
   * -- CMD`, "Working with Sprites" and the CLI reference's `-s, --sprite`): in the sprite, the tail
   * of the agent's log is shown and the keys typed go into its input FIFO, the remote terminal raw.
   * Run under clauderon's own pty wrapper, which detaches on Ctrl-P Ctrl-Q (cli/commands/detachable.ts),
   * as Kubernetes' attach is. NOT verified: no `sprite` CLI runs here, and whether it takes the token
   * from SPRITE_TOKEN or only its own stored one is not said on the pages read.
   */
  attachCommand(backendId: string): string[] {
    const sprite = ['sprite', 'exec', '-s', backendId, '--tty', '--', 'sh', '-c', ATTACH_SCRIPT];
    const bin = process.argv[1];
    return bin && /clauderon(\.js)?$/.test(bin) ? [process.execPath, bin, 'detachable', '--', ...sprite] : sprite;
  }

  // ------------------------------------------------------------ screen, health

  /** The agent's screen: its log in the sprite (from the start, then followed) through a headless terminal. */
  async output(backendId: string, lines: number): Promise<string> {
    let m = this.mirrors.get(backendId);
    if (!m) {
      const term = new Terminal({ cols: SCREEN.cols, rows: SCREEN.rows, scrollback: 2000, allowProposedApi: true });
      const mirror: Mirror = { term, exec: null, ready: Promise.resolve() };
      mirror.ready = (async () => {
        const ex = await this.client().exec(backendId, ['tail', '-c', '+1', '-F', SPRITE.log]);
        mirror.exec = ex;
        let last = Date.now();
        const sink = new PassThrough();
        sink.on('data', (d: Buffer) => {
          last = Date.now();
          term.write(d);
        });
        ex.stdout.pipe(sink);
        void ex.exit.catch(() => undefined).finally(() => {
          if (this.mirrors.get(backendId) === mirror) this.dropMirror(backendId);
        });
        await settled(() => last);
      })().catch((e: unknown) => {
        this.dropMirror(backendId);
        throw e;
      });
      this.mirrors.set(backendId, mirror);
      m = mirror;
    }
    await m.ready;
    return screenText(m.term, lines);
  }

  private dropMirror(id: string): void {
    const m = this.mirrors.get(id);
    if (!m) return;
    this.mirrors.delete(id);
    m.exec?.close();
    m.term.dispose();
  }

  async health(backendId: string): Promise<BackendHealth> {
    const c = this.client();
    if (!(await c.get(backendId))) return { state: 'missing', exitCode: null };
    // (bounded: the daemon's liveness pass waits for every sprite's answer before the next pass)
    const r = await c.run(backendId, ['sh', '-c', HEALTH_SCRIPT], { timeoutMs: HEALTH_TIMEOUT_MS });
    const out = r.stdout.trim();
    if (out === 'running') return { state: 'running', exitCode: null };
    const m = /^exited (\d+)$/.exec(out);
    return { state: 'exited', exitCode: m ? Number(m[1]) : null };
  }

  /**
   * Liveness, polled by the daemon while sessions run: one GET and one short exec per sprite (the API
   * has no event stream of a sprite's processes). Throws when the API could not be asked.
   */
  async healthOf(ids: readonly string[]): Promise<Map<string, BackendHealth>> {
    const out = new Map<string, BackendHealth>();
    await Promise.all(ids.map(async (id) => out.set(id, await this.health(id))));
    return out;
  }

  /** This organisation's sprites named as clauderon names them (not all need be this home's: ownsNamespace is false). */
  async listIds(): Promise<string[]> {
    return (await this.client().list('clauderon-')).map((s) => s.name);
  }

  close(): void {
    this.links.closeAll();
    for (const id of [...this.mirrors.keys()]) this.dropMirror(id);
  }
}

