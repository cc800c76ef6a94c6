// Whole-binary tests of the daemon's life: spawning (one per home, even under a race), stopping
// (sessions survive), stale sockets, a crash in the middle of a create (reconcile undoes it),
// version replacement, a too-new database, pushed events, limits and file modes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import { BIN, daemonPidsFor, git, makeEnv, pidAlive, processGone, ROOT, waitFor, type Env, type EnvOptions } from '../helpers/e2e.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface PublicSession {
  name: string;
  status: string;
  branchName: string;
  worktreePath: string;
}

interface DaemonInfoFile {
  pid: number;
  version: string;
  socketPath: string;
}

let envs: Env[] = [];
const extraCleanups: (() => void)[] = [];

function newEnv(opts?: EnvOptions): Env {
  const e = makeEnv(opts);
  envs.push(e);
  return e;
}

afterEach(() => {
  for (const f of extraCleanups.splice(0)) f();
  for (const e of envs) e.cleanup();
  envs = [];
});

const sock = (e: Env) => join(e.home, 'clauderon.sock');
const infoFile = (e: Env) => join(e.home, 'daemon.info');
const logText = (e: Env) => {
  try {
    return readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8');
  } catch {
    return '';
  }
};
const readInfo = (e: Env) => JSON.parse(readFileSync(infoFile(e), 'utf8')) as DaemonInfoFile;
const mode = (p: string) => statSync(p).mode & 0o777;

/** Rows of db.sqlite, read directly (read-only) while the daemon holds it. */
function dbRows(e: Env): { name: string; status: string; branch_name: string; worktree_path: string }[] {
  const db = new Database(join(e.home, 'db.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT name, status, branch_name, worktree_path FROM sessions').all() as {
      name: string; status: string; branch_name: string; worktree_path: string;
    }[];
  } finally {
    db.close();
  }
}

function createArgs(e: Env, name?: string): string[] {
  return ['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'hi', ...(name ? ['--name', name] : []), '--json'];
}

function oneLineError(stderr: string): string {
  // (a create without a model credential also warns; that is not part of the error)
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('warning: no '));
  expect(lines, `stderr should be one line: ${stderr}`).toHaveLength(1);
  return lines[0] ?? '';
}

/** The only live daemon of this home, as daemon.info names it. */
function theDaemon(e: Env): number {
  const pids = daemonPidsFor(e.home);
  expect(pids).toHaveLength(1);
  expect(readInfo(e).pid).toBe(pids[0]);
  return pids[0] ?? -1;
}

