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

const LAYERS = {
  shared: { may: [] },
  config: { may: ['shared'] },
  git: { may: ['shared', 'config'] },
  store: { may: ['shared', 'config'] },
  agents: { may: ['shared', 'config'] },
  proxy: { may: ['shared', 'config', 'agents'] },
  backends: { may: ['shared', 'config', 'agents'] },
  core: { may: ['shared', 'config', 'git', 'store', 'agents', 'proxy', 'backends'] },
  protocol: { may: ['shared'], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  daemon: { may: ['shared', 'config', 'git', 'store', 'agents', 'proxy', 'backends', 'core', 'protocol'] },
  client: { may: ['shared', 'protocol', 'config/paths'], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  cli: { may: ['shared', 'protocol', 'client', 'config/paths'], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
  tui: { may: ['shared', 'protocol', 'client', 'config/paths'], typesFrom: ['config', 'agents', 'proxy', 'backends', 'core'] },
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

export const boundaries = folders.map((layer) => ({
  files: [`src/${layer}/**/*.ts`, `src/${layer}/**/*.tsx`],
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: rulesFor(layer) }] },
}));
