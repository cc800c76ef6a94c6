// clauderon reconcile: compare the store with reality and repair what is safe.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { printResult } from '../output.js';

export function addReconcileCommand(program: Command, ctx: CliContext): void {
  program
    .command('reconcile')
    .description('compare sessions with reality (worktrees, backend sessions) and repair what is safe')
    .option('--json', 'print the report as JSON')
    .action(async (o: { json?: boolean }) => {
      const items = await ctx.withClient((c) => c.call('reconcile', {}));
      printResult(
        o,
        () => items,
        () =>
          items.length === 0
            ? 'Everything matches: nothing to repair.\n'
            : items.map((i) => `${i.action.padEnd(8)} ${i.kind.padEnd(16)} ${i.session ?? '-'}  ${i.detail}\n`).join(''),
      );
    });
}
