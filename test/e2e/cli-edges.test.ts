// The CLI's and the daemon's rough edges (issue 11: 4, 7, 8, 11, 13), through the built binary and
// its real daemon: errors carry their field over both transports, a closed stdout is quiet, a
// broken config.toml is said the same way everywhere (and kept current by the daemon), proxies come
// back after a restart only for running sessions, and a signal ends attach as it should.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { ClauderonError } from '../../src/shared/errors.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Session } from '../../src/shared/types.js';
import { BIN, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
beforeAll(() => {
  env = makeEnv();
  expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', 'dup']).code).toBe(0);
});
afterAll(() => env?.cleanup());

async function client(): Promise<DaemonClient> {
  return DaemonClient.connect({ paths: getPaths(env.home), autoSpawn: false });
}

async function socketError(c: DaemonClient, params: Record<string, unknown>): Promise<ClauderonError> {
  const e = await c.call('sessions.create', { repoPath: env.repo, prompt: 'x', backend: 'tmux', accessMode: 'read-write', skipChecks: false, planMode: true, ...params }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClauderonError);
  return e as ClauderonError;
}

async function httpError(body: Record<string, unknown>): Promise<{ status: number; error: { code: string; message: string; field?: string } }> {
  const r = await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repoPath: env.repo, prompt: 'x', backend: 'tmux', ...body }),
  });
  return { status: r.status, ...((await r.json()) as { error: { code: string; message: string; field?: string } }) };
}

describe('rough edge 4: an error carries its code and field, and each surface words its hint', () => {
  const missing = () => join(env.root, 'nope');
  const cases = (): [string, Record<string, unknown>, string, string][] => [
    ['a missing repository', { repoPath: missing() }, 'invalid_input', 'repo'],
    ['a directory outside any repository', { repoPath: env.home }, 'invalid_input', 'repo'],
    ['a taken name', { name: 'dup' }, 'conflict', 'name'],
    ['an invalid name', { name: 'Bad Name!' }, 'invalid_input', 'name'],
    ['an option of another backend', { backendRequest: { image: 'alpine' } }, 'invalid_input', 'option:image'],
    // (refused by the params' schema, before the daemon looks)
    ['a relative repository path', { repoPath: 'repo' }, 'invalid_input', 'repo'],
    ['an unknown access mode', { accessMode: 'everything' }, 'invalid_input', 'accessMode'],
  ];

  it('over the socket: DaemonClient rebuilds the field; the message names no flag', async () => {
    const c = await client();
    try {
      for (const [what, params, code, field] of cases()) {
        const e = await socketError(c, params);
        expect({ what, code: e.code, field: e.field }).toEqual({ what, code, field });
        expect(e.message).not.toMatch(/--[a-z]/);
      }
    } finally {
      c.close();
    }
  });

  it('over HTTP: error.field in the JSON body', async () => {
    for (const [what, params, code, field] of cases()) {
      const r = await httpError(params);
      expect({ what, code: r.error.code, field: r.error.field }).toEqual({ what, code, field });
      expect(r.error.message).not.toMatch(/--[a-z]/);
    }
    // an error that belongs to no input has no field
    const gone = await fetch(`http://127.0.0.1:${env.httpPort}/api/reconcile`, { method: 'GET' });
    expect(((await gone.json()) as { error: Record<string, unknown> }).error).not.toHaveProperty('field');
  });

  it('the CLI adds its own hint, and --json carries the field', () => {
    const r = env.run(['create', '--backend', 'tmux', '--repo', missing(), '--prompt', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`clauderon: repository path ${missing()} does not exist (pass --repo a directory inside a git repository)\n`);
    const dup = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', 'dup']);
    expect(dup.stderr).toBe('clauderon: a session named "dup" already exists — choose another name (pass another --name)\n');
    const json = env.run(['create', '--backend', 'tmux', '--repo', missing(), '--prompt', 'x', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'invalid_input', message: `repository path ${missing()} does not exist`, field: 'repo' } });
    expect(env.run(['show', 'nope']).stderr).toBe('clauderon: no session named "nope" (see clauderon list --all)\n');
  });
});

/** Run the binary with its stdout closed before it writes (the reader went away, as `| head -1` does). */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env.env, cwd: env.root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => res({ code, signal, stderr }));
  });
}

