// README's exit-status table is generated from the CLI's one table of them (see helpers/docs.ts;
// `npm run docs` rewrites it).
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODES, markdownExitCodeTable } from '../src/cli/exit-codes.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the exit-status table generated from src/cli/exit-codes.ts', () => {
    expectGeneratedSection('docs/cli.md', 'exit-codes', markdownExitCodeTable());
  });

  it('documents every code the CLI uses', () => {
    const documented = new Set(EXIT_CODES.map((e) => e.code));
    for (const code of Object.values(EXIT)) expect(documented, `exit status ${code}`).toContain(String(code));
  });
});
