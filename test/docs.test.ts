// README's key table is generated from the keymap (see helpers/docs.ts; `npm run docs` rewrites it).
import { describe, it } from 'vitest';
import { markdownKeyTable } from '../src/tui/keymap.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the key table generated from the keymap', () => {
    expectGeneratedSection('README.md', 'keys', markdownKeyTable());
  });
});
