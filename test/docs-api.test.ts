// README's API table is generated from the operations table (see helpers/docs.ts; `npm run docs`
// rewrites it).
import { describe, expect, it } from 'vitest';
import { CONSOLE_CLOSE, CONSOLE_PATH } from '../src/daemon/console.js';
import { CONSOLE_PATH as DOCUMENTED_CONSOLE_PATH, markdownApiTable } from '../src/protocol/operations.js';
import { expectGeneratedSection } from './helpers/docs.js';

describe('README', () => {
  it('has the API table generated from the operations table', () => {
    expectGeneratedSection('docs/api.md', 'api', markdownApiTable());
  });

  it('documents the console WebSocket at the path and with the close codes the daemon uses', () => {
    expect(DOCUMENTED_CONSOLE_PATH).toBe(CONSOLE_PATH);
    const table = markdownApiTable();
    expect(table).toContain(`\`GET ${CONSOLE_PATH}/:name\``);
    expect(table).toContain(`close ${CONSOLE_CLOSE.notFound} or ${CONSOLE_CLOSE.notRunning}`);
  });
});
