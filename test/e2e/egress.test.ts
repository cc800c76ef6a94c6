// Egress policy end to end (issue 16): a session created through the CLI gets its backend's
// default policy from config.toml ([egress.backends] tmux = "locked") plus its own --allow-host;
// `clauderon egress` and `show` say so; curl through the session's proxy is refused for any
// other host (the explanatory 403), the block is remembered (`clauderon egress NAME`) and pushed
// as `proxy.blocked` on /ws/events; allowing the host — over HTTP, as a UI does, and with the
// CLI — lets the next request through the running proxy; everything survives a daemon restart.
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTestPki, startFakeEcho, type FakeUpstream } from '../../fixtures/upstreams/index.js';
import type { EgressChange, EgressReport } from '../../src/protocol/operations.js';
import type { DaemonEvent } from '../../src/shared/events.js';
import type { Session } from '../../src/shared/types.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env | undefined;
let echo: FakeUpstream | undefined;
let ws: WebSocket | undefined;
afterEach(async () => {
  ws?.close();
  env?.cleanup();
  await echo?.close();
  env = undefined;
  echo = undefined;
  ws = undefined;
});

/** curl through the session's proxy: "<final status> <CONNECT status>" and the body. */
function curlVia(proxyEnv: Record<string, string>, url: string): Promise<{ codes: string; body: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code} %{http_connect}', url], { env: { PATH: process.env.PATH ?? '', ...proxyEnv } }, (_e, stdout) => {
      const lines = stdout.trimEnd().split('\n');
      const codes = lines.pop() ?? '';
      resolve({ codes, body: lines.join('\n') });
    });
  });
}

