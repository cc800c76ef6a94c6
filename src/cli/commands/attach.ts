// clauderon attach NAME: hand this terminal to the backend's attach command (zellij / tmux / docker).
import type { ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import { runWithTerminal } from '../../client/handoff.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { endLikeSignal } from '../signals.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function addAttachCommand(program: Command, ctx: CliContext): void {
  program
    .command('attach')
    .description("attach this terminal to a session's agent (zellij attach / tmux attach / docker attach)")
    .argument('<name>', 'session name or id')
    .action(async (name: string) => {
      const { argv, detachHint, detachExitCodes, session } = await ctx.withClient((c) => c.call('sessions.attach', { name }));
      process.stderr.write(`Attaching to ${session.name} — ${detachHint}\n`);
      // A signal to this process (Ctrl-C where the terminal sends one, kill, a closed terminal)
      // ends the attach program too — it must not keep the terminal after we are gone — and then
      // this process ends as that signal would have ended it (SIGINT: 130). The session runs on.
      let child: ChildProcess | null = null;
      let signal: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        signal ??= sig;
        child?.kill('SIGTERM');
      };
      for (const sig of SIGNALS) process.on(sig, onSignal);
      let code: number;
      try {
        code = await runWithTerminal(argv, (c) => (child = c));
      } finally {
        for (const sig of SIGNALS) process.off(sig, onSignal);
      }
      if (signal !== null) return endLikeSignal(signal);
      // a detach is a success; any other end passes the attach program's status on
      process.exitCode = detachExitCodes.includes(code) ? EXIT.ok : code;
    });
}
