// Whole-binary tests of three daemon edges (issue 11, rough edges 5, 6 and 10):
// - a session whose backend object dies (tmux kill-session, the zellij double's session killed, a
//   container killed or removed) is marked by the daemon itself within ~2 s, pushed as an event;
// - hooks reach the daemon when the HTTP API's port is taken (a hooks listener of its own), also
//   after a restart that had to move that listener; `daemon status` names the HTTP API's problem;
// - `daemon stop` and SIGTERM tell every subscriber (socket and /ws/events) before closing.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker } from '../../fixtures/docker/test-image.js';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { HOOK_COMMAND } from '../../src/core/hooks.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Session } from '../../src/shared/types.js';
import { BIN, FIXTURE_BIN, makeEnv, waitFor, type Env, type EnvOptions } from '../helpers/e2e.js';

const envs: Env[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
function newEnv(opts?: EnvOptions): Env {
  const e = makeEnv(opts);
  envs.push(e);
  return e;
}
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const e of envs.splice(0)) e.cleanup();
});

/** The daemon's events on its socket, from the moment of subscribing; `closed` once the socket closes. */
async function subscribe(e: Env): Promise<{ list: DaemonEvent[]; closed: () => boolean; closedAfter: () => number }> {
  const c = await DaemonClient.connect({ paths: getPaths(e.home, e.env), autoSpawn: false });
  const list: DaemonEvent[] = [];
  let closedAt = -1;
  c.onClose(() => (closedAt = list.length));
  await c.subscribe((ev) => list.push(ev));
  cleanups.push(() => c.close());
  return { list, closed: () => closedAt >= 0, closedAfter: () => closedAt };
}

/** Statuses a session went through, as pushed. */
function statusesOf(list: DaemonEvent[], name: string): string[] {
  return list.flatMap((ev) => (ev.type === 'session.updated' && ev.session.name === name ? [ev.session.status] : []));
}

/** How long until `name` is pushed with `status` (ms), bounded. */
async function pushedWithin(seen: { list: DaemonEvent[] }, name: string, status: string, since: number, home?: string): Promise<number> {
  try {
    await waitFor(() => statusesOf(seen.list, name).includes(status), `${name} pushed as ${status}`, 10_000);
  } catch (e) {
    // (seen once under CI load, not reproduced since: say what the daemon did)
    let log = '';
    try {
      log = home ? readFileSync(join(home, 'logs', 'daemon.log'), 'utf8').split('\n').slice(-40).join('\n') : '';
    } catch {
      // no log
    }
    throw new Error(`${(e as Error).message}; statuses pushed for ${name}: ${JSON.stringify(statusesOf(seen.list, name))}${log ? `\ndaemon log (last lines):\n${log}` : ''}`);
  }
  return Date.now() - since;
}

describe('liveness: a dead backend object is noticed by the daemon itself', () => {
  it('tmux kill-session → failed, and an agent killed by a signal → completed, each pushed within ~2 s', async () => {
    const e = newEnv();
    for (const n of ['gone', 'shot', 'kept']) expect(e.run(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'p', '--name', n]).code).toBe(0);
    const seen = await subscribe(e);

    let t0 = Date.now();
    expect(e.tmux('kill-session', '-t', '=gone').code).toBe(0);
    expect(await pushedWithin(seen, 'gone', 'failed', t0)).toBeLessThan(2_500);
    const gone = e.json<Session>(['show', 'gone']);
    expect(gone.error).toBe('its tmux session is gone — archive and unarchive it to restart the agent, or delete it');

    // the agent's process killed (its exit report cannot run): tmux keeps the dead pane
    t0 = Date.now();
    process.kill(Number(e.tmux('display-message', '-p', '-t', '=shot:', '#{pane_pid}').stdout.trim()), 'SIGKILL');
    expect(await pushedWithin(seen, 'shot', 'completed', t0)).toBeLessThan(2_500);
    expect(e.json<Session>(['show', 'shot']).error).toBe('the agent exited with status 137 — archive and unarchive to restart it');
    // the others are left alone
    expect(e.json<Session>(['show', 'kept']).status).toBe('running');
    expect(statusesOf(seen.list, 'kept')).toEqual([]);
  });

  it('the zellij double: its session killed → failed, pushed within ~2 s', async () => {
    const e = newEnv({ zellij: true });
    expect(e.run(['create', '--backend', 'zellij', '--repo', e.repo, '--prompt', 'p', '--name', 'zj']).code).toBe(0);
    const seen = await subscribe(e);
    const t0 = Date.now();
    const killed = spawnSync(join(FIXTURE_BIN, 'zellij'), ['kill-session', 'clauderon-zj'], { env: e.env, encoding: 'utf8' });
    expect(killed.status, killed.stderr).toBe(0);
    expect(await pushedWithin(seen, 'zj', 'failed', t0)).toBeLessThan(2_500);
  });
});

