// archive, unarchive and refresh: one call on a session, which answers with it (and maybe notes).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { note, printResult, publicSession } from '../output.js';

export interface SessionAction {
  command: string;
  method: 'sessions.archive' | 'sessions.unarchive' | 'sessions.refresh';
  description: string;
  /** The word the text output starts with ("Archived NAME"). */
  done: string;
}

export function addSessionAction(program: Command, ctx: CliContext, a: SessionAction): void {
  program
    .command(a.command)
    .description(a.description)
    .argument('<name>', 'session name or id')
    .option('--json', 'print the session as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call(a.method, { name }));
      const s = 'session' in r ? r.session : r;
      if ('warnings' in r) note(r.warnings);
      printResult(o, () => publicSession(s), () => `${a.done} ${s.name}\n`);
    });
}
