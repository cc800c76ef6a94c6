// README's key table is generated from the keymap. `npm run docs` (UPDATE_DOCS=1) rewrites it;
// otherwise this test fails when the two drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownKeyTable } from '../src/tui/keymap.js';
import { ROOT } from './helpers/e2e.js';

const START = '<!-- keys:start (generated from src/tui/keymap.ts by npm run docs) -->';
const END = '<!-- keys:end -->';

describe('README', () => {
  it('has the key table generated from the keymap', () => {
    const file = join(ROOT, 'README.md');
    const text = readFileSync(file, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    expect(a, 'README lacks the key table markers').toBeGreaterThan(0);
    const current = text.slice(a + START.length, b).trim();
    const wanted = markdownKeyTable();
    if (process.env.UPDATE_DOCS === '1' && current !== wanted) {
      writeFileSync(file, `${text.slice(0, a + START.length)}\n${wanted}\n${text.slice(b)}`);
      return;
    }
    expect(current).toBe(wanted);
  });
});
