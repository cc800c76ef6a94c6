// clauderon config show | credentials | ca | paths: the configuration, the credentials the daemon
// holds (never a value), the proxy CA, and where every file lives.
import type { Command } from 'commander';
import { pathsListing } from '../../config/paths.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { useColor } from '../format.js';
import { printJson, printResult } from '../output.js';

export function addConfigCommand(program: Command, ctx: CliContext): void {
  const configCmd = program.command('config').description('show configuration and file locations');
  configCmd
    .command('show')
    .description('print the effective configuration (config.toml merged over defaults)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const p = ctx.paths();
      const { config, file, places } = await ctx.findConfig(p);
      // `path`: the file that was read (the home's config.toml when there is none)
      if (o.json) return printJson({ path: file ?? p.config, found: file !== null, searched: places, config });
      const { stringify } = await import('smol-toml');
      const source = file ?? `defaults: there is no ${places.join(' nor ')}`;
      process.stdout.write(`# ${source}\n${stringify(config)}\n`);
    });
  configCmd
    .command('credentials')
    .description('show which credentials the daemon holds and where each came from (never a value)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call('credentials.describe', {}));
      if (o.json) return printJson(r);
      if (r.error) process.stderr.write(`clauderon: ${r.error}\n`);
      const color = useColor(process.stdout);
      process.stdout.write(`${'NAME'.padEnd(22)} ${'SET'.padEnd(4)} ${'SOURCE'.padEnd(10)} DETAIL\n`);
      for (const c of r.credentials) {
        const set = c.set ? (color ? '\u001b[32myes\u001b[0m ' : 'yes ') : 'no  ';
        process.stdout.write(`${c.name.padEnd(22)} ${set} ${(c.source ?? '-').padEnd(10)} ${c.detail}\n`);
      }
      process.stdout.write('Values never leave the daemon; sources: environment, 1Password (proxy.toml), secrets/<name>.\n');
      if (r.error) process.exitCode = EXIT.error;
    });
  configCmd
    .command('ca')
    .description('show the proxy CA (its certificate is what agents trust); --rotate makes a new one')
    .option('--rotate', 'replace the CA with a new one (sessions started before must be restarted)')
    .option('--json', 'print JSON')
    .action(async (o: { rotate?: boolean; json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call(o.rotate ? 'ca.rotate' : 'ca.show', {}));
      if (o.json) return printJson(r);
      process.stdout.write(`certificate  ${r.certPath}\nkey          ${r.keyPath} (never leaves this host)\nSHA-256      ${r.fingerprint256}\n`);
      if (!r.rotated) return;
      if (r.restart.length === 0) process.stdout.write('Rotated. No session was running; new sessions trust the new CA.\n');
      else process.stdout.write(`Rotated. These sessions still trust the old CA — restart each (clauderon archive NAME, then clauderon unarchive NAME):\n${r.restart.map((n) => `  ${n}\n`).join('')}`);
    });
  configCmd
    .command('paths')
    .description('print where clauderon keeps its files')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const p = ctx.paths();
      printResult(o, () => p, () => pathsListing(p));
    });
}
