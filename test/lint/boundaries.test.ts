// The layer rule (eslint.boundaries.js) turns a wrong-way import into a lint error: checked here
// with ESLint itself on small sources placed in each folder, and the project's eslint.config.js
// is checked to carry the rule (so `npm run lint` fails on such an import).
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { boundaries } from '../../eslint.boundaries.js';
import projectConfig from '../../eslint.config.js';

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } }, ...boundaries],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return (r?.messages ?? []).map((m) => m.message);
}

describe('import boundaries', () => {
  it('refuses wrong-way imports', async () => {
    const wrong: [string, string][] = [
      ['src/shared/x.ts', "import { getPaths } from '../config/paths.js';"],
      ['src/config/x.ts', "import { Store } from '../store/store.js';"],
      ['src/store/x.ts', "import { SessionManager } from '../core/manager.js';"],
      ['src/proxy/x.ts', "import { TmuxBackend } from '../backends/tmux.js';"],
      ['src/core/x.ts', "import { HttpApi } from '../daemon/http.js';"],
      ['src/tui/components/x.tsx', "import { sessionTable } from '../../cli/format.js';"],
      ['src/tui/x.ts', "import { loadConfig } from '../config/config.js';"],
      ['src/client/x.ts', "import { SessionManager } from '../core/manager.js';"],
      ['src/protocol/x.ts', "import { DaemonClient } from '../client/client.js';"],
      ['src/config/x.ts', "import { DockerBackend } from '../backends/docker/backend.js';"],
      ['src/cli/x.ts', "import { TmuxBackend } from '../backends/tmux/backend.js';"],
    ];
    for (const [file, code] of wrong) expect((await problems(file, code)).join('\n'), `${file}: ${code}`).toMatch(/may import only from/);
  });

  it('allows imports that point down, and types for the clients', async () => {
    const right: [string, string][] = [
      ['src/core/x.ts', "import { Store } from '../store/store.js';"],
      ['src/daemon/x.ts', "import { SessionManager } from '../core/manager.js';"],
      ['src/tui/x.ts', "import { getPaths } from '../config/paths.js';"],
      ['src/tui/x.ts', "import type { Config } from '../config/config.js';"],
      ['src/client/x.ts', "import type { CredentialInfo } from '../proxy/credentials.js';"],
      ['src/cli/x.ts', "import { DaemonClient } from '../client/client.js';"],
      ['src/shared/x.ts', "import { ClauderonError } from './errors.js';"],
      ['src/config/x.ts', "import { BACKEND_SPECS } from '../backends/registry.js';"],
      ['src/cli/x.ts', "import { backendOptions } from '../backends/registry.js';"],
    ];
    for (const [file, code] of right) expect(await problems(file, code), `${file}: ${code}`).toEqual([]);
  });

  it('keeps backend specs free of implementations and of config (config reads them)', async () => {
    expect((await problems('src/backends/docker/spec.ts', "import { loadConfig } from '../../config/config.js';")).join('\n')).toMatch(/imports only src\/shared/);
    expect((await problems('src/backends/docker/spec.ts', "import { DockerBackend } from './backend.js';")).join('\n')).toMatch(/does not import implementations/);
    expect(await problems('src/backends/docker/spec.ts', "import type { Paths } from '../../config/paths.js';")).toEqual([]);
    expect(await problems('src/backends/docker/spec.ts', "import { defineBackend } from '../spec.js';")).toEqual([]);
  });

  it('lets the browser app (src/web) import types from shared and protocol, the pure chat items, and nothing else of the project', async () => {
    // (Vite bundles src/web for the page: a value of src/shared would bring Node into it)
    const refused = [
      "import { SESSION_STATUSES } from '../shared/types.js';",
      "export { SESSION_STATUSES } from '../shared/types.js';",
      "import '../shared/directories.js';",
      "import { METHODS } from '../protocol/operations.js';",
      "import type { SessionManager } from '../core/manager.js';",
      "import type { Config } from '../config/config.js';",
      "import { DaemonClient } from '../client/client.js';",
      "import { HttpApi } from '../daemon/http.js';",
    ];
    for (const code of refused) expect((await problems('src/web/x.tsx', code)).join('\n'), code).toMatch(/src\/web may import only from src\/shared\/chat-items/);
    const allowed = [
      "import type { Session } from '../shared/types.js';",
      "import { chatItems } from '../shared/chat-items.js';",
      "import { type Session } from '../shared/types.js';",
      "export type { Catalog } from '../shared/results.js';",
      "import type { Method } from '../protocol/operations.js';",
      "import { api } from './api';",
      "import { useState } from 'react';",
    ];
    for (const code of allowed) expect(await problems('src/web/x.tsx', code), code).toEqual([]);
  });

  it('is part of the project’s lint configuration', () => {
    for (const b of boundaries) expect(projectConfig).toContain(b);
  });
});
