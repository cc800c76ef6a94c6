import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, findConfig, loadConfig } from '../../src/config/config.js';
import { configSearchPlaces, getPaths } from '../../src/config/paths.js';
import { scrubbedEnv, CREDENTIAL_ENV_VARS } from '../../src/shared/env.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// config.toml's second search place is under XDG_CONFIG_HOME: never the developer's own ~/.config.
const savedXdg = process.env.XDG_CONFIG_HOME;
beforeAll(() => {
  process.env.XDG_CONFIG_HOME = join(dir, 'xdg-default');
});
afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedXdg;
});

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
    expect(c.http).toEqual({ enabled: true, port: 3030, bind: '127.0.0.1', require_auth: false });
    expect(c.docker).toMatchObject({ pull_policy: 'if-not-present', network: 'isolated', detach_keys: 'ctrl-p,ctrl-q', env: [] });
    expect(c.proxy.intercept).toBe('needed');
  });

  it('reads TOML and merges it over the defaults', async () => {
    const c = await loadConfig(write('ok.toml', '[general]\ndefault_backend = "tmux"\nmax_sessions = 7\n\n[tmux]\nwidth = 120\n'));
    expect(c.general).toMatchObject({ default_backend: 'tmux', max_sessions: 7, max_concurrent_creates: 4 });
    expect(c.tmux).toMatchObject({ width: 120, height: 50 });
  });

  it('[egress]: open by default; policies, presets, rules and per-backend defaults validated with what to write', async () => {
    expect((await loadConfig(join(dir, 'absent.toml'))).egress).toEqual({ default: 'open', presets: [], allow: [], telemetry: false, backends: {} });
    const c = await loadConfig(write('egress.toml', '[egress]\ndefault = "allow-list"\npresets = ["npm", "github"]\nallow = ["*.example.com", "db.example.com:5432", "[::1]:6379"]\n[egress.backends]\ndocker = "locked"\n'));
    expect(c.egress).toMatchObject({ default: 'allow-list', presets: ['npm', 'github'], allow: ['*.example.com', 'db.example.com:5432', '[::1]:6379'], backends: { docker: 'locked' } });
    await expect(loadConfig(write('e1.toml', '[egress]\ndefault = "closed"\n'))).rejects.toThrow(/e1\.toml:2: egress\.default: expected "open", "allow-list", "locked"/);
    await expect(loadConfig(write('e2.toml', '[egress]\nallow = ["https://example.com/x"]\n'))).rejects.toThrow(/egress\.allow\.0: .*no scheme, path or user/);
    await expect(loadConfig(write('e3.toml', '[egress]\npresets = ["npmm"]\n'))).rejects.toThrow(/egress\.presets\.0: expected a preset: "npm"/);
    await expect(loadConfig(write('e4.toml', '[egress.backends]\nvagrant = "locked"\n'))).rejects.toThrow(/egress\.backends\.vagrant: unknown key/);
  });

  it('reports TOML syntax errors with line and column', async () => {
    await expect(loadConfig(write('bad.toml', 'x = 1\n[general\n'))).rejects.toThrow(/bad\.toml:2: .* \(column \d+\) — fix the file or move it aside/);
  });

  it('rejects unknown keys and wrong types with the key path', async () => {
    await expect(loadConfig(write('typo.toml', '[general]\ndefualt_agent = "codex"\n'))).rejects.toThrow('typo.toml:2: general.defualt_agent: unknown key — fix the file or move it aside');
    await expect(loadConfig(write('enum.toml', '[general]\ndefault_backend = "vagrant"\n'))).rejects.toThrow(/enum\.toml:2: general\.default_backend:/);
    await expect(loadConfig(write('neg.toml', '[general]\nmax_sessions = 0\n'))).rejects.toThrow(/general\.max_sessions/);
  });
});

