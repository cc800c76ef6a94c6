// clauderon env NAME: what the session's agent gets in its environment (never a real credential).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { printResult } from '../output.js';

export function addEnvCommand(program: Command, ctx: CliContext): void {
  program
    .command('env')
    .description("print what a session's agent gets in its environment (placeholders — never a real credential)")
    .argument('<name>', 'session name or id')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const env = await ctx.withClient((c) => c.call('sessions.env', { name }));
      printResult(
        o,
        () => env,
        () =>
          Object.entries(env)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
      );
    });
}
