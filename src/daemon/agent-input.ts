// Typing a line into a session's agent from the daemon (sessions.upload's `message`/`send`): the
// same way the web UI's chat box does it over /ws/console (console.ts) — the backend's own attach
// command (tmux attach, zellij attach, docker attach) in a short-lived PTY of the daemon's, the
// text, then Enter on its own (a pasted newline does not submit in every agent), then the attach
// client is hung up, which detaches it and never touches the agent. Backend-agnostic: nothing here
// knows a backend's name. Bounded: it gives up after a few seconds, saying so.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import type { IPty } from 'node-pty';
import type { SessionManager } from '../core/manager.js';
import { ClauderonError } from '../shared/errors.js';

type SpawnPty = (file: string, args: string[], opts: { name: string; cols: number; rows: number; cwd: string; env: Record<string, string>; encoding: null }) => IPty;

const TYPING = { attachMs: 3_000, settleMs: 300, exitMs: 2_000 };
const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Type `text` and then Enter into the agent of `nameOrId` (running or idle). */
export async function typeIntoAgent(manager: Pick<SessionManager, 'get' | 'attachCommand'>, nameOrId: string, text: string, env: Record<string, string>): Promise<void> {
  const s = manager.get(nameOrId);
  if (s.status !== 'running' && s.status !== 'idle') throw new ClauderonError('conflict', `session ${s.name} is ${s.status}: there is no agent to type into (the file was attached; tell the agent its path when it runs)`);
  const attach = await manager.attachCommand(s.id);
  const [file, ...args] = attach.argv;
  if (!file) throw new ClauderonError('internal', 'empty attach command');
  const spawn = (await import('node-pty')).spawn as SpawnPty;
  const pty = spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd: existsSync(homedir()) ? homedir() : '/', env: { ...env, TERM: 'xterm-256color' }, encoding: null });
  let exited = false;
  const gone = new Promise<void>((r) => pty.onExit(() => ((exited = true), r())));
  try {
    // attached once the client draws something (or after a moment: some draw nothing until asked)
    await Promise.race([new Promise<void>((r) => pty.onData(() => r())), gone, wait(TYPING.attachMs)]);
    if (exited) throw new ClauderonError('backend', `could not attach to ${s.name}'s agent to type into it (${attach.argv[0] ?? ''} exited at once)`);
    await wait(TYPING.settleMs);
    // (one line of plain text: a newline would submit early, an escape sequence would be a key)
    pty.write(text.replace(/\p{Cc}+/gu, ' '));
    await wait(TYPING.settleMs);
    pty.write('\r');
    await wait(TYPING.settleMs);
  } finally {
    if (!exited) {
      pty.kill('SIGHUP');
      await Promise.race([gone, wait(TYPING.exitMs)]);
      if (!exited) pty.kill('SIGKILL');
    }
  }
}
