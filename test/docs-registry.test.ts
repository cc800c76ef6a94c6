// README's backends and agents tables are generated from the registries (`npm run docs` rewrites them).
import { describe, it } from 'vitest';
import { markdownAgentTable } from '../src/agents/docs.js';
import { markdownBackendTable } from '../src/backends/docs.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the backends table generated from the backend registry', () => {
    expectGeneratedSection('README.md', 'backends', markdownBackendTable());
  });
  it('has the agents table generated from the agent registry', () => {
    expectGeneratedSection('README.md', 'agents', markdownAgentTable());
  });
});
