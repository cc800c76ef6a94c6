// clauderon daemon: run it in the foreground; `daemon status`, `daemon stop`.
import type { Command } from 'commander';
import { DaemonClient } from '../../client/client.js';
import type { DaemonInfo } from '../../protocol/protocol.js';
import { processAlive } from '../../shared/process.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';

export function addDaemonCommand(program: Command, ctx: CliContext): void {
  const daemonCmd = program
    .command('daemon')
    .description('run the daemon in the foreground (it owns sessions, the store and the proxies)')
    .option('--http-port <port>', 'the HTTP API port (default [http] port in config.toml, 3030; 0 turns it off)')
    .option('--enable-kubernetes-backend', 'offer the kubernetes backend (as [kubernetes] enabled = true in config.toml)')
    // (the program has a --http-port of its own, for --daemon, which takes the flag after `daemon` too)
    .action(async (o: { httpPort?: string; enableKubernetesBackend?: boolean }, cmd: Command) => {
      if (o.enableKubernetesBackend) process.env.CLAUDERON_KUBERNETES_ENABLED = '1';
      await ctx.runDaemonForeground(o.httpPort ?? (cmd.parent?.opts<{ httpPort?: string }>().httpPort));
    });
  daemonCmd
    .command('status')
    .description('show whether a daemon is running for this home')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      let info: DaemonInfo | null;
      try {
        const c = await DaemonClient.connect({ paths: ctx.paths(), autoSpawn: false });
        info = await c.call('daemon.info', {});
        c.close();
      } catch {
        info = null;
      }
      if (o.json) return printJson({ running: info !== null, ...(info ?? {}) });
      process.stdout.write(info ? `running: pid ${info.pid}, version ${info.version}, since ${info.startedAt}\n${notesOf(info)}` : 'not running\n');
      if (!info) process.exitCode = EXIT.daemonNotRunning;
    });
  daemonCmd
    .command('stop')
    .description('stop the daemon (sessions keep running)')
    .action(async () => {
      let c: DaemonClient;
      try {
        c = await DaemonClient.connect({ paths: ctx.paths(), autoSpawn: false });
      } catch {
        process.stdout.write('not running\n');
        return;
      }
      const info = await c.call('daemon.info', {});
      await c.call('daemon.stop', {});
      await new Promise<void>((res) => {
        c.onClose(res);
      });
      for (let i = 0; i < 200 && processAlive(info.pid); i++) await new Promise((r) => setTimeout(r, 25));
      process.stdout.write(`stopped daemon (pid ${info.pid})\n`);
    });
}

/** What `daemon status` says besides the pid: the HTTP API (listening, off, or why not) and a broken config. */
export function notesOf(info: Pick<DaemonInfo, 'httpPort' | 'httpError' | 'configError' | 'httpAuth'>): string {
  const http =
    info.httpError !== null
      ? `http api: not listening — ${info.httpError} (the web UI and scripts cannot reach the daemon; agent status does not need it: free the port or set [http] port in config.toml, then clauderon daemon stop)`
      : info.httpPort !== null
        ? `http api: port ${info.httpPort}`
        : 'http api: off';
  const auth =
    info.httpAuth === 'disabled'
      ? 'http auth: OFF (CLAUDERON_DISABLE_AUTH=true) — anyone who reaches the port drives the daemon\n'
      : info.httpAuth === 'passkeys' && info.httpPort !== null
        ? 'http auth: passkey sign-in or [http] token (clauderon auth list)\n'
        : '';
  return `${http}\n${auth}${info.configError !== null ? `config: ${info.configError}\n` : ''}`;
}