const docker = dockerAvailable() || shouldRequireDocker();

describe.skipIf(!docker)('liveness with Docker: the engine event stream', () => {
  let image = '';
  beforeAll(async () => {
    image = (await ensureTestImages()).full;
  }, 900_000);

  it('a container killed → completed (137), one removed → failed, each pushed within ~2 s', async () => {
    const e = newEnv();
    cleanups.push(() => {
      const ids = spawnSync(dockerBinary(), ['ps', '-aq', '--filter', `label=clauderon.home=${e.home}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) spawnSync(dockerBinary(), ['rm', '-f', ...ids]);
    });
    writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[docker]\nimage = "${image}"\nnetwork = "host"\n[agents.claude]\ncommand = ["sh", "-c", "exec cat", "agent"]\n`);
    for (const n of ['killed', 'removed']) {
      const r = e.run(['create', '--backend', 'docker', '--repo', e.repo, '--prompt', 'p', '--name', n]);
      expect(r.code, r.stderr).toBe(0);
    }
    const seen = await subscribe(e);
    let t0 = Date.now();
    expect(spawnSync(dockerBinary(), ['kill', 'clauderon-killed']).status).toBe(0);
    expect(await pushedWithin(seen, 'killed', 'completed', t0, e.home)).toBeLessThan(2_500);
    expect(e.json<Session>(['show', 'killed']).error).toBe('the agent exited with status 137 — archive and unarchive to restart it');
    t0 = Date.now();
    expect(spawnSync(dockerBinary(), ['rm', '-f', 'clauderon-removed']).status).toBe(0);
    expect(await pushedWithin(seen, 'removed', 'failed', t0, e.home)).toBeLessThan(2_500);
  });
});

/** A loopback port held by "another program" for as long as the test runs. */
async function holdPort(port = 0): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, server };
}

/** `clauderon daemon [args]` in the background, until its socket answers. */
async function startDaemon(e: Env, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'daemon', ...args], { env: e.env, stdio: 'ignore', detached: true });
  child.unref();
  await waitFor(() => e.run(['daemon', 'status']).code === 0, 'the daemon to answer');
}

