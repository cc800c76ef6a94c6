// Generated sections of README.md (and docs/*.md): the text between `<!-- NAME:start … -->` and
// `<!-- NAME:end -->` must equal what the code generates. `npm run docs` (UPDATE_DOCS=1) rewrites
// it; otherwise the check fails when the two drift apart. Needs no build.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Check (or with UPDATE_DOCS=1 rewrite) the generated section `name` of `file` (relative to the repo). */
export function expectGeneratedSection(file: string, name: string, wanted: string): void {
  const path = join(REPO_ROOT, file);
  const text = readFileSync(path, 'utf8');
  const start = new RegExp(`<!-- ${name}:start[^>]*-->`).exec(text);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${file} lacks the ${name} markers`).not.toBeNull();
  expect(end, `${file} lacks <!-- ${name}:end -->`).toBeGreaterThan(start?.index ?? 0);
  const from = (start?.index ?? 0) + (start?.[0].length ?? 0);
  const current = text.slice(from, end).trim();
  if (process.env.UPDATE_DOCS === '1' && current !== wanted) {
    writeFileSync(path, `${text.slice(0, from)}\n${wanted}\n${text.slice(end)}`);
    return;
  }
  expect(current).toBe(wanted);
}
