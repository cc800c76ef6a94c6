// Bundles the CLI (and, as a lazily loaded chunk, the daemon) into dist/ with esbuild.
// One bundled entry keeps start-up fast: module resolution of many small files dominates otherwise.
import { build } from 'esbuild';
import { fastStringWidth } from './esbuild-plugins.mjs';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Ink's @alcalzone/ansi-tokenize is src/tui/ansi-tokenize.ts (which wraps the real one and keeps a
// line's styled cells between frames): a TUI frame costs a quarter of what it did. bench/tui.ts
// bundles the TUI with the same plugin.
const tuiAnsiTokenize = fileURLToPath(new URL('../src/tui/ansi-tokenize.ts', import.meta.url));
const cachedAnsiTokenize = {
  name: 'cached-ansi-tokenize',
  setup(b) {
    b.onResolve({ filter: /^@alcalzone\/ansi-tokenize$/ }, (args) => (args.importer === tuiAnsiTokenize ? undefined : { path: tuiAnsiTokenize }));
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { clauderon: 'src/cli/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons (better-sqlite3, node-pty) and big ones: loaded from node_modules at run time.
  external: ['better-sqlite3', 'typescript', 'dockerode', 'node-pty'],
  alias: { 'react-devtools-core': './scripts/stubs/react-devtools-core.js' },
  plugins: [fastStringWidth, cachedAnsiTokenize],
  jsx: 'automatic',
  define: { __CLAUDERON_VERSION__: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
// The shebang goes only on the entry file.
const entry = new URL('../dist/clauderon.js', import.meta.url);
const text = readFileSync(entry, 'utf8');
const { writeFileSync } = await import('node:fs');
writeFileSync(entry, `#!/usr/bin/env node\n${text}`);
chmodSync(entry, 0o755);

// The in-pod relay of remote backends (src/backends/relay/relay.mjs) is shipped as a file: it runs
// inside the pod, not in this process (src/backends/relay/script.ts finds it beside the bundle).
const { copyFileSync } = await import('node:fs');
copyFileSync(new URL('../src/backends/relay/relay.mjs', import.meta.url), new URL('../dist/relay.mjs', import.meta.url));

// The web UI (src/web, React + Vite) into dist/web/, which the daemon serves on its HTTP port.
// After esbuild (dist/ was emptied above); Vite's JS API, so no dev server and no extra step.
const { build: viteBuild } = await import('vite');
await viteBuild({ configFile: fileURLToPath(new URL('../src/web/vite.config.mjs', import.meta.url)) });