describe('where config.toml is looked for', () => {
  /** A home and an XDG_CONFIG_HOME of their own; returns the home's config.toml path and the env. */
  function places(name: string): { homeConfig: string; xdgConfig: string; env: NodeJS.ProcessEnv } {
    const home = join(dir, name, 'home');
    const xdg = join(dir, name, 'xdg');
    mkdirSync(home, { recursive: true });
    mkdirSync(join(xdg, 'clauderon'), { recursive: true });
    return { homeConfig: join(home, 'config.toml'), xdgConfig: join(xdg, 'clauderon', 'config.toml'), env: { XDG_CONFIG_HOME: xdg } };
  }

  it('uses $XDG_CONFIG_HOME/clauderon/config.toml when the home has none', async () => {
    const p = places('xdg-only');
    writeFileSync(p.xdgConfig, '[general]\nmax_sessions = 7\n');
    const found = await findConfig(p.homeConfig, p.env);
    expect(found.file).toBe(p.xdgConfig);
    expect(found.places).toEqual([p.homeConfig, p.xdgConfig]);
    expect(found.config.general.max_sessions).toBe(7);
    expect((await loadConfig(p.homeConfig, p.env)).general.max_sessions).toBe(7);
  });

  it("the home's config.toml wins when both exist, even an empty one", async () => {
    const p = places('both');
    writeFileSync(p.xdgConfig, '[general]\nmax_sessions = 7\n');
    writeFileSync(p.homeConfig, '[general]\nmax_sessions = 3\n');
    expect(await findConfig(p.homeConfig, p.env)).toMatchObject({ file: p.homeConfig, config: { general: { max_sessions: 3 } } });
    writeFileSync(p.homeConfig, '');
    expect(await findConfig(p.homeConfig, p.env)).toMatchObject({ file: p.homeConfig, config: defaultConfig() });
  });

  it('neither: the defaults, and no file', async () => {
    const p = places('neither');
    expect(await findConfig(p.homeConfig, p.env)).toEqual({ config: defaultConfig(), file: null, places: [p.homeConfig, p.xdgConfig] });
  });

  it('an error names the file that was read', async () => {
    const p = places('bad-xdg');
    writeFileSync(p.xdgConfig, '[general]\ndefualt_agent = "codex"\n');
    await expect(loadConfig(p.homeConfig, p.env)).rejects.toThrow(`${p.xdgConfig}:2: general.defualt_agent: unknown key`);
    writeFileSync(p.xdgConfig, '[general\n');
    await expect(loadConfig(p.homeConfig, p.env)).rejects.toThrow(new RegExp(`^${p.xdgConfig}:1: .* \\(column \\d+\\) — fix the file or move it aside$`));
  });

  it('a home config.toml that cannot be read is an error, not passed over', async () => {
    const p = places('unreadable');
    writeFileSync(p.xdgConfig, '[general]\nmax_sessions = 7\n');
    mkdirSync(p.homeConfig);
    await expect(loadConfig(p.homeConfig, p.env)).rejects.toThrow(`cannot read ${p.homeConfig}: it is a directory`);
    rmSync(p.homeConfig, { recursive: true });
    if (process.getuid?.() === 0) return; // root reads any file
    writeFileSync(p.homeConfig, '[general]\nmax_sessions = 3\n');
    chmodSync(p.homeConfig, 0o000);
    await expect(loadConfig(p.homeConfig, p.env)).rejects.toThrow(`cannot read ${p.homeConfig}: EACCES`);
  });

  it('XDG_CONFIG_HOME unset or relative means ~/.config; the XDG place is in config paths', () => {
    expect(configSearchPlaces('/h/config.toml', {})).toEqual(['/h/config.toml', join(homedir(), '.config', 'clauderon', 'config.toml')]);
    expect(configSearchPlaces('/h/config.toml', { XDG_CONFIG_HOME: 'rel' })[1]).toBe(join(homedir(), '.config', 'clauderon', 'config.toml'));
    expect(configSearchPlaces('/x/clauderon/config.toml', { XDG_CONFIG_HOME: '/x' })).toEqual(['/x/clauderon/config.toml']);
    expect(getPaths('/h', { XDG_CONFIG_HOME: '/x' })).toMatchObject({ config: '/h/config.toml', xdgConfig: '/x/clauderon/config.toml' });
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
