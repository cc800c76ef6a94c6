// An in-process HTTP API on a real SQLite store in a temp dir and the real SessionManager (no
// backend is ever used), for tests of the API's gate and limits. Returns its port and a cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config/config.js';
import { ensureHome, getPaths } from '../../src/config/paths.js';
import { HookTokens } from '../../src/core/hooks.js';
import { SessionManager } from '../../src/core/manager.js';
import { HttpApi, type HttpApiOptions } from '../../src/daemon/http.js';
import { Store } from '../../src/store/store.js';

export interface ApiFixture {
  api: HttpApi;
  store: Store;
  tokens: HookTokens;
  /** What the API logged at error level. */
  errors: string[];
  close(): Promise<void>;
}

export async function startApi(opts: Partial<HttpApiOptions> | ((store: Store) => Partial<HttpApiOptions>) = {}, status: () => Record<string, unknown> = () => ({ ok: true })): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'clrn-http-'));
  const paths = getPaths(join(dir, 'home'));
  ensureHome(paths);
  const store = Store.open(paths.db);
  const tokens = new HookTokens(paths);
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (m: string, d?: Record<string, unknown>) => void errors.push(`${m} ${JSON.stringify(d ?? {})}`) };
  const manager = new SessionManager({
    store,
    paths,
    loadConfig: () => Promise.resolve(defaultConfig()),
    backends: () => {
      throw new Error('no backend is used here');
    },
    pathEnv: process.env.PATH,
    log,
    emit: () => undefined,
    firstNotice: () => false,
    hooks: { tokens, url: () => null },
  });
  const api = new HttpApi({ manager, store, log, subscribe: () => () => undefined, status }, { port: 0, bind: '127.0.0.1', token: null, disableAuth: false, ...(typeof opts === 'function' ? opts(store) : opts) });
  await api.start();
  return {
    api,
    store,
    tokens,
    errors,
    async close() {
      await api.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
