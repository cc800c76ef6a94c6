// The zero-credential path end to end: a session created through the CLI runs an agent (here a
// shell script using curl, the way agents' tools do) in tmux; its HTTPS goes through the
// session's proxy to a local fake api.github.com (the test-only upstream override), which
// receives the real token, while the agent, `clauderon env`, the audit log, the daemon's log and
// the database hold only placeholders.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { filesUnder, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env | undefined;
let echo: FakeUpstream | undefined;
afterEach(async () => {
  env?.cleanup();
  await echo?.close();
  env = undefined;
  echo = undefined;
});

const REAL = 'ghp_REAL_e2e_token_0123456789abcdefXYZ';


function curlVia(proxyEnv: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...args], { env: { PATH: process.env.PATH ?? '', ...proxyEnv } }, (_e, stdout) => resolve(stdout));
  });
}

describe('a session behind its proxy', () => {
  it('the agent works with placeholders while the upstream gets the real token', async () => {
    env = makeEnv();
    const pki = makeTestPki(['api.github.com']);
    echo = await startFakeEcho(pki, { name: 'github' });
    const upstreamCa = join(env.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    const agent = join(env.root, 'agent.sh');
    writeFileSync(
      agent,
      [
        '#!/bin/sh',
        '# A stand-in agent: calls the GitHub API the way an agent tool would, through HTTPS_PROXY.',
        'curl -sS -o /dev/null -w "CURL-GET %{http_code}\\n" -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/user',
        'echo "AGENT-TOKEN $GITHUB_TOKEN"',
        'exec cat',
        '',
      ].join('\n'),
    );
    chmodSync(agent, 0o755);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${agent}"\n`);

    // The first client starts the daemon: it inherits the real token and the test-only override.
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'proxied', '--json'], {
      env: { GITHUB_TOKEN: REAL, CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.github.com': `127.0.0.1:${echo.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa },
    });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(env.portConfig).toContain(`[${s.proxyPort}, `); // the first port of its own range

    const screen = await waitFor(() => {
      const out = env?.run(['output', 'proxied']).stdout ?? '';
      return out.includes('AGENT-TOKEN') ? out : '';
    }, 'the agent to run');
    expect(screen).toContain('CURL-GET 200');
    expect(screen).toContain(`AGENT-TOKEN ${PLACEHOLDERS.github}`);
    expect(screen).not.toContain(REAL);
    // the upstream got the real token, never the placeholder
    expect(echo.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${REAL}`]);
    expect(echo.allText()).not.toContain(PLACEHOLDERS.github);

    // the running agent's own environment (/proc/<pid>/environ) and the worktree hold no secret
    const panePid = Number(env.tmux('display-message', '-p', '-t', '=proxied:', '#{pane_pid}').stdout.trim());
    expect(panePid).toBeGreaterThan(0);
    const environ = readFileSync(`/proc/${panePid}/environ`, 'latin1');
    expect(environ).toContain(`GITHUB_TOKEN=${PLACEHOLDERS.github}`);
    expect(environ).toContain('HTTPS_PROXY=http://proxied:');
    expect(environ).not.toContain(REAL);
    for (const f of filesUnder(s.worktreePath)) expect(readFileSync(f, 'latin1'), f).not.toContain(REAL);

    // what the agent gets, as the user can check it
    const agentEnv = env.json<Record<string, string>>(['env', 'proxied']);
    expect(agentEnv).toMatchObject({ GITHUB_TOKEN: PLACEHOLDERS.github, GH_TOKEN: PLACEHOLDERS.github, NODE_EXTRA_CA_CERTS: join(env.home, 'proxy-ca.pem') });
    expect(agentEnv.HTTPS_PROXY).toMatch(new RegExp(`^http://proxied:[0-9a-f]{40}@127\\.0\\.0\\.1:${s.proxyPort}$`));
    expect(JSON.stringify(agentEnv)).not.toContain(REAL);

    // read-only applies to the live proxy at once
    const proxyEnvOnly = { HTTPS_PROXY: agentEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: agentEnv.CURL_CA_BUNDLE ?? '' };
    expect(await curlVia(proxyEnvOnly, ['-X', 'POST', '-d', '{}', 'https://api.github.com/repos/o/r/issues'])).toBe('200');
    expect(env.run(['set-access-mode', 'proxied', 'read-only']).code).toBe(0);
    expect(await curlVia(proxyEnvOnly, ['-X', 'POST', '-d', '{}', 'https://api.github.com/repos/o/r/issues'])).toBe('403');
    expect(await curlVia(proxyEnvOnly, ['https://api.github.com/repos/o/r'])).toBe('200');
    expect(env.json<Session>(['show', 'proxied']).accessMode).toBe('read-only');

    // the audit has every request, and no secret is anywhere in the home
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { credential: string | null; status: number; blocked: string | null });
    expect(audit.filter((a) => a.credential === 'github_token').length).toBeGreaterThanOrEqual(3);
    expect(audit.some((a) => a.status === 403 && a.blocked?.startsWith('read-only session') === true)).toBe(true);
    for (const f of filesUnder(env.home, ['worktrees'])) expect(readFileSync(f, 'latin1'), f).not.toContain(REAL);

    // a daemon restart brings the proxy back on the same port: the running agent's HTTPS_PROXY stays valid
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    expect(await curlVia(proxyEnvOnly, ['https://api.github.com/repos/o/r'])).not.toBe('200');
    expect(env.run(['list'], { env: { GITHUB_TOKEN: REAL, CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.github.com': `127.0.0.1:${echo.port}` }), CLAUDERON_UPSTREAM_CA: upstreamCa } }).code).toBe(0);
    await waitFor(async () => (await curlVia(proxyEnvOnly, ['https://api.github.com/repos/o/r'])) === '200', 'the proxy restored after a daemon restart');

    // archive closes the proxy; unarchive starts a new one (and a new agent environment)
    expect(env.run(['archive', 'proxied']).code).toBe(0);
    expect(await curlVia(proxyEnvOnly, ['https://api.github.com/repos/o/r'])).not.toBe('200');
    const back = env.json<Session>(['unarchive', 'proxied']);
    expect(back.proxyPort).not.toBeNull();
    const newEnv = env.json<Record<string, string>>(['env', 'proxied']);
    await waitFor(async () => (await curlVia({ HTTPS_PROXY: newEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: newEnv.CURL_CA_BUNDLE ?? '' }, ['https://api.github.com/repos/o/r'])) === '200', 'the restarted proxy');
  });
});

describe('a proxy that cannot come back', () => {
  it('marks the session with the reason when its port is taken across a daemon restart; unarchive gives a new proxy', async () => {
    env = makeEnv();
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'lost']);
    expect(s.proxyPort).not.toBeNull();
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    // something else takes the port while the daemon is down
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(s.proxyPort ?? 0, '127.0.0.1', r));
    try {
      const marked = await waitFor(() => {
        const now = env?.json<Session>(['show', 'lost']);
        return now?.error?.startsWith('proxy not restored') ? now : null;
      }, 'the session to say its proxy was not restored');
      expect(marked.error).toContain(String(s.proxyPort));
      expect(marked.error).toContain('archive and unarchive');
      const listed = env.json<Session[]>(['list']).find((x) => x.name === 'lost');
      expect(listed?.error).toBe(marked.error);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    expect(env.run(['archive', 'lost']).code).toBe(0);
    const back = env.json<Session>(['unarchive', 'lost']);
    expect(back.error).toBeNull();
    expect(back.proxyPort).not.toBeNull();
  });
});
