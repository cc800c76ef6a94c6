// What every command gets from the bin's entry (cli/main.ts): the home's paths, a daemon client,
// and the parts of the program that main.ts loads lazily (the daemon, the configuration reader).
import { DaemonClient } from '../client/client.js';
import { getPaths, resolveHome, type Paths } from '../config/paths.js';
import type { FoundConfig } from '../config/config.js';

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

export async function withClient<T>(fn: (c: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
