// Where relay.mjs (the in-pod relay) is, so a remote backend can ship it into the runtime (a
// ConfigMap file for Kubernetes, a file write for Sprites). In src/ it sits next to this module;
// in the bundle the build copies it to dist/relay.mjs while this code may live in dist/ or in
// dist/chunks/, hence the candidates in order.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CANDIDATES = ['./relay.mjs', '../relay.mjs', './relay/relay.mjs'];

let cached: string | undefined;

/** Absolute path of relay.mjs; throws if the package is missing it (a broken build). */
export function relayScriptPath(): string {
  if (cached !== undefined) return cached;
  for (const rel of CANDIDATES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return (cached = path);
  }
  throw new Error(
    `relay.mjs not found next to ${fileURLToPath(import.meta.url)} (looked at ${CANDIDATES.join(', ')}) — the build must copy src/backends/relay/relay.mjs into dist/`,
  );
}

/** The relay's source text, as it is delivered into the runtime. */
export function relayScriptSource(): string {
  return readFileSync(relayScriptPath(), 'utf8');
}
