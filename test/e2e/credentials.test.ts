// `clauderon config credentials` through the built binary: the daemon reads the environment,
// 1Password (through fixtures/bin/op, a double of the `op` CLI) and secrets/ files; the user
// sees each name, whether it is set and where from — and no value anywhere.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder, FIXTURE_BIN, makeEnv, type Env, readIfThere } from '../helpers/e2e.js';
import type { Session } from '../../src/shared/types.js';

let env: Env;
afterEach(() => env?.cleanup());


describe('the daemon’s config.show', () => {
  it('says that [http] token is set but never gives its value (HTTP API)', async () => {
    env = makeEnv();
    const token = 'tok-SECRET-0123456789abcdef';
    env.writeConfig(`[tui]\nbell = true\n`);
    const cfg = readFileSync(join(env.home, 'config.toml'), 'utf8').replace('[http]\n', `[http]\ntoken = "${token}"\n`);
    writeFileSync(join(env.home, 'config.toml'), cfg);
    expect(env.run(['list']).code).toBe(0); // starts the daemon
    const r = await fetch(`http://127.0.0.1:${env.httpPort}/api/config`);
    const text = await r.text();
    expect(r.status, text).toBe(200);
    expect(text).not.toContain(token);
    expect((JSON.parse(text) as { config: { http: { token?: string }; tui: { bell: boolean } } }).config).toMatchObject({ http: { token: '(set)' }, tui: { bell: true } });
  });
});

describe('config credentials', () => {
  it('lists every credential with its source and never shows a value', () => {
    env = makeEnv();
    const secrets = { env: 'ghp_FROMENV_0123456789', op: 'sk-ant-oat-FROM1PASSWORD', file: 'npm_FROMFILE_abcdef' };
    mkdirSync(join(env.home, 'secrets'), { recursive: true, mode: 0o700 });
    writeFileSync(join(env.home, 'secrets', 'npm_token'), `${secrets.file}\n`, { mode: 0o600 });
    writeFileSync(join(env.home, 'secrets', 'github_token'), 'ghp_LOSES_TO_ENV\n', { mode: 0o600 });
    writeFileSync(join(env.home, 'proxy.toml'), '[onepassword]\nenabled = true\n[onepassword.credentials]\nanthropic_oauth_token = "op://Production/Anthropic/oauth_token"\n');
    const items = join(env.root, 'op-items.json');
    writeFileSync(items, JSON.stringify({ 'op://Production/Anthropic/oauth_token': secrets.op }));
    chmodSync(items, 0o600);
    const runEnv = { GITHUB_TOKEN: secrets.env, OP_DOUBLE_ITEMS: items, PATH: `${FIXTURE_BIN}:${env.env.PATH ?? ''}` };

    const table = env.run(['config', 'credentials'], { env: runEnv });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/github_token\s+yes\s+env\s+GITHUB_TOKEN/);
    expect(table.stdout).toMatch(/anthropic_oauth_token\s+yes\s+1password\s+op:\/\/Production\/Anthropic\/oauth_token/);
    expect(table.stdout).toMatch(/npm_token\s+yes\s+file\s+secrets\/npm_token/);
    expect(table.stdout).toMatch(/openai_api_key\s+no\s+-\s+not set/);
    // a ChatGPT login of Codex: looked for in the environment, the secrets and the host's auth.json
    expect(table.stdout).toMatch(/chatgpt_access_token\s+no\s+-\s+not set \(looked at CODEX_ACCESS_TOKEN, secrets\/chatgpt_access_token, .*\.codex\/auth\.json\)/);

    const json = env.json<{ credentials: { name: string; set: boolean; source: string | null }[]; error: string | null }>(['config', 'credentials'], { env: runEnv });
    expect(json.error).toBeNull();
    expect(json.credentials).toHaveLength(13);
    expect(json.credentials.filter((c) => c.set).map((c) => [c.name, c.source])).toEqual([
      ['github_token', 'env'],
      ['anthropic_oauth_token', '1password'],
      ['npm_token', 'file'],
    ]);

    // No value on the screen, in the daemon's log or in the store — only the files we wrote.
    const everything = [table.stdout, table.stderr, JSON.stringify(json)];
    for (const f of filesUnder(env.home)) if (!f.includes(`${join(env.home, 'secrets')}`)) everything.push(readIfThere(f));
    for (const v of [...Object.values(secrets), 'ghp_LOSES_TO_ENV']) for (const text of everything) expect(text).not.toContain(v);
  });

  it('reports a broken proxy.toml clearly and exits non-zero', () => {
    env = makeEnv();
    writeFileSync(join(env.home, 'proxy.toml'), '[onepassword]\nenabld = true\n');
    const r = env.run(['config', 'credentials']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/proxy\.toml:2: onepassword\.enabld: unknown key — fix the file or move it aside/);
  });
});

describe('config ca', () => {
  it('the daemon creates the CA on first start; --rotate replaces it', () => {
    env = makeEnv();
    const first = env.json<{ certPath: string; keyPath: string; fingerprint256: string }>(['config', 'ca']);
    expect(first.certPath).toBe(join(env.home, 'proxy-ca.pem'));
    expect(statSync(first.certPath).mode & 0o777).toBe(0o644);
    expect(statSync(first.keyPath).mode & 0o777).toBe(0o600);
    expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(env.json<{ fingerprint256: string }>(['config', 'ca']).fingerprint256).toBe(first.fingerprint256);
    // one live session (its agent trusts the old CA) and one archived (restarts with the new one anyway)
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'live']).code).toBe(0);
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'shelved']).code).toBe(0);
    expect(env.run(['archive', 'shelved']).code).toBe(0);
    const bundleBefore = readFileSync(join(env.home, 'proxy-ca-bundle.pem'), 'utf8');
    const rotated = env.run(['config', 'ca', '--rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('Rotated.');
    expect(rotated.stdout).toMatch(/still trust the old CA[^\n]*\n {2}live\n$/);
    expect(rotated.stdout).not.toContain('shelved');
    expect(env.json<Session>(['show', 'live']).error).toMatch(/^the proxy CA was rotated .* archive and unarchive/);
    expect(env.json<Session>(['show', 'shelved']).error).toBeNull();
    // the bundle agents read now holds the new CA; a restart clears the mark
    expect(readFileSync(join(env.home, 'proxy-ca-bundle.pem'), 'utf8')).not.toBe(bundleBefore);
    expect(readFileSync(join(env.home, 'proxy-ca-bundle.pem'), 'utf8')).toContain(readFileSync(first.certPath, 'utf8').trim());
    expect(env.run(['archive', 'live']).code).toBe(0);
    expect(env.json<Session>(['unarchive', 'live']).error).toBeNull();
    expect(env.json<{ restart: string[] }>(['config', 'ca', '--rotate']).restart).toEqual(['live']);
    const after = env.json<{ fingerprint256: string }>(['config', 'ca']);
    expect(after.fingerprint256).not.toBe(first.fingerprint256);
    expect(statSync(first.keyPath).mode & 0o777).toBe(0o600);
    // the key never appears anywhere but its own file
    const key = readFileSync(first.keyPath, 'utf8').split('\n')[1] ?? 'x';
    for (const f of filesUnder(env.home)) if (f !== first.keyPath) expect(readIfThere(f)).not.toContain(key);
  });
});
