// Event hooks (src/daemon/event-hooks.ts), in process: which daemon events become which hook
// events (each transition once), what a hook receives (a few fields, nothing secret), and the
// delivery — per hook in order, one at a time, bounded queue, a command killed (its whole process
// group) at its timeout, a webhook aborted at its, failures logged, and the next event still
// delivered. Real commands (sh) and a real loopback HTTP server.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { EventHooks, eventsFor, hookLabel, redactHookUrl, SessionTransitions, MAX_PENDING, type EventHookConfig, type HookEvent } from '../../src/daemon/event-hooks.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Logger } from '../../src/shared/logger.js';
import { processAlive } from '../../src/shared/process.js';
import type { Session } from '../../src/shared/types.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'clrn-event-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function session(over: Partial<Session> = {}): Session {
  return {
    id: '11111111-2222-3333-4444-555555555555',
    name: 'fix-login-ab12',
    repoPath: '/repos/app',
    subdirectory: '',
    worktreePath: '/home/u/.clauderon/worktrees/fix-login-ab12',
    branchName: 'clauderon/fix-login-ab12',
    backend: 'tmux',
    backendId: 'fix-login-ab12',
    agent: 'claude',
    model: null,
    prompt: 'the prompt is not for hooks',
    accessMode: 'read-write',
    skipChecks: false,
    planMode: true,
    proxyPort: 41000,
    status: 'running',
    agentStatus: 'unknown',
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

const updated = (over: Partial<Session>): DaemonEvent => ({ type: 'session.updated', session: session(over) });

/** A Logger that keeps its lines. */
function recorder(): Logger & { lines: { level: string; msg: string; data?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; data?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg, data) => lines.push({ level: 'info', msg, ...(data ? { data } : {}) }),
    warn: (msg, data) => lines.push({ level: 'warn', msg, ...(data ? { data } : {}) }),
    error: (msg, data) => lines.push({ level: 'error', msg, ...(data ? { data } : {}) }),
  };
}

/** Hooks as config.toml gives them (validated: defaults filled in). */
function hooks(...raw: Record<string, unknown>[]): EventHookConfig[] {
  return parseConfig({ event_hooks: raw }, 'config.toml').event_hooks;
}

const made: EventHooks[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((h) => h.close()));
});

function make(list: EventHookConfig[], log: Logger = recorder()): EventHooks {
  const h = new EventHooks({ hooks: list, log, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  made.push(h);
  return h;
}

/** A command hook appending each event's stdin line to a file of its own (and after it, `then`). */
function appender(then = ''): { file: string; command: string[] } {
  const file = join(dir, `events-${++n}.jsonl`);
  return { file, command: ['sh', '-c', `IFS= read -r line; printf '%s\\n' "$line" >> "$0"; ${then}`, file] };
}

function linesOf(file: string): HookEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as HookEvent);
}

