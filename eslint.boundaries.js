// Layers that point one way (DESIGN.md, "Source layout"): each folder of src/ lists the folders it
// may import from; anything else is a lint error. `typesFrom`: layers whose *types* a folder may
// import (erased at build time, so no load cost and no runtime dependency) — the clients describe
// operation results with types defined where the work is done.
//
//   cli / tui → client → protocol → shared          (the user's processes: nothing of the daemon)
//   daemon → core → store / backends / proxy / git / agents → config → shared
//
// The bin entry (cli/main.ts) starts the TUI and the daemon with dynamic `import()`, which this
// rule does not check: it is the one composition root of every process.

// `backends/registry` (with the specs it lists) is what a backend declares about itself — names,
// capabilities, config section, create options — and imports no implementation: config reads
// its sections from it, and the clients their flags and choices.
const SPECS = 'backends/registry';
/** The same for agents: what each declares (argv, model API, status, home, transcripts). */
const AGENTS = 'agents/registry';

const LAYERS = {
  shared: { may: [] },
  config: { may: ['shared', SPECS, AGENTS] },
  git: { may: ['shared', 'config'] },
  store: { may: ['shared', 'config'] },
  agents: { may: ['shared', 'config'] },
  proxy: { may: ['shared', 'config', 'agents'] },
  backends: { may: ['shared', 'config', 'agents'] },
  core: { may: ['shared', 'config', 'git', 'store', 'agents', 'proxy', 'backends'] },
  protocol: { may: ['shared', SPECS], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  daemon: { may: ['shared', 'config', 'git', 'store', 'agents', 'proxy', 'backends', 'core', 'protocol'] },
  client: { may: ['shared', 'protocol', 'config/paths', SPECS], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  cli: { may: ['shared', 'protocol', 'client', 'config/paths', SPECS], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  tui: { may: ['shared', 'protocol', 'client', 'config/paths', SPECS], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  // the browser app: bundled by Vite for the page, so nothing of the daemon's or Node's; types only,
  // the transcript → chat items reading it shares with `clauderon history`, and the image rules of
  // attachments it shares with the daemon and the CLI (pure: shared imports nothing)
  web: { may: ['shared/chat-items', 'shared/images'], typesFrom: ['shared', 'protocol'] },
};

const folders = Object.keys(LAYERS);

/** Import patterns (gitignore style, as no-restricted-imports matches them) for a folder or a module. */
function patternsFor(target) {
  return target.includes('/') ? [`**/${target}.js`] : [`**/${target}/*`, `**/${target}/**`];
}

function rulesFor(layer) {
  const { may, typesFrom = [] } = LAYERS[layer];
  const allowed = new Set([layer, ...may]);
  const message = `src/${layer} may import only from ${may.length ? may.map((m) => `src/${m}`).join(', ') : 'itself'} (layers point one way: see eslint.boundaries.js)`;
  const patterns = [];
  for (const other of folders) {
    if (allowed.has(other)) continue;
    // a folder allowed only in part (config/paths): everything else of it is refused
    const partly = [...allowed].filter((a) => a.startsWith(`${other}/`));
    const group = [...patternsFor(other), ...partly.map((p) => `!${patternsFor(p)[0]}`)];
    patterns.push({ group, message, allowTypeImports: typesFrom.includes(other) });
  }
  if (layer === 'shared') patterns.push({ group: ['../*', '../**'], message, allowTypeImports: false });
  return patterns;
}

const rule = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

export const boundaries = [
  ...folders.map((layer) => ({ files: [`src/${layer}/**/*.ts`, `src/${layer}/**/*.tsx`], rules: rule(rulesFor(layer)) })),
  // the specs themselves: below config (which reads them), so they import shared only (and types)
  {
    files: ['src/agents/registry.ts', 'src/agents/spec.ts', 'src/agents/claude.ts', 'src/agents/codex.ts', 'src/agents/gemini.ts'],
    rules: rule([{ group: folders.filter((f) => f !== 'shared' && f !== 'agents').flatMap((f) => patternsFor(f)), message: 'an agent spec imports only src/shared (and types): config, the proxy and the manager read it', allowTypeImports: true }]),
  },
  {
    files: ['src/backends/registry.ts', 'src/backends/spec.ts', 'src/backends/*/spec.ts'],
    rules: rule([
      { group: folders.filter((f) => f !== 'shared' && f !== 'backends').flatMap((f) => patternsFor(f)), message: 'a backend spec imports only src/shared (and types): config and the clients read it', allowTypeImports: true },
      { group: ['**/backend.js', '**/cwd.js', '../*/container.js', '../*/image.js', '../*/engine.js', './container.js', './image.js', './engine.js'], message: 'a backend spec does not import implementations (load them in load())', allowTypeImports: true },
    ]),
  },
];
