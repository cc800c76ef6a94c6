// clauderon egress NAME: a session's egress policy — which hosts its agent may reach through its
// proxy, and what was blocked so far — and, with --allow / --remove / --policy, a change the
// running proxy applies to the very next request (no restart; stored with the session).
import type { Command } from 'commander';
import { EGRESS_POLICIES, PRESETS, type EgressPolicyName } from '../../shared/egress-rules.js';
import type { EgressReport } from '../../protocol/operations.js';
import { ClauderonError } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { printResult } from '../output.js';

function reportText(r: EgressReport): string {
  const lines = [`policy       ${r.policy}${r.live ? '' : ' (no proxy running: applies when the session runs)'}`];
  if (r.policy !== 'open') lines.push(`agent needs  ${r.agentHosts.join(', ') || '—'}`);
  lines.push(`allowed      ${r.allow.length > 0 ? r.allow.join(', ') : '—'}`);
  if (r.policy === 'open') lines.push('             (open: every host is allowed; the rules count once the policy is allow-list or locked)');
  if (r.blocked.length === 0) lines.push(`blocked      ${r.policy === 'open' ? '—' : 'nothing so far'}`);
  else {
    lines.push('blocked      (most recent first)');
    for (const b of r.blocked) {
      const target = b.kind === 'ip' && b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;
      lines.push(`  ${target.padEnd(40)} ${String(b.count).padStart(5)}×  last ${b.lastAt}   ${b.allow}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function addEgressCommand(program: Command, ctx: CliContext): void {
  program
    .command('egress')
    .description("show a session's egress policy and the hosts blocked so far, or change it at once (--allow, --remove, --policy)")
    .argument('<name>', 'session name or id')
    .option('--allow <host>', `allow a host, *.suffix (subdomains), host:port, or a preset (${Object.keys(PRESETS).join(', ')})`)
    .option('--port <n>', 'with --allow/--remove: that port only (default: 443 and 80)')
    .option('--remove <host>', 'take an allowed rule away (as it was written, in any spelling)')
    .option('--deny <host>', 'the same as --remove')
    .option('--policy <policy>', `set the policy: ${EGRESS_POLICIES.join(', ')}`)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nPolicies: open (everything), allow-list (the agent\'s own API + the allowed rules), locked (the agent\'s own API + what you allow here).\nA change applies to the running proxy\'s very next request and is kept with the session.',
    )
    .action(async (name: string, o: { allow?: string; port?: string; remove?: string; deny?: string; policy?: string; json?: boolean }) => {
      const removing = o.remove ?? o.deny;
      if (o.allow !== undefined && removing !== undefined) throw new ClauderonError('invalid_input', 'give --allow or --remove, not both');
      if (o.policy !== undefined && !(EGRESS_POLICIES as readonly string[]).includes(o.policy)) {
        throw new ClauderonError('invalid_input', `unknown egress policy "${o.policy}" — use ${EGRESS_POLICIES.join(', ')}`);
      }
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ClauderonError('invalid_input', `invalid --port "${o.port}": expected 1–65535`);
        if (o.allow === undefined && removing === undefined) throw new ClauderonError('invalid_input', '--port goes with --allow or --remove');
      }
      const host = o.allow ?? removing;
      if (host === undefined && o.policy === undefined) {
        const r = await ctx.withClient((c) => c.call('sessions.egress', { name }));
        return printResult(o, () => r, () => reportText(r));
      }
      const r = await ctx.withClient((c) =>
        c.call('sessions.egressAllow', {
          name,
          ...(host !== undefined ? { host } : {}),
          ...(port !== undefined ? { port } : {}),
          remove: removing !== undefined,
          ...(o.policy !== undefined ? { policy: o.policy as EgressPolicyName } : {}),
        }),
      );
      printResult(o, () => r, () => `${r.session}: ${r.note}\n${reportText(r)}`);
    });
}
