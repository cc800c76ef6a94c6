// tmux backend: one detached tmux session per clauderon session, on a tmux server of our own
// (socket CLAUDERON_HOME/tmux.sock by default) so the user's sessions and ours never mix.
import { execFile } from 'node:child_process';
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
      : 'tmux not found on PATH — install it (apt-get install tmux, brew install tmux) or use the zellij backend';
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
    // The pane was made [tmux] width × height; the window follows the terminal that attaches
    // (whatever window-size a tmux.conf sets): set after the attach, so this client is the latest.
    return ['tmux', '-S', this.opts.socket, 'attach-session', '-t', `=${id}`, ';', 'set-option', '-w', '-t', `=${id}:`, 'window-size', 'latest'];
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

  /**
   * One `list-sessions` for all: each session's agent pane as health() sees it. A dead pane whose
   * exit status tmux has not read yet is left out (asked again on the next tick).
   */
  async healthOf(ids: readonly string[]): Promise<Map<string, BackendHealth>> {
    const out = new Map<string, BackendHealth>();
    // (asked every ~1.5 s: a bare execFile, lighter than execa)
    const r = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
      execFile('tmux', ['-S', this.opts.socket, 'list-sessions', '-F', '#{session_name}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}'], { env: this.opts.env, encoding: 'utf8', timeout: 10_000 }, (e, stdout, stderr) =>
        resolve({ exitCode: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
      );
    });
    if (r.exitCode !== 0) {
      // no server (it exits with its last session): every session is gone; anything else says nothing
      if (!/no server running|error connecting to/.test(r.stderr)) throw new ClauderonError('backend', `tmux list-sessions failed: ${oneLine(r.stderr) || `exit ${r.exitCode}`}`);
      for (const id of ids) out.set(id, { state: 'missing', exitCode: null });
      return out;
    }
    const seen = new Map<string, string[]>();
    for (const line of r.stdout.split('\n')) {
      const [name, ...fields] = line.split('\t');
      if (name) seen.set(name, fields);
    }
    for (const id of ids) {
      const f = seen.get(id);
      if (!f) out.set(id, { state: 'missing', exitCode: null });
      else if (f[0] !== '1') out.set(id, { state: 'running', exitCode: null });
      else if (f[2]) out.set(id, { state: 'exited', exitCode: 128 + Number(f[2]) });
      else if (f[1]) out.set(id, { state: 'exited', exitCode: Number(f[1]) });
    }
    return out;
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
