// clauderon show NAME: one session in detail.
import type { Command } from 'commander';
import { shortenHome } from '../../shared/format.js';
import type { CliContext } from '../context.js';
import { colorStatus, useColor } from '../format.js';
import { printResult, publicSession } from '../output.js';

export function addShowCommand(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('show one session')
    .argument('<name>', 'session name or id')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const [s, egress] = await ctx.withClient((c) => Promise.all([c.call('sessions.get', { name }), c.call('sessions.egress', { name }).catch(() => null)]));
      const egressText = egress ? `${egress.policy}${egress.policy !== 'open' && egress.allow.length > 0 ? ` (+ ${egress.allow.join(', ')})` : ''}${egress.blocked.length > 0 ? `; ${egress.blocked.length} blocked (clauderon egress ${s.name})` : ''}` : null;
      printResult(
        o,
        () => ({ ...publicSession(s), ...(egress ? { egress: { policy: egress.policy, allow: egress.allow } } : {}) }),
        () => {
          const color = useColor(process.stdout);
          const rows: [string, string][] = [
            ['name', s.name], ['status', colorStatus(s.status, color)], ['agent', `${s.agent}${s.model ? ` (${s.model})` : ''}`],
            ['backend', `${s.backend}${s.backendId ? ` (${s.backendId})` : ''}`], ['repository', shortenHome(s.repoPath) + (s.subdirectory ? ` (in ${s.subdirectory})` : '')],
            ['worktree', shortenHome(s.worktreePath)], ['branch', s.branchName], ['access mode', s.accessMode],
            ...(egressText ? ([['egress', egressText]] as [string, string][]) : []),
            ['plan mode', s.planMode ? 'on' : 'off'], ['skip checks', s.skipChecks ? 'yes' : 'no'], ['created', s.createdAt],
            ['prompt', s.prompt], ...(s.error ? ([['error', s.error]] as [string, string][]) : []),
          ];
          return rows.map(([k, v]) => `${k.padEnd(12)} ${v}\n`).join('');
        },
      );
    });
}
