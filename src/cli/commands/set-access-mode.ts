// clauderon set-access-mode NAME MODE: what the agent may do through its proxy, effective at once.
import type { Command } from 'commander';
import { ClauderonError } from '../../shared/errors.js';
import { ACCESS_MODES } from '../../shared/types.js';
import type { CliContext } from '../context.js';
import { printResult, publicSession } from '../output.js';

export function addSetAccessModeCommand(program: Command, ctx: CliContext): void {
  program
    .command('set-access-mode')
    .description("change what a session's agent may do through its proxy, effective at once")
    .argument('<name>', 'session name or id')
    .argument('<mode>', 'read-only or read-write')
    .option('--json', 'print the session as JSON')
    .action(async (name: string, mode: string, o: { json?: boolean }) => {
      if (!(ACCESS_MODES as readonly string[]).includes(mode)) {
        throw new ClauderonError('invalid_input', `unknown access mode "${mode}" — use read-only or read-write`);
      }
      const s = await ctx.withClient((c) => c.call('sessions.setAccessMode', { name, mode: mode as (typeof ACCESS_MODES)[number] }));
      printResult(o, () => publicSession(s), () => `${s.name} is now ${s.accessMode}\n`);
    });
}
