// clauderon auth register | list | revoke: passkey sign-in to the HTTP API, managed on the host over
// the daemon's socket (a registration code is what lets a new device in; only the host mints one).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { printJson, printResult } from '../output.js';

const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : 'never');

export function addAuthCommand(program: Command, ctx: CliContext): void {
  const authCmd = program.command('auth').description('passkey sign-in to the web UI from other devices (register, list, revoke)');
  authCmd
    .command('register')
    .description('mint a one-time code (10 minutes, single use) and print the link that registers a passkey with it')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call('auth.register', {}));
      if (o.json) return printJson(r);
      process.stdout.write(
        `Open this link on the device to register (valid until ${when(r.expiresAt)}, once):\n\n  ${r.url}\n\n` +
          `or enter the code on the sign-in page: ${r.code}\n`,
      );
    });
  authCmd
    .command('list')
    .description('show the registered passkeys')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await ctx.withClient((c) => c.call('auth.list', {}));
      printResult(
        o,
        () => list,
        () =>
          list.length === 0
            ? 'No passkeys registered: clauderon auth register mints a code for one.\n'
            : `${'ID'.padEnd(11)} ${'NAME'.padEnd(24)} ${'CREATED'.padEnd(21)} ${'LAST USED'.padEnd(21)} SESSIONS\n` +
              list.map((p) => `${p.id.padEnd(11)} ${p.name.slice(0, 24).padEnd(24)} ${when(p.createdAt).padEnd(21)} ${when(p.lastUsedAt).padEnd(21)} ${p.sessions}\n`).join(''),
      );
    });
  authCmd
    .command('revoke')
    .description('remove a passkey and end its sign-in sessions at once')
    .argument('<id>', 'the passkey id (clauderon auth list)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await ctx.withClient((c) => c.call('auth.revoke', { id }));
      printResult(o, () => r, () => `Revoked ${r.revoked.id} (${r.revoked.name}); ${r.sessionsEnded} sign-in session${r.sessionsEnded === 1 ? '' : 's'} ended.\n`);
    });
}
