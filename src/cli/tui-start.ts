// Starting the TUI: shared by the bin's fast path (bin.ts: `clauderon` alone in a terminal, with
// neither commander nor the commands loaded) and the CLI's own no-command action (main.ts).
import { writeFileSync } from 'node:fs';
import type { Paths } from '../config/paths.js';

/** Open the TUI for `paths`' home; resolves with the exit status. */
export async function startTui(paths: Paths): Promise<number> {
  const { runTui } = await importInteractive(() => import('../tui/run.js'));
  // Benchmark aid: the time the first full list frame was drawn is written to this file.
  const frameFile = process.env.CLAUDERON_BENCH_FRAME_FILE;
  return runTui({
    paths,
    ...(frameFile ? { onFirstFrame: () => writeFileSync(frameFile, String(Date.now())) } : {}),
  });
}

/**
 * Import the TUI as for a person at a terminal. Ink decides once, when it loads, whether it runs
 * in CI (the CI or CONTINUOUS_INTEGRATION variables) and then draws nothing until it exits; the
 * TUI only starts on a TTY, so those variables are hidden while it loads.
 */
async function importInteractive<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await importWithoutFetch(load);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/**
 * Import a module while `globalThis.fetch` is hidden. Ink's layout engine (yoga, wasm) decodes its
 * embedded binary synchronously when there is no fetch, and otherwise fetch()es a data: URL —
 * which makes Node load its whole HTTP client (undici) on the TUI's start path.
 */
async function importWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!original?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', original);
  }
}