/** A loopback HTTP server keeping every request body; `answer` decides the reply (or none: it hangs). */
async function receiver(answer: (body: HookEvent, res: ServerResponse) => void = (_b, res) => res.writeHead(204).end()): Promise<{ url: string; got: { body: HookEvent; req: IncomingMessage }[]; server: Server }> {
  const got: { body: HookEvent; req: IncomingMessage }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as HookEvent;
      got.push({ body, req });
      answer(body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/SECRET-PATH?token=SECRET-QUERY`, got, server };
}
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('which events a session change means', () => {
  it('created and deleted from their own events; updates by what changed, each transition once', () => {
    const t = new SessionTransitions();
    const kinds = (e: DaemonEvent) => t.next(e).map((x) => x.event);
    expect(kinds({ type: 'session.created', session: session({ status: 'creating' }) })).toEqual(['created']);
    expect(kinds(updated({ status: 'running' }))).toEqual([]); // creating → running: no hook event
    expect(kinds(updated({ agentStatus: 'working' }))).toEqual(['agent_working']);
    expect(kinds(updated({ agentStatus: 'working' }))).toEqual([]); // the same again: nothing
    expect(kinds(updated({ agentStatus: 'waiting_approval' }))).toEqual(['agent_waiting']);
    expect(kinds(updated({ agentStatus: 'waiting_approval', error: 'something else changed' }))).toEqual([]);
    expect(kinds(updated({ agentStatus: 'waiting_input' }))).toEqual(['agent_waiting']); // what it waits for changed
    expect(kinds(updated({ agentStatus: 'idle' }))).toEqual([]);
    expect(kinds(updated({ agentStatus: 'working' }))).toEqual(['agent_working']);
    // the agent exits: one update with both changes
    expect(kinds(updated({ status: 'completed', agentStatus: 'idle' }))).toEqual(['completed']);
    expect(kinds(updated({ status: 'completed', agentStatus: 'idle' }))).toEqual([]);
    expect(kinds(updated({ status: 'failed', agentStatus: 'idle' }))).toEqual(['failed']);
    expect(kinds(updated({ status: 'deleting', agentStatus: 'idle' }))).toEqual([]);
    expect(kinds({ type: 'session.deleted', session: session({ status: 'deleting' }) })).toEqual(['deleted']);
    // forgotten once deleted: an update of that id has nothing to compare with
    expect(kinds(updated({ agentStatus: 'working' }))).toEqual([]);
  });

  it('a session the daemon found at its start (seed) changes from what it was then; other events are no hook events', () => {
    const t = new SessionTransitions();
    t.seed([session({ status: 'running', agentStatus: 'working' })]);
    expect(t.next(updated({ agentStatus: 'waiting_input' })).map((x) => x.event)).toEqual(['agent_waiting']);
    expect(t.next({ type: 'daemon.notes', configError: null, httpError: null })).toEqual([]);
    expect(t.next({ type: 'create.progress', name: 'x', step: 'worktree', state: 'done', message: null, ms: 1 })).toEqual([]);
    expect(t.next({ type: 'daemon.stopping', reason: 'user' })).toEqual([]);
    expect(eventsFor(undefined, updated({ status: 'failed' }))).toEqual([]);
  });

  it('gives a hook a few fields of the session, none of the rest', () => {
    const [ev] = new SessionTransitions().next({ type: 'session.created', session: session() }, new Date('2026-02-03T04:05:06.007Z'));
    expect(ev).toEqual({
      event: 'created',
      at: '2026-02-03T04:05:06.007Z',
      session: { id: '11111111-2222-3333-4444-555555555555', name: 'fix-login-ab12', repoPath: '/repos/app', branchName: 'clauderon/fix-login-ab12', backend: 'tmux', agent: 'claude', status: 'running', agentStatus: 'unknown' },
    });
  });

  it('names a hook in the log by its executable or its URL origin, never a webhook path or query', () => {
    expect(hookLabel(hooks({ command: ['/usr/local/bin/notify', '--token', 'x'] })[0] as EventHookConfig)).toBe('/usr/local/bin/notify');
    expect(redactHookUrl('https://user:pw@hooks.example.com:8443/services/T0/B0/SECRET?x=1')).toBe('https://hooks.example.com:8443/…');
  });
});

describe('[[event_hooks]] in config.toml', () => {
  it('has defaults and refuses what it cannot run, naming the key and what is allowed', () => {
    expect(parseConfig({}, 'c.toml').event_hooks).toEqual([]);
    expect(hooks({ command: ['notify'] })).toEqual([{ command: ['notify'], timeout_ms: 5000 }]);
    expect(hooks({ url: 'https://example.com/h', events: ['failed'], timeout_ms: 100 })).toEqual([{ url: 'https://example.com/h', events: ['failed'], timeout_ms: 100 }]);
    const bad = (raw: Record<string, unknown>) => () => hooks(raw);
    expect(bad({})).toThrow('config.toml: event_hooks.0: set exactly one of command (an argv array) or url (http:// or https://)');
    expect(bad({ command: ['a'], url: 'https://x.example' })).toThrow(/event_hooks\.0: set exactly one of command/);
    expect(bad({ command: 'notify --flag' })).toThrow(/event_hooks\.0\.command: expected an argv array, e\.g\. \["\/usr\/local\/bin\/notify", "--flag"\] \(run without a shell\)/);
    expect(bad({ command: [] })).toThrow(/event_hooks\.0\.command: expected an argv array/);
    expect(bad({ url: 'file:///etc/passwd' })).toThrow(/event_hooks\.0\.url: expected an http:\/\/ or https:\/\/ URL/);
    expect(bad({ command: ['a'], events: ['waiting'] })).toThrow(/event_hooks\.0\.events\.0: expected one of "created", "agent_waiting", "agent_working", "completed", "failed", "deleted"/);
    expect(bad({ command: ['a'], events: [] })).toThrow(/event_hooks\.0\.events: list at least one event/);
    expect(bad({ command: ['a'], timeout_ms: 60_001 })).toThrow(/event_hooks\.0\.timeout_ms: expected 100 to 60000 \(milliseconds\)/);
    expect(bad({ command: ['a'], shell: true })).toThrow(/event_hooks\.0\.shell: unknown key/);
  });
});

describe('delivery', () => {
  it('a command gets each event as one JSON line on stdin, in order, one at a time; the emitter never waits', async () => {
    const a = appender('sleep 0.05');
    const h = make(hooks({ command: a.command }));
    h.handle({ type: 'session.created', session: session({ status: 'creating' }) });
    h.handle(updated({ status: 'running', agentStatus: 'working' }));
    h.handle(updated({ agentStatus: 'waiting_input' }));
    h.handle(updated({ agentStatus: 'working' }));
    h.handle({ type: 'session.deleted', session: session({ status: 'deleting', agentStatus: 'working' }) });
    expect(linesOf(a.file)).toEqual([]); // nothing ran inside handle()
    const got = await waitFor(() => (linesOf(a.file).length >= 5 ? linesOf(a.file) : null), 'five events');
    expect(got.map((e) => e.event)).toEqual(['created', 'agent_working', 'agent_waiting', 'agent_working', 'deleted']);
    expect(got[2]?.session).toMatchObject({ name: 'fix-login-ab12', agentStatus: 'waiting_input' });
    expect(Object.keys(got[0]?.session ?? {}).sort()).toEqual(['agent', 'agentStatus', 'backend', 'branchName', 'id', 'name', 'repoPath', 'status']);
  });

  it('kills a command at its timeout, its whole process group, logs it, and delivers the next event', async () => {
    const pidFile = join(dir, `sleeper-${++n}.pid`);
    // the first event starts a child in the group that would outlive a kill of sh alone
    const a = appender(`case "$line" in *'"created"'*) sleep 30 & echo $! > ${pidFile}; wait;; esac`);
    const log = recorder();
    const h = make(hooks({ command: a.command, timeout_ms: 300 }), log);
    h.handle({ type: 'session.created', session: session() });
    h.handle({ type: 'session.deleted', session: session() });
    const got = await waitFor(() => (linesOf(a.file).length >= 2 ? linesOf(a.file) : null), 'the event after the hung one');
    expect(got.map((e) => e.event)).toEqual(['created', 'deleted']);
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim());
    expect(sleeper).toBeGreaterThan(0);
    await waitFor(() => !processAlive(sleeper), 'the sleep of the killed group to be gone');
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'event hook timed out: killed', data: { hook: 'event_hooks[0] sh', event: 'created', session: 'fix-login-ab12', timeoutMs: 300 } });
    expect(log.lines.filter((l) => l.msg === 'event hook command failed')).toEqual([]); // a kill is reported once, as the timeout
  });

  it('logs a failing command with its exit status and the first lines of its stderr; one that cannot start; the next still runs', async () => {
    const a = appender(`echo "first problem" >&2; printf 'second\\033]52;c;x\\n' >&2; exit 3`);
    const log = recorder();
    const h = make(hooks({ command: a.command }, { command: [join(dir, 'no-such-hook')] }), log);
    h.handle({ type: 'session.created', session: session() });
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => log.lines.filter((l) => l.msg === 'event hook command failed').length === 2, 'both failures logged');
    expect(linesOf(a.file).map((e) => e.event)).toEqual(['created', 'deleted']);
    expect(log.lines.filter((l) => l.msg === 'event hook command failed').map((l) => l.data?.hook)).toEqual(['event_hooks[0] sh', 'event_hooks[0] sh']);
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'event hook command failed', data: { hook: 'event_hooks[0] sh', event: 'created', session: 'fix-login-ab12', code: 3, stderr: ['first problem', 'second^[]52;c;x'] } });
    await waitFor(() => log.lines.filter((l) => l.msg === 'event hook command could not run').length === 2, 'the missing command logged for both events');
    expect(log.lines.find((l) => l.msg === 'event hook command could not run')?.data).toMatchObject({ hook: `event_hooks[1] ${join(dir, 'no-such-hook')}`, error: expect.stringContaining('ENOENT') as unknown });
  });

  it('runs a hook only on the events it lists', async () => {
    const a = appender();
    const h = make(hooks({ command: a.command, events: ['agent_waiting', 'failed'] }));
    h.handle({ type: 'session.created', session: session() });
    h.handle(updated({ agentStatus: 'working' }));
    h.handle(updated({ agentStatus: 'waiting_approval' }));
    h.handle(updated({ status: 'failed' }));
    h.handle({ type: 'session.deleted', session: session() });
    const got = await waitFor(() => (linesOf(a.file).length >= 2 ? linesOf(a.file) : null), 'two events');
    expect(got.map((e) => e.event)).toEqual(['agent_waiting', 'failed']);
  });

  it('POSTs each event as JSON to a webhook, in order; an error answer is logged and the next still goes', async () => {
    const r = await receiver((body, res) => res.writeHead(body.event === 'created' ? 500 : 200).end('ok'));
    const log = recorder();
    const h = make(hooks({ url: r.url }), log);
    h.handle({ type: 'session.created', session: session() });
    h.handle(updated({ agentStatus: 'waiting_input' }));
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => r.got.length === 3, 'three requests');
    expect(r.got.map((g) => g.body.event)).toEqual(['created', 'agent_waiting', 'deleted']);
    expect(r.got[0]?.req.method).toBe('POST');
    expect(r.got[0]?.req.headers['content-type']).toBe('application/json');
    expect(r.got[0]?.req.url).toBe('/hook/SECRET-PATH?token=SECRET-QUERY');
    await waitFor(() => log.lines.some((l) => l.msg === 'event hook webhook answered an error'), 'the 500 logged');
    expect(log.lines.find((l) => l.msg === 'event hook webhook answered an error')?.data).toEqual({ hook: `event_hooks[0] ${redactHookUrl(r.url)}`, event: 'created', session: 'fix-login-ab12', status: 500 });
    expect(JSON.stringify(log.lines)).not.toContain('SECRET');
  });

  it('aborts a webhook that does not answer at its timeout, and delivers the next event', async () => {
    const r = await receiver((body, res) => {
      if (body.event !== 'created') res.writeHead(204).end(); // created: never answered
    });
    const log = recorder();
    const h = make(hooks({ url: r.url, timeout_ms: 300 }), log);
    h.handle({ type: 'session.created', session: session() });
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => r.got.length === 2, 'the event after the hung one');
    expect(r.got.map((g) => g.body.event)).toEqual(['created', 'deleted']);
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'event hook timed out: request aborted', data: { hook: `event_hooks[0] ${redactHookUrl(r.url)}`, event: 'created', session: 'fix-login-ab12', timeoutMs: 300 } });
  });

  it(`keeps at most ${MAX_PENDING} pending events per hook: the oldest are dropped, and logged`, async () => {
    const r = await receiver();
    const log = recorder();
    const h = make(hooks({ url: r.url }), log);
    // all in one tick: nothing is delivered before the last is queued
    for (let i = 0; i < MAX_PENDING + 2; i++) h.handle({ type: 'session.created', session: session({ id: `id-${i}`, name: `s-${i}` }) });
    await waitFor(() => r.got.length === MAX_PENDING, `${MAX_PENDING} requests`);
    expect(r.got.map((g) => g.body.session.name)).toEqual(Array.from({ length: MAX_PENDING }, (_, i) => `s-${i + 2}`));
    expect(log.lines.filter((l) => l.msg === 'event hook behind: dropped its oldest pending event').map((l) => l.data?.session)).toEqual(['s-0', 's-1']);
  });

  it('each hook has its own queue: a hung one does not hold another', async () => {
    const slow = appender('sleep 30');
    const fast = appender();
    const h = make(hooks({ command: slow.command, timeout_ms: 60_000 }, { command: fast.command }));
    h.handle({ type: 'session.created', session: session() });
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => linesOf(fast.file).length === 2, 'the fast hook to get both');
    expect(linesOf(slow.file).map((e) => e.event)).toEqual(['created']);
  });

  it('on close, abandons what is pending (logged) and cuts off a delivery under way', async () => {
    const pidFile = join(dir, `sleeper-${++n}.pid`);
    const a = appender(`sleep 30 & echo $! > ${pidFile}; wait`);
    const log = recorder();
    const h = new EventHooks({ hooks: hooks({ command: a.command, timeout_ms: 60_000 }), log, env: { PATH: process.env.PATH ?? '' } });
    h.handle({ type: 'session.created', session: session() });
    h.handle(updated({ agentStatus: 'working' }));
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the first delivery to be under way');
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim());
    await h.close();
    await waitFor(() => !processAlive(sleeper), 'the delivery under way to be killed');
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'daemon stopping: pending event hook deliveries abandoned', data: { hook: 'event_hooks[0] sh', abandoned: 2 } });
    h.handle({ type: 'session.created', session: session() }); // closed: nothing more runs
    expect(linesOf(a.file).map((e) => e.event)).toEqual(['created']);
  });

  it('on close, also cuts off a delivery of a hook removed from config.toml meanwhile', async () => {
    const pidFile = join(dir, `sleeper-${++n}.pid`);
    const a = appender(`sleep 30 & echo $! > ${pidFile}; wait`);
    const h = new EventHooks({ hooks: hooks({ command: a.command, timeout_ms: 60_000 }), log: recorder(), env: { PATH: process.env.PATH ?? '' } });
    h.handle({ type: 'session.created', session: session() });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the delivery to be under way');
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim());
    h.configure([]);
    await h.close();
    await waitFor(() => !processAlive(sleeper), "the removed hook's delivery to be killed");
  });

  it('applies a changed config: a hook still listed keeps its queue, a new one starts, a removed one gets nothing new', async () => {
    const kept = appender();
    const removed = appender();
    const added = appender();
    const h = make(hooks({ command: kept.command }, { command: removed.command }));
    h.handle({ type: 'session.created', session: session() });
    await waitFor(() => linesOf(kept.file).length === 1 && linesOf(removed.file).length === 1, 'the first event');
    h.configure(hooks({ command: kept.command }, { command: added.command }));
    h.handle({ type: 'session.deleted', session: session() });
    await waitFor(() => linesOf(kept.file).length === 2 && linesOf(added.file).length === 1, 'the second event');
    expect(linesOf(removed.file).map((e) => e.event)).toEqual(['created']);
    expect(linesOf(added.file).map((e) => e.event)).toEqual(['deleted']);
  });
});
