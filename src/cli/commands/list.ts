// clauderon list: the sessions, a table for people or the session objects with --json.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { sessionTable, useColor } from '../format.js';
import { printResult, publicSession } from '../output.js';

export function addListCommand(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('list sessions (archived ones with --archived or --all)')
    .option('--archived', 'only archived sessions')
    .option('--all', 'active and archived sessions')
    .option('--json', 'print a JSON array of sessions')
    .action(async (o: { archived?: boolean; all?: boolean; json?: boolean }) => {
      const filter = o.all ? 'all' : o.archived ? 'archived' : 'active';
      const sessions = await ctx.withClient((c) => c.call('sessions.list', { filter }));
      printResult(
        o,
        () => sessions.map(publicSession),
        () => {
          if (sessions.length === 0) return filter === 'active' ? 'No sessions. Create one: clauderon create --repo PATH --prompt "…"\n' : 'No sessions.\n';
          return `${sessionTable(sessions, process.stdout.columns ?? 100, useColor(process.stdout))}\n`;
        },
      );
    });
}
