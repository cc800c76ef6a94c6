// clauderon fetch NAME: a remote session's (kubernetes) commits, brought back onto its branch now.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { printResult, publicSession } from '../output.js';

export function addFetchCommand(program: Command, ctx: CliContext): void {
  program
    .command('fetch')
    .description("kubernetes: bring the agent's commits back onto the session's branch in its worktree (archive and delete do it too)")
    .argument('<name>', 'session name or id')
    .option('--json', 'print {"session","commits","dirty"} as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call('sessions.fetch', { name }));
      printResult(
        o,
        () => ({ session: publicSession(r.session), commits: r.commits, dirty: r.dirty }),
        () =>
          `${r.commits === 0 ? `${r.session.branchName} is up to date` : `Fetched ${r.commits} commit${r.commits === 1 ? '' : 's'} onto ${r.session.branchName}`} (${r.session.worktreePath})\n` +
          (r.dirty ? "note: the agent's workspace has uncommitted changes; they stay in its pod until it commits them\n" : ''),
      );
    });
}
