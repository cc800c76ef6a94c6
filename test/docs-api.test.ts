// README's API table is generated from the operations table (see helpers/docs.ts; `npm run docs`
// rewrites it).
import { describe, it } from 'vitest';
import { markdownApiTable } from '../src/protocol/operations.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the API table generated from the operations table', () => {
    expectGeneratedSection('docs/api.md', 'api', markdownApiTable());
  });
});