describe('egress policy of a session', () => {
  it('locked by its backend default, refused with the command that allows it, allowed live over HTTP and the CLI', async () => {
    env = makeEnv();
    const pki = makeTestPki(['allowed.test', 'blocked.test', 'registry.npmjs.org']);
    echo = await startFakeEcho(pki, { name: 'upstream' });
    const upstreamCa = join(env.root, 'upstream-ca.pem');
    writeFileSync(upstreamCa, pki.caPem);
    const agent = join(env.root, 'agent.sh');
    writeFileSync(agent, '#!/bin/sh\necho AGENT-UP\nexec cat\n');
    chmodSync(agent, 0o755);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${agent}"\n[egress]\ndefault = "open"\npresets = ["pypi"]\n[egress.backends]\ntmux = "locked"\n`);
    const overrides = JSON.stringify({ 'allowed.test': `127.0.0.1:${echo.port}`, 'blocked.test': `127.0.0.1:${echo.port}`, 'registry.npmjs.org': `127.0.0.1:${echo.port}` });
    const daemonEnv = { CLAUDERON_UPSTREAM_OVERRIDES: overrides, CLAUDERON_UPSTREAM_CA: upstreamCa };

    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'eg', '--allow-host', 'npm', '--json'], { env: daemonEnv });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;

    // locked (the backend's default), its own rule only: config's presets are for allow-list sessions
    const report = env.json<EgressReport>(['egress', 'eg', '--json']);
    expect(report).toMatchObject({ session: 'eg', policy: 'locked', allow: ['npm'], agentHosts: ['api.anthropic.com:443'], blocked: [], live: true });
    expect(env.run(['show', 'eg']).stdout).toMatch(/^egress +locked \(\+ npm\)$/m);
    expect(env.json<{ egress: unknown }>(['show', 'eg', '--json']).egress).toEqual({ policy: 'locked', allow: ['npm'] });

    const agentEnv = env.json<Record<string, string>>(['env', 'eg']);
    // the agent's bundle plus the fakes' CA: a host the proxy does not open shows the fake's own certificate
    const bundle = join(env.root, 'bundle.pem');
    writeFileSync(bundle, `${readFileSync(agentEnv.CURL_CA_BUNDLE ?? '', 'utf8')}\n${pki.caPem}`);
    const proxyEnv = { HTTPS_PROXY: agentEnv.HTTPS_PROXY ?? '', CURL_CA_BUNDLE: bundle };
    expect((await curlVia(proxyEnv, 'https://registry.npmjs.org/left-pad')).codes).toBe('200 200');

    // the event stream, to see the block as a UI does
    const events: DaemonEvent[] = [];
    ws = new WebSocket(`ws://127.0.0.1:${env.httpPort}/ws/events`);
    ws.on('message', (d: Buffer) => events.push(JSON.parse(d.toString()) as DaemonEvent));
    await new Promise((r, j) => ws?.once('open', r).once('error', j));

    const seen = echo.received.length;
    const blocked = await curlVia(proxyEnv, 'https://blocked.test/data');
    expect(blocked.codes).toBe('000 403');
    expect(echo.received.length).toBe(seen);
    const ev = await waitFor(() => events.find((e) => e.type === 'proxy.blocked'), 'the proxy.blocked event');
    expect(ev).toMatchObject({ type: 'proxy.blocked', sessionId: s.id, name: 'eg', policy: 'locked', blocked: { host: 'blocked.test', port: 443, kind: 'name', count: 1, allow: 'clauderon egress eg --allow blocked.test' } });
    await curlVia(proxyEnv, 'https://blocked.test/data');
    const after = env.json<EgressReport>(['egress', 'eg', '--json']);
    expect(after.blocked).toMatchObject([{ host: 'blocked.test', port: 443, count: 2, allow: 'clauderon egress eg --allow blocked.test' }]);
    const text = env.run(['egress', 'eg']).stdout;
    expect(text).toContain('policy       locked');
    expect(text).toMatch(/blocked\.test:443 +2× +last .* +clauderon egress eg --allow blocked\.test/);

    // allowed over HTTP (what a UI's Allow button sends): the very next request passes, no restart
    const res = await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions/eg/egress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: 'blocked.test' }) });
    expect(res.status).toBe(200);
    const change = (await res.json()) as EgressChange;
    expect(change).toMatchObject({ policy: 'locked', allow: ['npm', 'blocked.test'], blocked: [], live: true });
    expect(change.note).toContain('allowed blocked.test');
    const ok = await curlVia(proxyEnv, 'https://blocked.test/data');
    expect(ok.codes).toBe('200 200');
    expect(JSON.parse(ok.body)).toMatchObject({ server: 'upstream', path: '/data' });
    const get = (await (await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions/eg/egress`)).json()) as EgressReport;
    expect(get.allow).toEqual(['npm', 'blocked.test']);

    // the CLI: a port of its own, a removal, a bad rule refused with what to write
    expect(env.run(['egress', 'eg', '--allow', 'allowed.test', '--port', '8443']).stdout).toContain('eg: allowed allowed.test:8443; applied to the running proxy');
    const removed = env.run(['egress', 'eg', '--remove', 'BLOCKED.test.']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed BLOCKED.test.');
    expect((await curlVia(proxyEnv, 'https://blocked.test/data')).codes).toBe('000 403');
    const bad = env.run(['egress', 'eg', '--allow', 'https://x.example/']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no scheme, path or user');
    const missing = env.run(['egress', 'eg', '--remove', 'never.example']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('eg has no rule never.example to remove (its rules: npm, allowed.test:8443)');

    // stored with the session: a daemon restart brings the same policy back
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    expect(env.run(['list'], { env: daemonEnv }).code).toBe(0);
    await waitFor(async () => (await curlVia(proxyEnv, 'https://registry.npmjs.org/x')).codes === '200 200', 'the proxy restored');
    expect(env.json<EgressReport>(['egress', 'eg', '--json'])).toMatchObject({ policy: 'locked', allow: ['npm', 'allowed.test:8443'] });
    expect((await curlVia(proxyEnv, 'https://blocked.test/data')).codes).toBe('000 403');

    // open: everything again, at once
    expect(env.run(['egress', 'eg', '--policy', 'open']).stdout).toContain('policy locked → open');
    expect((await curlVia(proxyEnv, 'https://blocked.test/data')).codes).toBe('200 200');
  });

  it('refuses --egress without a proxy, and a bad --allow-host before anything is made', () => {
    env = makeEnv();
    writeFileSync(join(env.home, 'config.toml'), env.portConfig.replace('[proxy]\n', '[proxy]\nenabled = false\n'));
    const noProxy = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'np', '--egress', 'locked']);
    expect(noProxy.code).not.toBe(0);
    expect(noProxy.stderr).toContain("--egress locked needs the session's proxy");
    const bad = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'bad', '--egress', 'allow-list', '--allow-host', '*']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('use the policy "open" instead');
    expect(env.json<Session[]>(['list'])).toEqual([]);
  });

  it('config.toml [egress] is validated with errors that say what to write', () => {
    env = makeEnv();
    env.writeConfig('[egress]\ndefault = "closed"\n');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p']).stderr).toMatch(/egress\.default.*"open", "allow-list", "locked"/);
    env.writeConfig('[egress]\nallow = ["a.*.example.com"]\n');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p']).stderr).toContain('a wildcard is only allowed as the first label');
    env.writeConfig('[egress]\npresets = ["npmm"]\n');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p']).stderr).toMatch(/egress\.presets.*expected a preset: "npm"/);
    env.writeConfig('[egress.backends]\npodman = "locked"\n');
    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p']).stderr).toMatch(/podman/);
  });
});
