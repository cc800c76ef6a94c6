// tmux backend: one detached tmux session per clauderon session, on a tmux server of our own
// (socket CLAUDERON_HOME/tmux.sock by default) so the user's sessions and ours never mix.
import { execa } from 'execa';
import { ClauderonError } from '../../shared/errors.js';
import { which } from '../../shared/which.js';
import { checkAgentCwd } from '../cwd.js';
import type { Backend, BackendCreateContext, BackendHealth } from '../types.js';

export interface TmuxOptions {
  socket: string;
  width: number;
  height: number;
  /** Environment for tmux client calls (and so the tmux server it may start): already scrubbed. */
  env: Record<string, string>;
}

export class TmuxBackend implements Backend {
  readonly name = 'tmux' as const;
  readonly detachHint = 'detach with Ctrl-b d';

  constructor(private readonly opts: TmuxOptions) {}

  unavailableReason(): string | null {
    return which('tmux', this.opts.env.PATH)
      ? null
      : 'tmux not found on PATH — install it (apt-get install tmux, brew install tmux) or pick --backend zellij';
  }

  idFor(name: string): string {
    return name;
  }

  private run(args: string[]) {
    return execa('tmux', ['-S', this.opts.socket, ...args], {
      reject: false,
      env: this.opts.env,
      extendEnv: false,
      stdin: 'ignore',
    });
  }

  async create(ctx: BackendCreateContext): Promise<string> {
    // before anything runs: tmux would start a missing -c directory in its own cwd instead
    const { cwd } = await checkAgentCwd(ctx.cwd, ctx.worktreePath);
    const id = this.idFor(ctx.name);
    const envArgs = Object.entries(ctx.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // A single argument would be run through the user's shell: make it an argv of two.
    const argv = ctx.argv.length === 1 ? ['env', ...ctx.argv] : ctx.argv;
    const r = await this.run([
      'new-session', '-d', '-s', id, '-c', cwd,
      '-x', String(this.opts.width), '-y', String(this.opts.height),
      ...envArgs, '--', ...argv,
      // Same command sequence, so even an agent that exits at once keeps its pane and status.
      ';', 'set-option', '-w', '-t', `=${id}:`, 'remain-on-exit', 'on',
    ]);
    if (r.exitCode !== 0) {
      await this.delete(id);
      throw new ClauderonError('backend', `tmux new-session failed: ${oneLine(r.stderr) || `exit ${r.exitCode}`}`);
    }
    return id;
  }

  async exists(id: string): Promise<boolean> {
    const r = await this.run(['has-session', '-t', `=${id}`]);
    return r.exitCode === 0;
  }

  async delete(id: string): Promise<void> {
    const r = await this.run(['kill-session', '-t', `=${id}`]);
    if (r.exitCode !== 0 && (await this.exists(id))) {
      throw new ClauderonError('backend', `tmux kill-session ${id} failed: ${oneLine(r.stderr)}`);
    }
  }

  attachCommand(id: string): string[] {
    return ['tmux', '-S', this.opts.socket, 'attach-session', '-t', `=${id}`];
  }

  async output(id: string, lines: number): Promise<string> {
    const r = await this.run(['capture-pane', '-p', '-J', '-t', `=${id}:`, '-S', `-${Math.max(1, lines)}`]);
    if (r.exitCode !== 0) throw new ClauderonError('backend', `tmux session ${id} not found`);
    return trimTrailingBlankLines(r.stdout);
  }

  async health(id: string): Promise<BackendHealth> {
    // A pane is dead as soon as its pty closes; its exit status follows when tmux has reaped the
    // process — ask again (up to ~2 s) rather than report "unknown".
    for (let attempt = 0; ; attempt++) {
      // display-message answers 0 with empty fields for a missing target: check the name it saw
      const r = await this.run(['display-message', '-p', '-t', `=${id}:`, '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}|#{session_name}']);
      const [fields = '', seen] = r.stdout.trim().split('|');
      if (r.exitCode !== 0 || seen !== id) return { state: 'missing', exitCode: null };
      const [dead, status, signal] = fields.split(' ');
      if (dead !== '1') return { state: 'running', exitCode: null };
      // killed by a signal: the shell's convention, 128 + the signal number
      if (signal) return { state: 'exited', exitCode: 128 + Number(signal) };
      if (status || attempt >= 100) return { state: 'exited', exitCode: status ? Number(status) : null };
      await new Promise((r2) => setTimeout(r2, 20));
    }
  }

  async listIds(): Promise<string[]> {
    const r = await this.run(['list-sessions', '-F', '#{session_name}']);
    if (r.exitCode !== 0) return []; // no server running: nothing exists
    return r.stdout.split('\n').filter(Boolean);
  }
}

export function oneLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}

export function trimTrailingBlankLines(s: string): string {
  return s.replace(/\s+$/, '');
}
