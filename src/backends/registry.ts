// Every backend clauderon knows: adding one is its folder (spec.ts + its implementation) and its
// line here (and its name in shared/types.ts BACKENDS, which the type below holds to this table).
// Nothing else switches on backend names: config sections, create options, CLI flags, defaults
// and capabilities are all read from these specs.
import { ClauderonError } from '../shared/errors.js';
import type { BackendName } from '../shared/types.js';
import { appleSpec } from './apple/spec.js';
import { dockerSpec } from './docker/spec.js';
import { kubernetesSpec } from './kubernetes/spec.js';
import { spritesSpec } from './sprites/spec.js';
import type { AnyBackendSpec, BackendOption } from './spec.js';
import { tmuxSpec } from './tmux/spec.js';
import { zellijSpec } from './zellij/spec.js';

export const BACKEND_SPECS = {
  zellij: zellijSpec,
  tmux: tmuxSpec,
  docker: dockerSpec,
  kubernetes: kubernetesSpec,
  sprites: spritesSpec,
  apple: appleSpec,
} as const satisfies { [K in BackendName]: AnyBackendSpec & { name: K } };

export type BackendSpecs = typeof BACKEND_SPECS;

export function allBackendSpecs(): AnyBackendSpec[] {
  return Object.values(BACKEND_SPECS);
}

export function backendSpec(name: string): AnyBackendSpec {
  const spec = (BACKEND_SPECS as Record<string, AnyBackendSpec | undefined>)[name];
  if (!spec) throw new ClauderonError('invalid_input', `unknown backend "${name}" — one of ${Object.keys(BACKEND_SPECS).join(', ')}`);
  return spec;
}

/** Every backend option (for the CLI's flags and the create body), with the backends that take it. */
export function backendOptions(): (BackendOption & { backends: BackendName[] })[] {
  const out = new Map<string, BackendOption & { backends: BackendName[] }>();
  for (const s of allBackendSpecs()) {
    for (const o of s.options) {
      const known = out.get(o.key);
      if (known) {
        known.backends.push(s.name);
        known.description = `${known.description}; ${o.description}`;
      }
      else out.set(o.key, { ...o, backends: [s.name] });
    }
  }
  return [...out.values()];
}

/** Backends tried, in order, when none is asked for or configured. */
export function fallbackOrder(): AnyBackendSpec[] {
  return allBackendSpecs()
    .filter((s) => s.capabilities.fallbackRank !== null)
    .sort((a, b) => (a.capabilities.fallbackRank ?? 0) - (b.capabilities.fallbackRank ?? 0));
}

/** The backends a create dialog offers: all but those whose platform this is not (their spec's unsupportedHere). */
export function offeredBackends(): BackendName[] {
  return allBackendSpecs().filter((s) => !s.unsupportedHere?.()).map((s) => s.name);
}
