// The `clauderon` bin. Sets up the program (commander) and registers the commands, one file each
// in cli/commands/; they talk to the daemon through DaemonClient and print for people (tables,
// one-line errors) or for scripts (--json, cli/output.ts). Exit statuses: cli/exit-codes.ts.
// Heavy modules are loaded only by the commands that need them; the daemon and the TUI are
// separate lazily loaded chunks, imported here, the one composition root of every process.
import { Command, CommanderError } from 'commander';
import type { Paths } from '../config/paths.js';
import { ClauderonError } from '../shared/errors.js';
import { VERSION } from '../version.js';
import { addArchiveCommand } from './commands/archive.js';
import { addAttachCommand } from './commands/attach.js';
import { addAuthCommand } from './commands/auth.js';
import { addConfigCommand } from './commands/config.js';
import { addCreateCommand } from './commands/create.js';
import { addDaemonCommand } from './commands/daemon.js';
import { addDeleteCommand } from './commands/delete.js';
import { addDiffCommand } from './commands/diff.js';
import { addEgressCommand } from './commands/egress.js';
import { addHistoryCommand } from './commands/history.js';
import { addEnvCommand } from './commands/env.js';
import { addListCommand } from './commands/list.js';
import { addOutputCommand } from './commands/output.js';
import { addReconcileCommand } from './commands/reconcile.js';
import { addRefreshCommand } from './commands/refresh.js';
import { addFetchCommand } from './commands/fetch.js';
import { addKubernetesCommand } from './commands/kubernetes.js';
import { addDetachableCommand } from './commands/detachable.js';
import { addSetAccessModeCommand } from './commands/set-access-mode.js';
import { addShowCommand } from './commands/show.js';
import { addUnarchiveCommand } from './commands/unarchive.js';
import { addUploadCommand } from './commands/upload.js';
import { paths, withClient, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { printError, quietClosedOutput } from './output.js';
import { startTui } from './tui-start.js';

let debug = process.argv.includes('--debug');

const ctx: CliContext = {
  paths,
  withClient,
  runDaemonForeground,
  findConfig: async (p: Paths) => (await import('../config/config.js')).findConfig(p.config),
};

const program = new Command();
program
  .name('clauderon')
  .description('Run AI coding agents in isolated sessions: a git worktree plus an agent in Zellij, tmux or a container.\nWith no command, opens the full-screen UI (in a terminal).')
  .version(VERSION, '-V, --version')
  .option('--daemon', 'run the daemon in the foreground (same as `clauderon daemon`)')
  .option('--http-port <port>', 'with --daemon: the HTTP API port (default [http] port, 3030; 0 turns it off)')
  .option('--debug', 'show stack traces on errors')
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(str) })
  .exitOverride()
  .allowExcessArguments(true)
  .action(async (opts: { daemon?: boolean; httpPort?: string }) => {
    const [unknown] = program.args;
    if (unknown !== undefined) {
      program.error(`error: unknown command '${unknown}' (see clauderon --help)`, { exitCode: EXIT.usage, code: 'commander.unknownCommand' });
    }
    if (opts.daemon) return runDaemonForeground(opts.httpPort);
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      program.outputHelp();
      process.stderr.write('\n(the full-screen UI needs a terminal: run clauderon in one)\n');
      return;
    }
    process.exitCode = await startTui(paths());
  });

// In this order in --help.
for (const add of [
  addCreateCommand,
  addListCommand,
  addShowCommand,
  addDiffCommand,
  addAttachCommand,
  addArchiveCommand,
  addUnarchiveCommand,
  addRefreshCommand,
  addFetchCommand,
  addDeleteCommand,
  addEnvCommand,
  addHistoryCommand,
  addSetAccessModeCommand,
  addEgressCommand,
  addOutputCommand,
  addUploadCommand,
  addReconcileCommand,
  addDaemonCommand,
  addConfigCommand,
  addAuthCommand,
]) {
  add(program, ctx);
}
// (the composition root hands the backend's init in: the CLI layer imports no backend)
addKubernetesCommand(program, ctx, () => import('../backends/kubernetes/init.js'));
addDetachableCommand(program);

async function runDaemonForeground(httpPort?: string): Promise<void> {
  let port: number | undefined;
  if (httpPort !== undefined) {
    port = Number(httpPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ClauderonError('invalid_input', `invalid --http-port "${httpPort}": expected a port number 0–65535 (0 turns the HTTP API off)`);
  }
  const { runDaemon } = await import('../daemon/server.js');
  await runDaemon({ paths: paths(), echoLog: process.env.CLAUDERON_DAEMON_DETACHED !== '1', httpPort: port });
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version print and exit 0; usage errors have been printed by commander.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    printError(e, { debug, json: process.argv.includes('--json') });
    process.exitCode = EXIT.error;
  }
}

debug = program.opts<{ debug?: boolean }>().debug ?? debug;
quietClosedOutput();
void main();
export { ClauderonError };
