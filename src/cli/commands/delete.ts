// clauderon delete NAME: stop the agent, remove the worktree and (if merged, or with --force) its branch.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { note, printResult, publicSession } from '../output.js';

export function addDeleteCommand(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .alias('rm')
    .description('delete a session: stop the agent, remove the worktree and (if merged or --force) its branch')
    .argument('<name>', 'session name or id')
    .option('-f, --force', 'also discard uncommitted changes and delete a branch with unmerged commits')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: { force?: boolean; json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call('sessions.delete', { name, force: Boolean(o.force) }));
      printResult(
        o,
        () => ({ deleted: publicSession(r.session), notes: r.notes }),
        () => {
          note(r.notes);
          return `Deleted ${r.session.name}\n`;
        },
      );
    });
}
