// clauderon kubernetes init [--dry-run]: the namespace, service account and Role sessions need.
// The work is the backend's (src/backends/kubernetes/init.ts), handed in by the composition root
// (cli/main.ts) so this layer does not import a backend.
import type { Command } from 'commander';
import type { InitOptions, InitResult } from '../../backends/kubernetes/init.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';

export interface KubernetesInit {
  dryRun(o: InitOptions): Promise<string>;
  apply(o: InitOptions): Promise<InitResult[]>;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function addKubernetesCommand(program: Command, _ctx: CliContext, load: () => Promise<KubernetesInit>): void {
  const k = program.command('kubernetes').description('set up a cluster for the kubernetes backend');
  k.command('init')
    .description('create the namespace, the pods\' service account and the Role a session needs (with your kubeconfig)')
    .option('--namespace <namespace>', 'the namespace', 'clauderon')
    .option('--service-account <name>', "the pods' service account", 'clauderon-agent')
    .option('--context <context>', "the kubeconfig context (default: its current one)")
    .option('--user <name>', 'bind the Role to this user (repeatable)', collect, [])
    .option('--group <name>', 'bind the Role to this group (repeatable)', collect, [])
    .option('--dry-run', 'print the objects as YAML instead of creating them')
    .option('--json', 'print what was done as JSON')
    .action(async (o: { namespace: string; serviceAccount: string; context?: string; user: string[]; group: string[]; dryRun?: boolean; json?: boolean }) => {
      const init = await load();
      const opts: InitOptions = { namespace: o.namespace, serviceAccount: o.serviceAccount, context: o.context, users: o.user, groups: o.group };
      if (o.dryRun) {
        process.stdout.write(await init.dryRun(opts));
        return;
      }
      const done = await init.apply(opts);
      if (o.json) return printJson(done);
      for (const r of done) process.stdout.write(`${r.action === 'created' ? 'created' : 'exists '} ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}\n`);
      if (o.user.length === 0 && o.group.length === 0) {
        process.stdout.write(
          `note: the Role "clauderon" is bound to no one — bind it to the user clauderon runs as:\n  kubectl -n ${o.namespace} create rolebinding clauderon --role=clauderon --user=USER\n(or run init again with --user USER)\n`,
        );
      }
    });
}
