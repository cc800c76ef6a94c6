// Bundles bench/run.ts (with esbuild, like scripts/build.mjs does for the CLI) to .bench-tmp/run.mjs
// and runs it. `npm run bench` builds dist/ first: the benchmark drives the real dist/clauderon.js.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const outfile = new URL('.bench-tmp/run.mjs', root);

await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: ['bench/run.ts'],
  outfile: outfile.pathname,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  external: ['better-sqlite3', 'typescript', 'dockerode', 'playwright-core', 'node-pty', 'kubernetes-models', '@kubernetes/client-node'],
  // Same version as dist/, so DaemonClient talks to the daemon it starts instead of replacing it.
  define: { __CLAUDERON_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

await import(pathToFileURL(outfile.pathname).href);
