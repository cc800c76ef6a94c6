// Bad input: a non-zero exit, one clear line on stderr, and nothing created — no session row,
// no worktree, no branch, no backend session.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { git, makeEnv, pathWith, type Env } from '../helpers/e2e.js';

let env: Env;
afterEach(() => env?.cleanup());

function expectNothingCreated(e: Env, existing: string[] = []): void {
  const wt = join(e.home, 'worktrees');
  expect(existsSync(wt) ? readdirSync(wt).sort() : []).toEqual([...existing].sort());
  expect(git(e.repo, 'branch', '--list', 'clauderon/*').split('\n').filter(Boolean).map((b) => b.replace(/^[*+ ]+/, '')).sort()).toEqual(
    existing.map((n) => `clauderon/${n}`).sort(),
  );
  const tmuxSessions = e.tmux('list-sessions', '-F', '#{session_name}');
  expect(tmuxSessions.code === 0 ? tmuxSessions.stdout.split('\n').filter(Boolean).sort() : []).toEqual([...existing].sort());
}

function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('bad input changes nothing', () => {
  it('rejects a missing path, a non-repository, a repository without commits', () => {
    env = makeEnv();
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', join(env.root, 'nope'), '--prompt', 'x']), /does not exist/);
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.home, '--prompt', 'x']), /is not inside a git repository/);
    const empty = join(env.root, 'empty');
    git(env.root, 'init', '-q', empty);
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', empty, '--prompt', 'x']), /has no commits yet/);
    expect(env.json<Session[]>(['list', '--all'])).toEqual([]);
    expectNothingCreated(env);
  });

  it('rejects a duplicate or invalid --name', () => {
    env = makeEnv();
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', 'dup']).code).toBe(0);
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'y', '--name', 'dup']), /a session named "dup" already exists/);
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'y', '--name', 'Bad Name!']), /invalid session name .* \(pass another --name\)$/);
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'y', '--name', 'a'.repeat(41)]), /at most 40/);
    expect(env.json<Session[]>(['list']).map((s) => s.name)).toEqual(['dup']);
    expectNothingCreated(env, ['dup']);
  });

  it('rejects a model name the agent would read as a flag (or anything not a model name)', () => {
    env = makeEnv();
    for (const model of ['--dangerously-skip-permissions', 'a b', 'x;rm']) {
      expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', `--model=${model}`]), /model.*a model name: letters, digits/);
    }
    expectNothingCreated(env);
  });

  it('rejects an unknown backend or agent (usage error, exit 2)', () => {
    env = makeEnv();
    const b = env.run(['create', '--backend', 'vagrant', '--repo', env.repo, '--prompt', 'x']);
    expectOneLineError(b, /argument 'vagrant' is invalid.*zellij, tmux/);
    expect(b.code).toBe(2);
    const a = env.run(['create', '--agent', 'copilot', '--repo', env.repo, '--prompt', 'x']);
    expectOneLineError(a, /argument 'copilot' is invalid.*claude, codex, gemini/);
    expect(a.code).toBe(2);
    expectNothingCreated(env);
  });

  it('reports a missing agent CLI before anything is created', () => {
    env = makeEnv();
    env.writeConfig(''); // fake agent config is re-added for claude/codex/gemini…
    writeFileSync(join(env.home, 'config.toml'), ''); // …so drop it: the real CLIs are looked up on PATH
    const r = env.run(['create', '--backend', 'tmux', '--agent', 'codex', '--repo', env.repo, '--prompt', 'x'], {
      env: { PATH: pathWith(env.root, ['git', 'tmux']) },
    });
    expectOneLineError(r, /"codex" \(Codex CLI\) not found on PATH — install it \(npm install -g @openai\/codex\)/);
    expectNothingCreated(env);
  });

  it('names the install and the alternative when a multiplexer is missing', () => {
    env = makeEnv();
    const onlyGit = pathWith(env.root, ['git']);
    const tmuxMissing = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x'], { env: { PATH: onlyGit } });
    expectOneLineError(tmuxMissing, /tmux not found on PATH — install it .* or use the zellij backend \(pick another --backend\)$/);
    // (the daemon keeps the PATH of the client that started it)
    const zellijMissing = env.run(['create', '--backend', 'zellij', '--repo', env.repo, '--prompt', 'x']);
    expectOneLineError(zellijMissing, /zellij not found on PATH — install it .* or use the tmux backend \(pick another --backend\)$/);
    const neither = env.run(['create', '--repo', env.repo, '--prompt', 'x']);
    expectOneLineError(neither, /no terminal multiplexer found: install zellij .* or tmux/);
    expectNothingCreated(env);
  });

  it('falls back to tmux when zellij is missing and says so once', () => {
    env = makeEnv();
    const first = env.run(['create', '--repo', env.repo, '--prompt', 'one', '--name', 'one']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('zellij is not on PATH, so new sessions use tmux');
    const second = env.run(['create', '--repo', env.repo, '--prompt', 'two', '--name', 'two']);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('zellij is not on PATH');
    expect(env.json<Session[]>(['list']).map((s) => s.backend)).toEqual(['tmux', 'tmux']);
  });

  it('rejects a corrupt or invalid config file with the file and place named', () => {
    env = makeEnv();
    writeFileSync(join(env.home, 'config.toml'), '[general\ndefault_backend = "tmux"\n');
    expectOneLineError(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x']), /config\.toml:1: .* \(column \d+\) — fix the file or move it aside/);
    writeFileSync(join(env.home, 'config.toml'), '[general]\ndefault_backnd = "tmux"\n');
    expectOneLineError(env.run(['create', '--repo', env.repo, '--prompt', 'x']), /config\.toml:2: general\.default_backnd: unknown key — fix the file or move it aside$/);
    writeFileSync(join(env.home, 'config.toml'), '[general]\nmax_sessions = -3\n');
    expectOneLineError(env.run(['config', 'show']), /config\.toml:2: general\.max_sessions: .* — fix the file or move it aside$/);
    expectNothingCreated(env);
  });

  it('rejects unknown commands and missing arguments as usage errors', () => {
    env = makeEnv();
    const r = env.run(['destroy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'destroy'");
    expect(env.run(['attach']).code).toBe(2);
  });
});

describe('environment problems', () => {
  it('a CLAUDERON_HOME too long for a Unix socket is a clear error, not a hang', () => {
    env = makeEnv();
    const deep = join(env.root, 'x'.repeat(60), 'y'.repeat(60));
    const r = env.run(['list'], { env: { CLAUDERON_HOME: deep } });
    expectOneLineError(r, /Unix sockets allow 107 — set CLAUDERON_HOME to a shorter directory/);
  });
});
