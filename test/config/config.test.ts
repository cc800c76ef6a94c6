import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from '../../src/config/config.js';
import { scrubbedEnv, CREDENTIAL_ENV_VARS } from '../../src/shared/env.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('config.toml', () => {
  it('is optional: a missing file gives the defaults', async () => {
    const c = await loadConfig(join(dir, 'absent.toml'));
    expect(c).toEqual(defaultConfig());
    expect(c.general).toEqual({ default_agent: 'claude', max_sessions: 100, max_concurrent_creates: 4, screen_poll_ms: 2000 });
    expect(c.general.default_backend).toBeUndefined();
    expect(c.http).toEqual({ enabled: true, port: 3030, bind: '127.0.0.1' });
    expect(c.docker).toMatchObject({ pull_policy: 'if-not-present', network: 'bridge', detach_keys: 'ctrl-p,ctrl-q', env: [] });
  });

  it('reads TOML and merges it over the defaults', async () => {
    const c = await loadConfig(write('ok.toml', '[general]\ndefault_backend = "tmux"\nmax_sessions = 7\n\n[tmux]\nwidth = 120\n'));
    expect(c.general).toMatchObject({ default_backend: 'tmux', max_sessions: 7, max_concurrent_creates: 4 });
    expect(c.tmux).toMatchObject({ width: 120, height: 50 });
  });

  it('reports TOML syntax errors with line and column', async () => {
    await expect(loadConfig(write('bad.toml', 'x = 1\n[general\n'))).rejects.toThrow(/bad\.toml: line 2, column \d+: .* — fix the file or move it aside/);
  });

  it('rejects unknown keys and wrong types with the key path', async () => {
    await expect(loadConfig(write('typo.toml', '[general]\ndefualt_agent = "codex"\n'))).rejects.toThrow(/typo\.toml: general: .*defualt_agent/);
    await expect(loadConfig(write('enum.toml', '[general]\ndefault_backend = "vagrant"\n'))).rejects.toThrow(/enum\.toml: general\.default_backend:/);
    await expect(loadConfig(write('neg.toml', '[general]\nmax_sessions = 0\n'))).rejects.toThrow(/general\.max_sessions/);
  });
});

describe('environment scrubbing', () => {
  it('drops every credential variable and clauderon internals, keeps the rest', () => {
    const input: NodeJS.ProcessEnv = { PATH: '/bin', HOME: '/h', LANG: 'C', TMUX: '/tmp/x,1,0', CLAUDERON_TEST_HOLD_STEP: 'x', CLAUDERON_HOME: '/c' };
    for (const k of CREDENTIAL_ENV_VARS) input[k] = `secret-${k}`;
    const out = scrubbedEnv(input);
    expect(out).toEqual({ PATH: '/bin', HOME: '/h', LANG: 'C', CLAUDERON_HOME: '/c' });
    expect(JSON.stringify(out)).not.toContain('secret-');
  });
});
