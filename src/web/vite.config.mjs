// Vite config of the browser app (src/web → dist/web). scripts/build.mjs runs it through Vite's JS
// API after the esbuild bundle; users never run a dev server. Hashed files under /assets/ (the
// daemon serves them with long caching, index.html with no-cache).
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default {
  root,
  base: '/',
  logLevel: 'warn',
  publicDir: false,
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
