// What every command gets from the bin's entry (cli/main.ts): the home's paths, a daemon client,
// and the parts of the program that main.ts loads lazily (the daemon, the configuration reader).
import { DaemonClient } from '../client/client.js';
import { getPaths, resolveHome, type Paths } from '../config/paths.js';
import type { FoundConfig } from '../config/config.js';
import { isClauderonError } from '../shared/errors.js';
import { warnConfig } from './output.js';

export interface CliContext {
  paths(): Paths;
  /** A client of this home's daemon (started when none runs), closed when `fn` is done. */
  withClient<T>(fn: (c: DaemonClient) => Promise<T>): Promise<T>;
  /** `clauderon daemon` / `clauderon --daemon`. */
  runDaemonForeground(httpPort?: string): Promise<void>;
  /** config.toml as the daemon finds it (see config/config.ts findConfig). */
  findConfig(p: Paths): Promise<FoundConfig>;
}

export function paths(): Paths {
  return getPaths(resolveHome());
}

async function connect(): Promise<DaemonClient> {
  return DaemonClient.connect({
    paths: paths(),
    onStatus: (m) => {
      if (process.stderr.isTTY) process.stderr.write(`${m}\n`);
    },
  });
}

/**
 * Run `fn` with a client. A broken config.toml (the daemon's configError) is said on stderr by
 * every command, the same `<file>:<line>: …` text: an operation that needs the configuration
 * (create, attach, output, env…: the backends' and agents' settings come from it) refuses with it
 * (exit 1); one that only reads the store (list, show) answers and warns after its output — the
 * sessions stay visible while the file is being fixed, and nothing runs on settings the user
 * did not write.
 */
export async function withClient<T>(fn: (c: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connect();
  let configError: string | null = null;
  try {
    configError = (await client.call('daemon.info', {})).configError ?? null;
    return await fn(client);
  } catch (e) {
    if (isClauderonError(e) && e.code === 'config') configError = null; // the error says it
    throw e;
  } finally {
    client.close();
    if (configError !== null) warnConfig(configError);
  }
}
