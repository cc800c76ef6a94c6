// What a client process loads at start (DESIGN.md, "Startup budget"): the bin's static import
// graph, read from the built bundle, holds no daemon-side or heavy module — no zod (schemas are
// the daemon's and the specs hand zod in), no dockerode, node-forge, better-sqlite3, graphql or
// the daemon itself. Those load with `import()` where they are first needed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/e2e.js';

/** Every file the bin loads before its first line runs: its static imports, transitively. */
function staticGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/^import\s[^;]*?from\s*"(\.[^"]+)";?$|^import\s*"(\.[^"]+)";?$/gm)) visit(join(dirname(file), m[1] ?? m[2] ?? ''));
  };
  visit(entry);
  return seen;
}

describe('client start-up', () => {
  it('loads no schema library, engine client, crypto library, database or daemon code', () => {
    const graph = staticGraph(BIN);
    expect(graph.size).toBeGreaterThan(1);
    const all = [...graph.values()].join('\n');
    const marks: [string, RegExp][] = [
      ['zod', /class ZodObject|ZodError\b.*issues/],
      ['dockerode', /"dockerode"/],
      ['node-forge', /node-forge|forge\.pki/],
      ['better-sqlite3', /better-sqlite3/],
      ['graphql', /"OperationDefinition"/],
      ['the daemon', /"daemon listening"/],
    ];
    for (const [what, mark] of marks) expect(mark.test(all), `${what} is in the client's static import graph`).toBe(false);
  });
});
