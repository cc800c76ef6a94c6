// docs/configuration.md's egress presets table is generated from the presets themselves
// (src/shared/egress-rules.ts; `npm run docs` rewrites it).
import { describe, it } from 'vitest';
import { markdownPresetTable } from '../src/shared/egress-rules.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('docs/configuration.md', () => {
  it('has the egress presets table generated from PRESETS', () => {
    expectGeneratedSection('docs/configuration.md', 'egress-presets', markdownPresetTable());
  });
});
