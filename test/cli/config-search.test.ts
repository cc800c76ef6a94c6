// Where config.toml is looked for, through the built CLI and its daemon: the home's first, then
// $XDG_CONFIG_HOME/clauderon/config.toml (makeEnv points XDG_CONFIG_HOME into its temp root).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, type Env } from '../helpers/e2e.js';

let env: Env;
afterEach(() => env?.cleanup());

interface Shown {
  path: string;
  found: boolean;
  searched: string[];
  config: { general: { max_sessions: number } };
}

/** The XDG place, and the env's config.toml (ports, fake agents, `extra`) moved there from the home. */
function moveConfigToXdg(e: Env): { homeConfig: string; xdgConfig: string } {
  const homeConfig = join(e.home, 'config.toml');
  const xdgConfig = join(e.env.XDG_CONFIG_HOME ?? '', 'clauderon', 'config.toml');
  expect(xdgConfig.startsWith(e.root)).toBe(true);
  mkdirSync(dirname(xdgConfig), { recursive: true });
  renameSync(homeConfig, xdgConfig);
  return { homeConfig, xdgConfig };
}

describe('config.toml search places', () => {
  it('uses the XDG place when the home has none — config show names it, the daemon reads it', () => {
    env = makeEnv({ config: '[general]\nmax_sessions = 1\n' });
    const { homeConfig, xdgConfig } = moveConfigToXdg(env);

    expect(env.json<Shown>(['config', 'show'])).toMatchObject({ path: xdgConfig, found: true, searched: [homeConfig, xdgConfig], config: { general: { max_sessions: 1 } } });
    expect(env.run(['config', 'show']).stdout.split('\n')[0]).toBe(`# ${xdgConfig}`);

    // the daemon's config: the fake agent's override and the limit of one session come from there
    env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'first']);
    const refused = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'second']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(limit 1\)/);
  });

  it("the home's config.toml wins when both exist", () => {
    env = makeEnv({ config: '[general]\nmax_sessions = 1\n' });
    const { homeConfig, xdgConfig } = moveConfigToXdg(env);
    env.writeConfig('[general]\nmax_sessions = 2\n');
    expect(existsSync(homeConfig) && existsSync(xdgConfig)).toBe(true);

    expect(env.json<Shown>(['config', 'show'])).toMatchObject({ path: homeConfig, found: true, config: { general: { max_sessions: 2 } } });
    expect(env.run(['config', 'show']).stdout.split('\n')[0]).toBe(`# ${homeConfig}`);
    env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'first']);
    env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'second']);
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'third']).stderr).toMatch(/\(limit 2\)/);
  });

  it('an error names the file that was read, in config show and from the daemon', () => {
    env = makeEnv();
    const { xdgConfig } = moveConfigToXdg(env);
    expect(env.run(['list']).code).toBe(0); // the daemon runs, with the XDG config
    const good = readFileSync(xdgConfig, 'utf8');
    writeFileSync(xdgConfig, `${good}\n[general]\nmax_sessions = -3\n`);

    const shown = env.run(['config', 'show']);
    expect(shown.code).toBe(1);
    const line = good.split('\n').length + 2; // (the line of max_sessions)
    expect(shown.stderr).toBe(`clauderon: ${xdgConfig}:${line}: general.max_sessions: Too small: expected number to be >0 — fix the file or move it aside\n`);
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--json']);
    expect(created.code).toBe(1);
    expect(created.stderr).toContain(`clauderon: ${xdgConfig}:${line}: general.max_sessions: `);
    expect(JSON.parse(created.stdout)).toMatchObject({ error: { code: 'config', message: expect.stringContaining(xdgConfig) as unknown } });
  });

  it('with neither file, config show says so and prints the defaults', () => {
    env = makeEnv();
    const homeConfig = join(env.home, 'config.toml');
    rmSync(homeConfig);
    const xdgConfig = join(env.env.XDG_CONFIG_HOME ?? '', 'clauderon', 'config.toml');
    expect(env.run(['config', 'show']).stdout.split('\n')[0]).toBe(`# defaults: there is no ${homeConfig} nor ${xdgConfig}`);
    expect(env.json<Shown>(['config', 'show'])).toMatchObject({ path: homeConfig, found: false, searched: [homeConfig, xdgConfig], config: { general: { max_sessions: 100 } } });
  });

  it("never runs a cosmiconfig meta configuration from the working directory", () => {
    env = makeEnv();
    const marker = join(env.root, 'ran');
    mkdirSync(join(env.root, '.config'));
    writeFileSync(join(env.root, '.config', 'config.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};\n`);
    const r = env.run(['config', 'show']); // env.run's working directory is env.root
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`# ${join(env.home, 'config.toml')}`);
    expect(existsSync(marker)).toBe(false);
  });
});
