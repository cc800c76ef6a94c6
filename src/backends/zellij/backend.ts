// Zellij backend (the default): a named background Zellij session whose focused pane runs the
// agent in the worktree. Zellij panes get the environment of the process that started the
// session's server, not of later `zellij run` callers, so the agent's environment is passed on
// its command line through `env K=V … agent`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ClauderonError } from '../../shared/errors.js';
import { which } from '../../shared/which.js';
import { checkAgentCwd } from '../cwd.js';
import { oneLine, trimTrailingBlankLines } from '../tmux/backend.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';

export const ZELLIJ_PREFIX = 'clauderon-';

export class ZellijBackend implements Backend {
  readonly name = 'zellij' as const;
  readonly detachHint = 'detach with Ctrl-o d (older keymaps: Ctrl-p d)';

  constructor(private readonly env: Record<string, string>) {}

  unavailableReason(): string | null {
    return which('zellij', this.env.PATH)
      ? null
      : 'zellij not found on PATH — install it (cargo install --locked zellij, brew install zellij) or use the tmux backend';
  }

  idFor(name: string): string {
    return `${ZELLIJ_PREFIX}${name}`;
  }

  private run(args: string[], cwd?: string) {
    return execa('zellij', args, { reject: false, env: this.env, extendEnv: false, stdin: 'ignore', cwd });
  }

  async create(ctx: BackendCreateContext): Promise<string> {
    const { cwd } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const id = this.idFor(ctx.name);
    const made = await this.run(['attach', '--create-background', id], cwd);
    if (made.exitCode !== 0) {
      throw new ClauderonError('backend', `zellij could not create session ${id}: ${oneLine(made.stderr) || `exit ${made.exitCode}`}`);
    }
    const envArgs = Object.entries(ctx.env).map(([k, v]) => `${k}=${v}`);
    const cmd = envArgs.length > 0 ? ['env', ...envArgs, ...ctx.argv] : ctx.argv;
    const ran = await this.run(['--session', id, 'run', '--cwd', cwd, '--name', 'agent', '--', ...cmd], cwd);
    if (ran.exitCode !== 0) {
      await this.delete(id).catch(() => undefined);
      throw new ClauderonError('backend', `zellij could not start the agent in ${id}: ${oneLine(ran.stderr) || `exit ${ran.exitCode}`}`);
    }
    return id;
  }

  private async sessions(): Promise<Map<string, boolean>> {
    // `-n` without `-s`: one line a session, "(EXITED …)" marks a resurrectable dead one.
    const r = await this.run(['list-sessions', '--no-formatting']);
    const out = new Map<string, boolean>();
    if (r.exitCode !== 0) return out; // "No active zellij sessions found."
    for (const line of r.stdout.split('\n')) {
      const name = line.trim().split(/\s+/)[0];
      if (name) out.set(name, !line.includes('EXITED'));
    }
    return out;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.sessions()).get(id) === true;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.sessions()).has(id)) return;
    const r = await this.run(['delete-session', '--force', id]);
    if (r.exitCode !== 0 && (await this.sessions()).has(id)) {
      throw new ClauderonError('backend', `zellij delete-session ${id} failed: ${oneLine(r.stderr)}`);
    }
  }

  attachCommand(id: string): string[] {
    return ['zellij', 'attach', id];
  }

  async output(id: string, lines: number): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'clauderon-dump-'));
    try {
      const file = join(dir, 'screen.txt');
      const r = await this.run(['--session', id, 'action', 'dump-screen', file, '--full']);
      if (r.exitCode !== 0) throw new ClauderonError('backend', `zellij session ${id} not found`);
      const text = trimTrailingBlankLines(await readFile(file, 'utf8'));
      return text.split('\n').slice(-Math.max(1, lines)).join('\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async health(id: string): Promise<BackendHealth> {
    const alive = (await this.sessions()).get(id);
    if (alive === undefined) return { state: 'missing', exitCode: null };
    return { state: alive ? 'running' : 'exited', exitCode: null };
  }

  /** One `list-sessions` for all (an EXITED one's agent has ended; zellij does not say how). */
  async healthOf(ids: readonly string[]): Promise<Map<string, BackendHealth>> {
    const r = await this.run(['list-sessions', '--no-formatting']);
    // (no session at all is exit 1 with this message; any other failure says nothing)
    if (r.exitCode !== 0 && !/No active zellij sessions found/.test(`${r.stdout}\n${r.stderr}`)) {
      throw new ClauderonError('backend', `zellij list-sessions failed: ${oneLine(r.stderr) || `exit ${r.exitCode}`}`);
    }
    const alive = new Map<string, boolean>();
    if (r.exitCode === 0) {
      for (const line of r.stdout.split('\n')) {
        const name = line.trim().split(/\s+/)[0];
        if (name) alive.set(name, !line.includes('EXITED'));
      }
    }
    const out = new Map<string, BackendHealth>();
    for (const id of ids) {
      const a = alive.get(id);
      out.set(id, a === undefined ? { state: 'missing', exitCode: null } : { state: a ? 'running' : 'exited', exitCode: null });
    }
    return out;
  }

  async listIds(): Promise<string[]> {
    return [...(await this.sessions()).keys()].filter((n) => n.startsWith(ZELLIJ_PREFIX));
  }
}
