// clauderon output NAME: the last lines of the agent's screen.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function addOutputCommand(program: Command, ctx: CliContext): void {
  program
    .command('output')
    .description("print the last lines of a session's agent screen")
    .argument('<name>', 'session name or id')
    .option('-n, --lines <n>', 'how many lines', (v) => Number.parseInt(v, 10), 50)
    .action(async (name: string, o: { lines: number }) => {
      const r = await ctx.withClient((c) => c.call('sessions.output', { name, lines: o.lines }));
      process.stdout.write(`${r.output}\n`);
    });
}
