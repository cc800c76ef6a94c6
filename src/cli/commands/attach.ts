// clauderon attach NAME: hand this terminal to the backend's attach command (zellij / tmux / docker).
import type { Command } from 'commander';
import { runWithTerminal } from '../../client/handoff.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function addAttachCommand(program: Command, ctx: CliContext): void {
  program
    .command('attach')
    .description("attach this terminal to a session's agent (zellij attach / tmux attach / docker attach)")
    .argument('<name>', 'session name or id')
    .action(async (name: string) => {
      const { argv, detachHint, detachExitCodes, session } = await ctx.withClient((c) => c.call('sessions.attach', { name }));
      process.stderr.write(`Attaching to ${session.name} — ${detachHint}\n`);
      const code = await runWithTerminal(argv);
      // a detach is a success; any other end passes the attach program's status on
      process.exitCode = detachExitCodes.includes(code) ? EXIT.ok : code;
    });
}
