// What a client process loads at start (DESIGN.md, "Startup budget"): the bin's static import
// graph, read from the built bundle, holds no daemon-side or heavy module — no zod (schemas are
// the daemon's and the specs hand zod in), no dockerode, node-forge, better-sqlite3, graphql or
// the daemon itself. Those load with `import()` where they are first needed.
import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * The bin's entry is a small switch that imports, at once, either the TUI's start (`clauderon` in a
 * terminal) or the CLI: what a client loads at start is the entry's static graph plus each of those
 * chunks' static graphs.
 */
function startGraph(entry: string): Map<string, string> {
  const graph = staticGraph(entry);
  const text = readFileSync(entry, 'utf8');
  for (const m of text.matchAll(/import\("(\.[^"]+)"\)/g)) for (const [f, t] of staticGraph(join(dirname(entry), m[1] ?? ''))) graph.set(f, t);
  return graph;
}

describe('client start-up', () => {
  it('the entry goes straight to the TUI or to the CLI: the TUI path loads no commander and no command module', () => {
    const entry = readFileSync(BIN, 'utf8');
    const chunks = [...entry.matchAll(/import\("(\.[^"]+)"\)/g)].map((m) => m[1] ?? '');
    const tui = chunks.find((c) => /tui-start/.test(c));
    const cli = chunks.find((c) => /\/main-/.test(c));
    expect(tui, entry).toBeTruthy();
    expect(cli, entry).toBeTruthy();
    const tuiGraph = [...staticGraph(BIN).values(), ...staticGraph(join(dirname(BIN), tui ?? '')).values()].join('\n');
    expect(tuiGraph).not.toMatch(/Constructs the CommanderError class/);
    expect(tuiGraph).not.toMatch(/show one session/);
    const cliGraph = [...staticGraph(join(dirname(BIN), cli ?? '')).values()].join('\n');
    expect(cliGraph).toMatch(/Constructs the CommanderError class/); // (the mark is right: the CLI has it)
    expect(cliGraph).toMatch(/show one session/);
  });

  it('the TUI measures text with src/tui/text-width.ts (one string-width, behind its fast path)', () => {
    const dir = join(dirname(BIN), 'chunks');
    const all = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(all).toContain('function fastStringWidth(');
    expect(all.match(/^function stringWidth\d*\(/gm)).toHaveLength(1);
  });

  it('loads no schema library, engine client, crypto library, database or daemon code', () => {
    const graph = startGraph(BIN);
    expect(graph.size).toBeGreaterThan(3);
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
