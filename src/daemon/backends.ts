// The daemon's backends: every spec's implementation loaded once at start, and each backend built
// once per change of its config section (not on every operation, as config.toml is re-read by
// each one).
import { BACKEND_SPECS } from '../backends/registry.js';
import type { BackendDeps, SessionTargets } from '../backends/spec.js';
import type { Backend } from '../backends/types.js';
import type { Config } from '../config/config.js';
import type { Paths } from '../config/paths.js';
import type { BackendName } from '../shared/types.js';

export type BackendSet = Record<BackendName, Backend>;

export async function loadBackends(paths: Paths, env: Record<string, string>, targets?: SessionTargets): Promise<(config: Config) => BackendSet> {
  const names = Object.keys(BACKEND_SPECS) as BackendName[];
  const factories = await Promise.all(names.map(async (n) => [n, await BACKEND_SPECS[n].load()] as const));
  const built = new Map<BackendName, { key: string; backend: Backend }>();
  return (config) => {
    const out = {} as BackendSet;
    for (const [name, factory] of factories) {
      const section: unknown = config[name];
      const key = JSON.stringify(section);
      let b = built.get(name);
      if (!b || b.key !== key) {
        b?.backend.close?.(); // (the old instance's open streams go with it)
        // (each factory takes the section its own spec's configSchema parsed)
        b = { key, backend: factory({ section, paths, env, targets } as BackendDeps<never>) };
        built.set(name, b);
      }
      out[name] = b.backend;
    }
    return out;
  };
}