describe('hooks do not depend on the HTTP API port', () => {
  it('with the API port taken, a hook still changes agentStatus, daemon status names the problem, and after a restart that moved the hooks port the old session still reports', async () => {
    const e = newEnv();
    // the agent posts one hook event per line it reads, with the very command Claude's hooks run
    const agent = `while read ev; do printf '{"hook_event_name":"%s"}' "$ev" | ${HOOK_COMMAND}; done`;
    // (not writeConfig: it adds the fake agent's [agents.claude])
    writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[agents.claude]\ncommand = ${JSON.stringify(['sh', '-c', agent, 'agent'])}\n`);
    const taken = await holdPort();
    await startDaemon(e, ['--http-port', String(taken.port)]);

    const status = e.run(['daemon', 'status']);
    expect(status.stdout).toMatch(new RegExp(`http api: not listening — the HTTP API could not listen on port ${taken.port}: .*EADDRINUSE`));
    const json = e.json<{ running: boolean; httpPort: number | null; httpError: string | null }>(['daemon', 'status']);
    expect(json).toMatchObject({ running: true, httpPort: null });
    expect(json.httpError).toContain(`port ${taken.port}`);

    const created = e.run(['create', '--backend', 'tmux', '--repo', e.repo, '--prompt', 'p', '--name', 'hk']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toContain('agent status is unavailable');
    const hookUrl = e.json<Record<string, string>>(['env', 'hk']).CLAUDERON_HOOK_URL ?? '';
    expect(hookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(hookUrl).not.toBe(`http://127.0.0.1:${taken.port}`);
    e.tmux('send-keys', '-t', '=hk:', 'UserPromptSubmit', 'Enter');
    await waitFor(() => e.json<Session>(['show', 'hk']).agentStatus === 'working', 'the hook to reach the daemon');

    // Restart with the hooks port held by someone else: the daemon takes another one, and the
    // session started before reads it at its next hook.
    expect(e.run(['daemon', 'stop']).code).toBe(0);
    const oldPort = Number(readFileSync(join(e.home, 'hook-port'), 'utf8'));
    expect(`http://127.0.0.1:${oldPort}`).toBe(hookUrl);
    await holdPort(oldPort);
    await startDaemon(e, ['--http-port', String(taken.port)]);
    expect(Number(readFileSync(join(e.home, 'hook-port'), 'utf8'))).not.toBe(oldPort);
    e.tmux('send-keys', '-t', '=hk:', 'PermissionRequest', 'Enter');
    await waitFor(() => e.json<Session>(['show', 'hk']).agentStatus === 'waiting_approval', 'the old session\'s hook to reach the restarted daemon');
  });
});

describe('daemon.stopping', () => {
  it('daemon stop: every socket and /ws/events subscriber gets {daemon.stopping, user} before its connection closes; SIGTERM says signal', async () => {
    const e = newEnv();
    expect(e.run(['list']).code).toBe(0); // starts the daemon
    const a = await subscribe(e);
    const b = await subscribe(e);
    const ws = new WebSocket(`ws://127.0.0.1:${e.httpPort}/ws/events`);
    const wsEvents: { type: string; reason?: string }[] = [];
    let wsClosedAfter = -1;
    ws.on('message', (d: Buffer) => wsEvents.push(JSON.parse(d.toString('utf8')) as { type: string }));
    ws.on('close', () => (wsClosedAfter = wsEvents.length));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    cleanups.push(() => ws.terminate());

    expect(e.run(['daemon', 'stop']).code).toBe(0);
    await waitFor(() => a.closed() && b.closed() && wsClosedAfter >= 0, 'every connection to close');
    // it came before the close (the last event of each)
    for (const s of [a, b]) expect(s.list.slice(0, s.closedAfter()).at(-1)).toEqual({ type: 'daemon.stopping', reason: 'user' });
    expect(wsEvents.slice(0, wsClosedAfter).at(-1)).toEqual({ type: 'daemon.stopping', reason: 'user' });

    expect(e.run(['list']).code).toBe(0); // a command the user runs starts it again
    const c = await subscribe(e);
    const pid = e.daemonPid();
    expect(pid).not.toBeNull();
    process.kill(pid ?? 0, 'SIGTERM');
    await waitFor(() => c.closed(), 'the connection to close');
    expect(c.list.slice(0, c.closedAfter()).at(-1)).toEqual({ type: 'daemon.stopping', reason: 'signal' });

    // a client of another version replaces the daemon: `replaced`, so an open TUI reconnects
    // instead of taking it for a stop the user asked for
    expect(e.run(['list']).code).toBe(0);
    const d = await subscribe(e);
    const other = await DaemonClient.connect({ paths: getPaths(e.home), daemonEntry: [BIN], version: '0.0.0-other', spawnTimeoutMs: 15_000 });
    cleanups.push(() => other.close());
    await waitFor(() => d.closed(), 'the replaced daemon’s connection to close');
    expect(d.list.slice(0, d.closedAfter()).at(-1)).toEqual({ type: 'daemon.stopping', reason: 'replaced' });
  });
});
