// Giving the terminal to another program (zellij/tmux attach, $EDITOR) — used by the CLI and the
// TUI alike — and reading a path the way a shell user typed it.
import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClauderonError } from '../shared/errors.js';

/** `~`, `~/x` and relative paths, as the user typed them, made absolute. */
export function expandPath(p: string): string {
  if (p === '~' || p === '~/') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return resolve(p);
}

/** Run a program with this terminal (inherited stdio); resolves with its exit status. `onChild`: the running program (to end it on a signal). */
export function runWithTerminal(argv: readonly string[], onChild?: (child: ChildProcess) => void): Promise<number> {
  const [cmd, ...args] = argv;
  const env = { ...process.env };
  delete env.TMUX; // our tmux server is not the one we may be running inside
  delete env.ZELLIJ;
  return new Promise((res, rej) => {
    const child = spawn(cmd ?? '', args, { stdio: 'inherit', env });
    onChild?.(child);
    child.on('error', (e) => rej(new ClauderonError('backend', `could not run ${cmd}: ${e.message}`)));
    child.on('exit', (code, sig) => res(code ?? (sig ? 1 : 0)));
  });
}
