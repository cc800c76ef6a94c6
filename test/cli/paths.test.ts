// `clauderon config paths`: every entry of src/config/paths.ts (README's table is made from the
// same entries, see test/docs-paths.test.ts), with the keys it always had.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getPaths, PATH_ENTRIES } from '../../src/config/paths.js';
import { makeEnv, type Env } from '../helpers/e2e.js';

let env: Env;
afterEach(() => env?.cleanup());

const KEYS_BEFORE = [
  'home', 'db', 'socket', 'daemonInfo', 'daemonLock', 'logs', 'daemonLog', 'config', 'proxyConfig', 'caCert', 'caKey', 'caBundle',
  'hookSettings', 'apiKeySettings', 'hooksApiKeySettings', 'secrets', 'audit', 'worktrees', 'uploads', 'sessions', 'tmuxSocket',
];

describe('config paths', () => {
  it('lists every file and directory, by key, with --json and as text', () => {
    env = makeEnv();
    const json = env.json<Record<string, string>>(['config', 'paths']);
    expect(json).toEqual(getPaths(env.home, env.env));
    expect(Object.keys(json)).toEqual(PATH_ENTRIES.map((e) => e.name));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(KEYS_BEFORE));
    expect(json).toMatchObject({
      db: join(env.home, 'db.sqlite'),
      xdgConfig: join(env.root, 'xdg-config', 'clauderon', 'config.toml'),
      proxyAuthKey: join(env.home, 'proxy-auth.key'),
      hookAuthKey: join(env.home, 'hook-auth.key'),
      notices: join(env.home, 'notices.json'),
      managedSettings: join(env.home, 'managed-settings.json'),
      apiKeySettings: join(env.home, 'api-key-settings.json'),
      hooksApiKeySettings: join(env.home, 'hooks-api-key-settings.json'),
    });

    const text = env.run(['config', 'paths']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/ +/))).toEqual(PATH_ENTRIES.map((e) => [e.name, json[e.name]]));
  });
});
