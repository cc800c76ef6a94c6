// Apple's `container` CLI as clauderon uses it: running it, and reading `container list --all
// --format json`. Only subcommands and flags in apple/container's docs/command-reference.md are used
// (fixtures/apple/container-double.mjs lists them with where each was read). Pure parts are unit-tested.
import { execFile } from 'node:child_process';
import { ClauderonError } from '../../shared/errors.js';

export interface AppleContainer {
  id: string;
  state: string;
  labels: Record<string, string>;
  image: string;
  environment: string[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type ContainerCli = (args: string[], opts?: { timeoutMs?: number }) => Promise<RunResult>;

/** Runs `container ARGS…` with the backend's environment (scrubbed of credentials by the daemon). */
export function containerCli(env: Record<string, string>, bin = 'container'): ContainerCli {
  return (args, opts = {}) =>
    new Promise((resolve) => {
      execFile(bin, args, { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => {
        const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (e && code === -1 ? e.message : '') });
      });
    });
}

/** Apple's "not found" errors (`Error: notFound: "container X not found"`). */
export function isNotFound(r: RunResult): boolean {
  return r.code !== 0 && /notFound|not found/i.test(r.stderr);
}

/** The CLI's own error line, for a message. */
export function cliError(r: RunResult): string {
  return (r.stderr.trim().split('\n')[0] ?? '').replace(/^Error:\s*/, '') || `exit status ${r.code}`;
}

/**
 * `container list --all --format json`: an array of ManagedContainer — `{id, configuration: {id,
 * labels, image: {reference}, initProcess: {environment}}, status: {state, networks}}` (current
 * sources), or the older snapshot shape the docs show (`status` a string, `networks` beside it).
 */
export function parseList(stdout: string): AppleContainer[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new ClauderonError('backend', `container list printed something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(data)) throw new ClauderonError('backend', 'container list --format json did not print an array');
  return data.flatMap((raw): AppleContainer[] => {
    const c = raw as { id?: unknown; configuration?: { id?: unknown; labels?: unknown; image?: { reference?: unknown }; initProcess?: { environment?: unknown } }; status?: unknown };
    const id = typeof c.id === 'string' ? c.id : typeof c.configuration?.id === 'string' ? c.configuration.id : null;
    if (!id) return [];
    const status = c.status;
    const state = typeof status === 'string' ? status : typeof (status as { state?: unknown } | undefined)?.state === 'string' ? (status as { state: string }).state : 'unknown';
    const labels = c.configuration?.labels && typeof c.configuration.labels === 'object' ? (c.configuration.labels as Record<string, string>) : {};
    const environment = Array.isArray(c.configuration?.initProcess?.environment) ? (c.configuration.initProcess.environment as unknown[]).filter((e): e is string => typeof e === 'string') : [];
    const image = typeof c.configuration?.image?.reference === 'string' ? c.configuration.image.reference : '';
    return [{ id, state, labels, image, environment }];
  });
}

/** Apple's memory sizes (Measurement+Parse.swift, binary units) → bytes; null when it cannot be read. */
export function parseAppleMemory(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgtp])(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes >= 1024 * 1024 ? bytes : null; // (1 MiB granularity)
}

/** An `--env-file` (KEY=VALUE lines) for values the command line should not show. */
export function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new ClauderonError('invalid_input', `environment variable ${k} holds a line break: an Apple container's env file cannot carry it`);
      return `${k}=${v}\n`;
    })
    .join('');
}