describe('daemon process (whole binary)', () => {
  it('six clients at once start exactly one daemon (three fresh homes in a row)', async () => {
    for (let round = 0; round < 3; round++) {
      const e = newEnv();
      expect(daemonPidsFor(e.home)).toEqual([]);
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => e.runAsync(['list', '--json'])));
      for (const r of results) {
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual([]);
      }
      const pid = theDaemon(e);
      expect(readInfo(e).version).toBe(VERSION);
      expect(pidAlive(pid)).toBe(true);
      expect(readdirSync(e.home).filter((f) => f.startsWith('daemon.lock'))).toEqual([]);
      // Nothing was spawned twice: one "daemon starting" in the log.
      expect(logText(e).match(/daemon starting/g)).toHaveLength(1);
    }
  });

  it('daemon stop and SIGTERM stop the daemon cleanly and leave sessions running', async () => {
    const e = newEnv();
    const created = e.run(createArgs(e, 'keep'));
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as PublicSession).status).toBe('running');
    const first = theDaemon(e);

    const stop = e.run(['daemon', 'stop']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`stopped daemon (pid ${first})`);
    await waitFor(() => processGone(first), 'the stopped daemon to exit');
    expect(daemonPidsFor(e.home)).toEqual([]);
    expect(existsSync(sock(e))).toBe(false);
    expect(existsSync(infoFile(e))).toBe(false);
    expect(e.tmux('has-session', '-t', '=keep').code).toBe(0);
    expect(logText(e)).toContain('daemon stopped');

    // The next client starts a new daemon, which finds the session still running.
    const listed = e.json<PublicSession[]>(['list']);
    const second = theDaemon(e);
    expect(second).not.toBe(first);
    expect(listed.map((s) => [s.name, s.status])).toEqual([['keep', 'running']]);
    expect(e.json<unknown[]>(['reconcile'])).toEqual([]);

    // SIGTERM behaves the same.
    process.kill(second, 'SIGTERM');
    await waitFor(() => processGone(second) && !existsSync(sock(e)), 'the daemon to exit on SIGTERM');
    expect(existsSync(infoFile(e))).toBe(false);
    expect(e.tmux('has-session', '-t', '=keep').code).toBe(0);
    const again = e.json<PublicSession[]>(['list']);
    expect(again.map((s) => [s.name, s.status])).toEqual([['keep', 'running']]);
    expect(theDaemon(e)).not.toBe(second);
  });

  it('a stale socket of a SIGKILLed daemon is cleaned up by the next client', async () => {
    const e = newEnv();
    expect(e.run(['list']).code).toBe(0);
    const first = theDaemon(e);
    process.kill(first, 'SIGKILL');
    await waitFor(() => processGone(first), 'the killed daemon to exit');
    expect(existsSync(sock(e))).toBe(true); // left behind: nobody removed it
    expect(statSync(sock(e)).isSocket()).toBe(true);

    const r = e.run(['list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const second = theDaemon(e);
    expect(second).not.toBe(first);
    expect(readInfo(e).pid).toBe(second);
  });

  it.each(['backend', 'finalize'] as const)(
    'a daemon SIGKILLed while held before %s leaves nothing once restarted',
    async (step) => {
      const e = newEnv();
      // This create is the first client, so it spawns the daemon, which inherits the hold.
      const pending = e.runAsync(createArgs(e, 'held'), { env: { CLAUDERON_TEST_HOLD_STEP: step } });
      await waitFor(() => logText(e).includes(`test hold before ${step}`), `the create to reach ${step}`);
      const pid = theDaemon(e);
      const worktree = join(e.home, 'worktrees', 'held');
      expect(existsSync(worktree)).toBe(true);
      const rows = dbRows(e);
      expect(rows.map((r) => [r.name, r.status])).toEqual([['held', 'creating']]);
      const branch = rows[0]?.branch_name ?? '';
      expect(branch).toBe('clauderon/held');
      expect(git(e.repo, 'branch', '--list', branch)).not.toBe('');
      expect(e.tmux('has-session', '-t', '=held').code).toBe(step === 'finalize' ? 0 : 1);

      process.kill(pid, 'SIGKILL');
      const r = await pending;
      expect(r.code).not.toBe(0);
      expect(oneLineError(r.stderr)).toMatch(/^clauderon: lost the connection to the clauderon daemon/);
      await waitFor(() => processGone(pid), 'the killed daemon to exit');

      // Restart without the hold: the startup reconcile rolls the interrupted create back.
      await waitFor(() => {
        const l = e.run(['list', '--all', '--json']);
        return l.code === 0 && (JSON.parse(l.stdout) as unknown[]).length === 0;
      }, 'the interrupted create to be rolled back');
      expect(theDaemon(e)).not.toBe(pid);
      expect(e.json<unknown[]>(['reconcile'])).toEqual([]);
      expect(e.json<unknown[]>(['list', '--all'])).toEqual([]);
      const worktrees = git(e.repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '));
      expect(worktrees).toEqual([`worktree ${e.repo}`]);
      expect(git(e.repo, 'branch', '--list', branch)).toBe('');
      expect(readdirSync(join(e.home, 'worktrees'))).toEqual([]);
      const ls = e.tmux('list-sessions', '-F', '#{session_name}');
      expect(ls.code !== 0 || ls.stdout.trim() === '', `tmux sessions left: ${ls.stdout}`).toBe(true);
      expect(logText(e)).toContain('stale_creating');
    },
  );

  it('a client of another version replaces the running daemon', async () => {
    const e = newEnv();
    // A fake "old daemon": answers daemon.info with another version, and on daemon.stop
    // replies, closes, removes its socket and exits.
    const script = `
      const net = require('node:net'), fs = require('node:fs');
      const sock = process.argv[1];
      const server = net.createServer((c) => {
        let buf = '';
        c.setEncoding('utf8');
        c.on('error', () => {});
        c.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\\n')) >= 0) {
            const req = JSON.parse(buf.slice(0, i));
            buf = buf.slice(i + 1);
            if (req.method === 'daemon.info') {
              c.write(JSON.stringify({ id: req.id, result: { version: '0.0.0-old', pid: process.pid,
                startedAt: new Date().toISOString(), socketPath: sock, httpPort: null } }) + '\\n');
            } else if (req.method === 'daemon.stop') {
              process.stdout.write('stop requested\\n');
              c.end(JSON.stringify({ id: req.id, result: { stopping: true } }) + '\\n', () => {
                server.close();
                fs.rmSync(sock, { force: true });
                process.exit(0);
              });
            } else {
              c.write(JSON.stringify({ id: req.id, error: { code: 'internal', message: 'old daemon' } }) + '\\n');
            }
          }
        });
      });
      server.listen(sock, () => process.stdout.write('ready\\n'));
    `;
    const fake: ChildProcess = spawn(process.execPath, ['-e', script, sock(e)], { stdio: ['ignore', 'pipe', 'inherit'] });
    extraCleanups.push(() => {
      if (fake.exitCode === null) fake.kill('SIGKILL');
    });
    let out = '';
    let exited = false;
    fake.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    fake.on('exit', () => (exited = true));
    await waitFor(() => out.includes('ready'), 'the fake old daemon to listen');
    writeFileSync(infoFile(e), JSON.stringify({ pid: fake.pid, version: '0.0.0-old', startedAt: '', socketPath: sock(e), httpPort: null }));

    const r = await e.runAsync(['list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(out).toContain('stop requested');
    await waitFor(() => exited, 'the fake old daemon to exit');
    const pid = theDaemon(e);
    expect(pid).not.toBe(fake.pid);
    const info = readInfo(e);
    expect(info.version).toBe(VERSION);
    expect(pidAlive(info.pid)).toBe(true);
    expect(mode(infoFile(e)).toString(8)).toBe('600'); // rewritten private, though the old one was not
  });

  it('refuses a database of a newer schema with one clear line and leaves it alone', () => {
    const e = newEnv();
    const dbPath = join(e.home, 'db.sqlite');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_version (id, version) VALUES (1, 99)').run();
    db.close();

    const r = e.run(['list'], { timeoutMs: 15_000 });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(-1); // not killed by the timeout
    const line = oneLineError(r.stderr);
    expect(line).toContain('schema version 99');
    expect(line).toContain('upgrade clauderon');

    const after = new Database(dbPath, { readonly: true });
    try {
      expect(after.prepare('SELECT version FROM schema_version WHERE id = 1').pluck().get()).toBe(99);
      expect(after.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'").pluck().get()).toBe(0);
    } finally {
      after.close();
    }
    expect(daemonPidsFor(e.home)).toEqual([]);
    expect(existsSync(sock(e))).toBe(false);
  });

  it('pushes session events to a subscribed client', async () => {
    const e = newEnv();
    expect(e.run(['list']).code).toBe(0); // the daemon, started by the CLI with the test env
    const client = await DaemonClient.connect({ paths: getPaths(e.home), daemonEntry: [BIN], version: VERSION, autoSpawn: false });
    try {
      expect(client.spawned).toBe(false);
      const events: DaemonEvent[] = [];
      await client.subscribe((ev) => events.push(ev));

      const created = await e.runAsync(createArgs(e, 'pushed'));
      expect(created.code, created.stderr).toBe(0);
      await waitFor(() => events.some((ev) => ev.type === 'session.updated' && ev.session.name === 'pushed' && ev.session.status === 'running'),
        'session.updated running');
      const mine = events.filter((ev) => (ev.type === 'create.progress' ? ev.name : 'session' in ev ? ev.session.name : '') === 'pushed');
      const kinds = mine.map((ev) => ev.type);
      const createdAt = kinds.indexOf('session.created');
      const firstProgress = kinds.indexOf('create.progress');
      const running = mine.findIndex((ev) => ev.type === 'session.updated' && ev.session.status === 'running');
      expect(createdAt).toBe(0);
      expect(firstProgress).toBeGreaterThan(createdAt);
      expect(running).toBeGreaterThan(firstProgress);
      const createdEv = mine[createdAt];
      expect(createdEv?.type === 'session.created' ? createdEv.session.status : null).toBe('creating');
      const steps = mine.flatMap((ev) => (ev.type === 'create.progress' && ev.state === 'done' ? [ev.step] : []));
      expect(steps).toEqual(['validate', 'worktree', 'proxy', 'backend', 'hooks', 'finalize']);

      const del = await e.runAsync(['delete', 'pushed']);
      expect(del.code, del.stderr).toBe(0);
      await waitFor(() => events.some((ev) => ev.type === 'session.deleted' && ev.session.name === 'pushed'), 'session.deleted');
    } finally {
      client.close();
    }
  });

  it('general.max_sessions: the create over the limit fails and creates nothing', () => {
    const e = newEnv({ config: '[general]\nmax_sessions = 1\n' });
    const first = e.run(createArgs(e, 'one'));
    expect(first.code, first.stderr).toBe(0);
    const second = e.run(createArgs(e, 'two'));
    expect(second.code).toBe(1);
    const line = oneLineError(second.stderr);
    expect(line).toContain('general.max_sessions');
    expect(line).toContain('limit 1');
    expect((JSON.parse(second.stdout) as { error: { code: string } }).error.code).toBe('limit');
    expect(readdirSync(join(e.home, 'worktrees'))).toEqual(['one']);
    expect(git(e.repo, 'branch', '--list', 'clauderon/*', '--format=%(refname:short)')).toBe('clauderon/one');
    expect(e.json<PublicSession[]>(['list', '--all']).map((s) => s.name)).toEqual(['one']);
  });

  it('general.max_concurrent_creates: a second create while one is under way is refused', async () => {
    const e = newEnv({ config: '[general]\nmax_concurrent_creates = 1\n' });
    const held = e.runAsync(createArgs(e, 'slow'), { env: { CLAUDERON_TEST_HOLD_STEP: 'worktree' } });
    await waitFor(() => logText(e).includes('test hold before worktree'), 'the first create to be held');
    const pid = theDaemon(e);

    const second = e.run(createArgs(e, 'fast'));
    expect(second.code).toBe(1);
    const line = oneLineError(second.stderr);
    expect(line).toContain('being created already (limit 1)');
    expect(line).toContain('general.max_concurrent_creates');
    expect(dbRows(e).map((r) => r.name)).toEqual(['slow']);
    expect(readdirSync(join(e.home, 'worktrees'))).toEqual([]);
    expect(git(e.repo, 'branch', '--list', 'clauderon/*')).toBe('');

    process.kill(pid, 'SIGKILL');
    expect((await held).code).not.toBe(0);
  });

  it('keeps the socket, daemon.info, database and log private', () => {
    const e = newEnv();
    expect(e.run(['list']).code).toBe(0);
    theDaemon(e);
    expect(statSync(sock(e)).isSocket()).toBe(true);
    expect(mode(sock(e)).toString(8)).toBe('600');
    expect(mode(infoFile(e)).toString(8)).toBe('600');
    expect(mode(join(e.home, 'db.sqlite')).toString(8)).toBe('600');
    expect(mode(join(e.home, 'logs', 'daemon.log')).toString(8)).toBe('600');
    expect(mode(e.home).toString(8)).toBe('700');
    expect(mode(join(e.home, 'secrets')).toString(8)).toBe('700');
  });
});
