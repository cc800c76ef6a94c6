// README's paths table is generated from src/config/paths.ts, as `clauderon config paths` is (see
// helpers/docs.ts; `npm run docs` rewrites it).
import { describe, expect, it } from 'vitest';
import { getPaths, markdownPathTable, PATH_ENTRIES, pathsListing } from '../src/config/paths.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the paths table generated from src/config/paths.ts', () => {
    expectGeneratedSection('docs/configuration.md', 'paths', markdownPathTable());
  });

  it('lists every file clauderon keeps, in the table and in config paths', () => {
    const p = getPaths('/h', { XDG_CONFIG_HOME: '/x' });
    const table = markdownPathTable();
    const listing = pathsListing(p);
    for (const f of ['proxy-auth.key', 'hook-auth.key', 'notices.json', 'managed-settings.json', 'api-key-settings.json', 'hooks-api-key-settings.json', 'clauderon/config.toml']) {
      expect(table).toContain(f);
      expect(listing).toContain(f);
    }
    for (const e of PATH_ENTRIES) expect(table).toContain(`\`${e.name}\``);
  });
});