describe('rough edge 7: a closed stdout is quiet', () => {
  it('show, config paths, list, --help (and --json): exit 0, nothing on stderr, every time', async () => {
    const commands = [['show', 'dup'], ['config', 'paths'], ['list'], ['--help'], ['list', '--json'], ['create', '--help']];
    const runs = await Promise.all(commands.flatMap((args) => [1, 2, 3].map(async () => ({ args: args.join(' '), ...(await runIntoClosedPipe(args)) }))));
    for (const r of runs) expect(r).toEqual({ args: r.args, code: 0, signal: null, stderr: '' });
  });
});

describe('rough edge 8: a broken config.toml is said the same way by every command and the daemon', () => {
  it('list/show warn and go on, create and config show refuse, the daemon keeps configError current with daemon.notes', async () => {
    const file = join(env.home, 'config.toml');
    const good = readFileSync(file, 'utf8');
    const c = await client();
    const notes: DaemonEvent[] = [];
    await c.subscribe((e) => {
      if (e.type === 'daemon.notes') notes.push(e);
    });
    try {
      writeFileSync(file, `[general]\nmax_sessions = "many"\n${good}`);
      const expected = `${file}:2: general.max_sessions: Invalid input: expected number, received string — fix the file or move it aside`;
      const note = await waitFor(() => notes.find((n) => n.type === 'daemon.notes' && n.configError !== null), 'a daemon.notes event');
      expect(note).toEqual({ type: 'daemon.notes', configError: expected, httpError: null });
      expect((await c.call('daemon.info', {})).configError).toBe(expected);

      const warning = `warning: ${expected}; until it is fixed, what needs the configuration (create, attach, output…) refuses\n`;
      for (const args of [['list'], ['show', 'dup'], ['list', '--json']]) {
        const r = env.run(args);
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: warning });
      }
      // what needs the configuration refuses (the backends' and agents' settings come from it)
      for (const args of [['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'y'], ['config', 'show'], ['env', 'dup'], ['output', 'dup']]) {
        const r = env.run(args);
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 1, stderr: `clauderon: ${expected}\n` });
      }
      expect(env.json<{ configError: string | null }>(['daemon', 'status']).configError).toBe(expected);

      // a syntax error names its line too; a restarted daemon knows it from the start
      writeFileSync(file, `${good}\n[general\n`);
      const line = good.split('\n').length + 1;
      await waitFor(() => notes.some((n) => n.type === 'daemon.notes' && n.configError?.startsWith(`${file}:${line}: `)), 'the syntax error');
      c.close();
      expect(env.run(['daemon', 'stop']).code).toBe(0);
      expect(env.run(['list']).stderr).toMatch(new RegExp(`^warning: ${file}:${line}: .*\\(column \\d+\\) — fix the file or move it aside; until`));

      // fixed: the warning is gone
      const c2 = await client();
      const fixed: DaemonEvent[] = [];
      await c2.subscribe((e) => fixed.push(e));
      writeFileSync(file, good);
      await waitFor(() => fixed.some((n) => n.type === 'daemon.notes' && n.configError === null), 'daemon.notes with the error cleared');
      c2.close();
      expect(env.run(['list']).stderr).toBe('');
    } finally {
      writeFileSync(file, good);
      c.close();
    }
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

describe('rough edge 11: after a daemon restart only running sessions get their proxy back', () => {
  it('running: restored; completed, failed, archived: not', async () => {
    for (const n of ['live', 'done', 'dead', 'shelved']) {
      expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', n, '--name', n]).code).toBe(0);
    }
    const byName = () => new Map(env.json<Session[]>(['list', '--all']).map((s) => [s.name, s]));
    // done: its agent ends (the fake agent is `cat`: end of input); dead: its tmux session is killed
    expect(env.tmux('send-keys', '-t', '=done:', 'C-d').code).toBe(0);
    await waitFor(() => byName().get('done')?.status === 'completed', 'done completed');
    expect(env.tmux('kill-session', '-t', '=dead').code).toBe(0);
    env.run(['reconcile']);
    await waitFor(() => byName().get('dead')?.status === 'failed', 'dead failed');
    expect(env.run(['archive', 'shelved']).code).toBe(0);
    const before = byName();
    const port = (n: string) => before.get(n)?.proxyPort ?? 0;
    for (const n of ['live', 'dup', 'done', 'dead', 'shelved']) expect(port(n)).toBeGreaterThan(0);

    expect(env.run(['daemon', 'stop']).code).toBe(0);
    for (const n of ['live', 'done', 'dead', 'shelved']) expect(await listening(port(n))).toBe(false);
    const log = join(env.home, 'logs', 'daemon.log');
    const logged = () => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('proxies restored')).length;
    const restoresBefore = logged();
    expect(env.run(['list']).code).toBe(0); // a new daemon
    await waitFor(() => logged() > restoresBefore, 'the restore pass');
    const after = byName();
    expect(Object.fromEntries([...after].filter(([n]) => n !== 'dup').map(([n, s]) => [n, s.status]))).toEqual({ live: 'running', done: 'completed', dead: 'failed', shelved: 'archived' });
    const up = Object.fromEntries(await Promise.all(['live', 'dup', 'done', 'dead', 'shelved'].map(async (n) => [n, await listening(port(n))] as const)));
    expect(up).toEqual({ live: true, dup: true, done: false, dead: false, shelved: false });
  });
});

describe('rough edge 13: first-run polish', () => {
  it('--help says what no command does; create --help says what no prompt does', () => {
    const help = env.run(['--help']).stdout;
    expect(help).toContain('With no command, opens the full-screen UI');
    expect(env.run(['create', '--help']).stdout.replace(/\s+/g, ' ')).toContain('without a prompt the agent starts with no task and waits for you to type one');
  });

  it('SIGINT to a create under way: said on stderr, ended as by SIGINT (130); the daemon goes on with it', async () => {
    const held = makeEnv();
    try {
      // the daemon this env starts holds every create before its backend step (started here, so
      // that the polling `list` below can never be the one that starts a daemon without the hold)
      expect(held.run(['list'], { env: { CLAUDERON_TEST_HOLD_STEP: 'backend' } }).code).toBe(0);
      const child = spawn(process.execPath, [BIN, 'create', '--backend', 'tmux', '--repo', held.repo, '--prompt', 'x', '--name', 'held'], {
        env: { ...held.env, CLAUDERON_TEST_HOLD_STEP: 'backend' },
        cwd: held.root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const ended = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
      await waitFor(() => held.json<Session[]>(['list']).some((s) => s.name === 'held' && s.status === 'creating'), 'the held create');
      child.kill('SIGINT');
      expect(await ended).toEqual({ code: null, signal: 'SIGINT' }); // (a shell says 130)
      expect(stderr).toContain('clauderon: interrupted — the daemon goes on with the create (clauderon list shows it)\n');
      expect(held.json<Session[]>(['list']).map((s) => [s.name, s.status])).toEqual([['held', 'creating']]);
    } finally {
      held.cleanup();
    }
  });

  it('SIGINT to attach ends the attach program and exits 130; the session runs on', async () => {
    const sock = `clrn-h3-${process.pid}`;
    const rc = join(env.root, 'attach-rc');
    const script = join(env.root, 'attach.sh');
    writeFileSync(script, `#!/bin/sh\n"${process.execPath}" "${BIN}" attach dup\necho $? > "${rc}"\nsleep 60\n`, { mode: 0o755 });
    const outer = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8', env: env.env });
    try {
      expect(outer('new-session', '-d', '-x', '100', '-y', '30', script).status).toBe(0);
      const clients = () => env.tmux('list-clients', '-F', '#{client_pid}').stdout.trim();
      await waitFor(() => clients() !== '', 'the attach client');
      const attachPid = await waitFor(() => {
        const r = spawnSync('pgrep', ['-f', '-x', `${process.execPath} ${BIN} attach dup`], { encoding: 'utf8' });
        return Number(r.stdout.trim().split('\n')[0]) || 0;
      }, 'the attach process');
      process.kill(attachPid, 'SIGINT');
      await waitFor(() => {
        try {
          return readFileSync(rc, 'utf8').trim();
        } catch {
          return '';
        }
      }, 'attach to end');
      expect(readFileSync(rc, 'utf8').trim()).toBe('130');
      await waitFor(() => clients() === '', 'the attach client gone', 3000);
      expect(env.json<Session>(['show', 'dup']).status).toBe('running');
    } finally {
      outer('kill-server');
    }
  });
});
