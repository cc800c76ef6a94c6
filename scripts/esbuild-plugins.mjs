// esbuild plugins shared by the build (scripts/build.mjs) and the bench's TUI bundle, so that both
// bundle the TUI the same way.
import { fileURLToPath } from 'node:url';

const textWidth = fileURLToPath(new URL('../src/tui/text-width.ts', import.meta.url));

/** `string-width` (Ink's, wrap-ansi's, cli-truncate's…) is src/tui/text-width.ts, which wraps the real one. */
export const fastStringWidth = {
  name: 'fast-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, (args) => (args.importer === textWidth ? undefined : { path: textWidth }));
  },
};
