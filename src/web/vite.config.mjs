// Vite config of the browser app (src/web → dist/web). scripts/build.mjs runs it through Vite's JS
// API after the esbuild bundle; users never run a dev server. Hashed files under /assets/ (the
// daemon serves them with long caching, index.html with no-cache). src/web/public/ (the web app
// manifest and its icons) is copied as it is, under fixed names. The service worker (src/web/sw.js)
// is written to dist/web/sw.js with this build's shell — every file of the build and of public/,
// index.html as "/" — and a version hashed from their contents, so a new build's worker installs a
// new cache and drops the old one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const publicDir = join(root, 'public');

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => join(d.parentPath, d.name));
}

/** dist/web/sw.js: src/web/sw.js with the build's shell list and version filled in. */
function serviceWorker() {
  return {
    name: 'clauderon-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const files = new Map();
      for (const [name, out] of Object.entries(bundle)) {
        if (name.endsWith('.map')) continue;
        files.set(name === 'index.html' ? '/' : `/${name}`, out.type === 'chunk' ? out.code : out.source);
      }
      for (const file of filesUnder(publicDir)) files.set(`/${relative(publicDir, file).split(sep).join('/')}`, readFileSync(file));
      if (!files.has('/')) this.error('the service worker needs index.html in the bundle');
      const shell = [...files.keys()].sort();
      const hash = createHash('sha256');
      for (const path of shell) hash.update(`${path}\0`).update(files.get(path)).update('\0');
      const version = hash.digest('hex').slice(0, 16);
      const template = readFileSync(join(root, 'sw.js'), 'utf8');
      const source = template
        .replace(/\/\* VERSION \*\/ '[^']*'/, () => JSON.stringify(version))
        .replace(/\/\* SHELL \*\/ \[[^\]]*\]/, () => JSON.stringify(shell));
      if (source.includes('/* VERSION */') || source.includes('/* SHELL */')) this.error('src/web/sw.js lost its VERSION or SHELL marker');
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default {
  root,
  base: '/',
  logLevel: 'warn',
  publicDir,
  plugins: [serviceWorker()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // the terminal chunk (xterm) is lazy and large on purpose
    chunkSizeWarningLimit: 600,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
};
