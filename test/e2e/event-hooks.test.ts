// Event hooks against the built binary: [[event_hooks]] in config.toml — a command (a shell script
// appending its stdin to a file) and a webhook (a loopback HTTP server of this test) — each get
// create → agent waiting (an agent's hook posted to the daemon) → delete exactly once, in order,
// with the documented JSON; a command and a webhook that hang on the first event are cut off at
// their timeout_ms and still get the next ones. Nothing a hook receives holds a secret: not the
// session's hook token, not a credential of the daemon's environment.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HookEvent } from '../../src/daemon/event-hooks.js';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env | undefined;
let server: Server | undefined;
afterEach(async () => {
  env?.cleanup();
  env = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

const SECRET = 'ghp_EVENTHOOKSe2eSECRET0123456789abcdefghij';

/** A loopback server keeping each request (path and body); /slow never answers a "created". */
async function webhookReceiver(): Promise<{ port: number; got: { path: string; contentType: string | undefined; body: string }[] }> {
  const got: { path: string; contentType: string | undefined; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      got.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      if (req.url === '/slow' && body.includes('"event":"created"')) return; // hangs
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, got };
}

function events(file: string): HookEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as HookEvent);
}

describe('event hooks', () => {
  it('a command and a webhook get created → agent_waiting → deleted once each, in order; hung ones are cut off and get the rest; no secret', async () => {
    const hook = await webhookReceiver();
    env = makeEnv();
    const dir = env.root;
    // the hook command: each event's stdin line to a file, its environment to another
    const script = join(dir, 'on-event.sh');
    writeFileSync(script, '#!/bin/sh\nIFS= read -r line\nprintf \'%s\\n\' "$line" >> "$1"\nenv >> "$1.env"\ncase "$line" in *\'"event":"created"\'*) [ "$2" = hang ] && sleep 30 ;; esac\nexit 0\n');
    chmodSync(script, 0o755);
    const out = join(dir, 'events.jsonl');
    const hung = join(dir, 'hung.jsonl');
    env.writeConfig(
      [
        `[[event_hooks]]\ncommand = ["${script}", "${out}"]`,
        `[[event_hooks]]\ncommand = ["${script}", "${hung}", "hang"]\ntimeout_ms = 500`,
        `[[event_hooks]]\nurl = "http://127.0.0.1:${hook.port}/hook"\nevents = ["created", "agent_waiting", "agent_working", "completed", "failed", "deleted"]`,
        `[[event_hooks]]\nurl = "http://127.0.0.1:${hook.port}/slow"\ntimeout_ms = 500`,
      ].join('\n'),
    );
    // the daemon starts with a credential in its environment (the first command's)
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'evh'], { env: { GITHUB_TOKEN: SECRET } });
    const held = env.json<{ credentials: { name: string; set: boolean }[] }>(['config', 'credentials']).credentials;
    expect(held.find((c) => c.name === 'github_token')?.set).toBe(true);
    const token = env.json<Record<string, string>>(['env', 'evh']).CLAUDERON_HOOK_TOKEN ?? '';
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    // the agent asks for approval (its hook, as Claude Code posts it)
    const r = await fetch(`http://127.0.0.1:${env.httpPort}/api/hooks?session=${s.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hook_event_name: 'PermissionRequest', tool_name: 'Bash' }),
    });
    expect(r.status).toBe(200);
    expect(env.json<Session>(['show', 'evh']).agentStatus).toBe('waiting_approval');
    const del = env.run(['delete', 'evh', '--force']);
    expect(del.code, del.stderr).toBe(0);

    const names = (list: HookEvent[]) => list.map((e) => e.event);
    const fromWeb = (path: string) => hook.got.filter((g) => g.path === path).map((g) => JSON.parse(g.body) as HookEvent);
    const ended = (list: HookEvent[]) => list.at(-1)?.event === 'deleted';
    await waitFor(() => ended(events(out)) && ended(events(hung)) && ended(fromWeb('/hook')) && ended(fromWeb('/slow')), 'every hook to get the delete', 30_000);
    // (in order, one at a time: nothing can come after the last event, and nothing came twice before it)
    for (const list of [events(out), events(hung), fromWeb('/hook'), fromWeb('/slow')]) expect(names(list)).toEqual(['created', 'agent_waiting', 'deleted']);

    const got = events(out);
    const session = { id: s.id, name: 'evh', repoPath: s.repoPath, branchName: s.branchName, backend: 'tmux', agent: 'claude' };
    expect(got[0]).toEqual({ event: 'created', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown, session: { ...session, status: 'creating', agentStatus: 'unknown' } });
    expect(got[1]).toEqual({ event: 'agent_waiting', at: expect.any(String) as unknown, session: { ...session, status: 'running', agentStatus: 'waiting_approval' } });
    expect(got[2]).toEqual({ event: 'deleted', at: expect.any(String) as unknown, session: { ...session, status: 'deleting', agentStatus: 'waiting_approval' } });
    expect(fromWeb('/hook')).toEqual(got.map((e) => ({ ...e, at: expect.any(String) as unknown })));
    expect(new Set(hook.got.map((g) => g.contentType))).toEqual(new Set(['application/json']));

    // the hung ones were cut off at their bound, and the log says so (never a webhook's path)
    const log = readFileSync(join(env.home, 'logs', 'daemon.log'), 'utf8');
    expect(log).toMatch(/WARN event hook timed out: killed \{"hook":"event_hooks\[1\] [^"]*on-event\.sh","event":"created","session":"evh","timeoutMs":500\}/);
    expect(log).toContain(`WARN event hook timed out: request aborted {"hook":"event_hooks[3] http://127.0.0.1:${hook.port}/…","event":"created","session":"evh","timeoutMs":500}`);

    // nothing secret reached a hook: not the hook token, not the daemon's credential
    const received = [readFileSync(out, 'utf8'), readFileSync(hung, 'utf8'), ...hook.got.map((g) => g.body)].join('\n');
    const envs = readFileSync(`${out}.env`, 'utf8') + readFileSync(`${hung}.env`, 'utf8');
    expect(envs).toContain('PATH='); // (the environment was written)
    for (const text of [received, envs]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(SECRET);
    }
    expect(envs).not.toMatch(/^CLAUDERON_HOOK_TOKEN=/m);
    // and the daemon with hooks stops as before
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    await waitFor(() => readFileSync(join(env?.home ?? '', 'logs', 'daemon.log'), 'utf8').includes('INFO daemon stopped'), 'the daemon to stop');
  });

  it('a hook added to config.toml while the daemon runs gets the next events', async () => {
    env = makeEnv();
    expect(env.run(['list']).code).toBe(0); // the daemon, with no hooks
    const status = () => env?.json<{ configError: string | null }>(['daemon', 'status']).configError;
    // (a broken file first: its error, and then its clearing, show the daemon has read each change)
    env.writeConfig('[[event_hooks]]\nurl = "ftp://example.com/"\n');
    expect(await waitFor(status, 'the daemon to read the broken config.toml')).toMatch(/event_hooks\.0\.url: expected an http:\/\/ or https:\/\/ URL/);
    const out = join(env.root, 'later.jsonl');
    env.writeConfig(`[[event_hooks]]\ncommand = ["sh", "-c", "cat >> \\"$0\\"", "${out}"]\nevents = ["created"]\n`);
    await waitFor(() => status() === null, 'the daemon to read the fixed config.toml');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'later']).code).toBe(0);
    const got = await waitFor(() => (events(out).length > 0 ? events(out) : null), 'the new hook to get the create');
    expect(got.map((e) => [e.event, e.session.name])).toEqual([['created', 'later']]);
  });

  it("the API's config (/api/config) shows a webhook URL's origin only; a bad [[event_hooks]] entry is refused naming the key", async () => {
    env = makeEnv({ config: '[[event_hooks]]\nurl = "https://hooks.example.com/services/T000/B000/XXXXSECRET"\n' });
    expect(env.run(['list']).code).toBe(0); // starts the daemon
    const r = await fetch(`http://127.0.0.1:${env.httpPort}/api/config`);
    expect(r.status).toBe(200);
    const shown = (await r.json()) as { config: { event_hooks: { url: string }[] } };
    expect(shown.config.event_hooks).toEqual([{ url: 'https://hooks.example.com/…', timeout_ms: 5000 }]);
    expect(JSON.stringify(shown)).not.toContain('XXXXSECRET');
    env.writeConfig('[[event_hooks]]\ncommand = "notify-send clauderon"\n');
    const bad = env.run(['config', 'show']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('event_hooks.0.command: expected an argv array, e.g. ["/usr/local/bin/notify", "--flag"] (run without a shell)');
  });
});
