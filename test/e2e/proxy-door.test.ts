// The agent as an attacker, against the built daemon: its own proxy is no door to the host (the
// daemon's HTTP API on loopback trusts loopback), and with no credential configured its
// placeholder never goes upstream — the real Claude Code CLI is told, by the proxy, what to set.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import type { Session } from '../../src/shared/types.js';
import { claudeBinary, makeEnv, waitFor, type Env } from '../helpers/e2e.js';
import { fakeAnthropicFor } from '../helpers/claude.js';

let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
afterEach(async () => {
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

/** curl as the agent runs it: only the agent's environment (its proxy, its CA bundle). Prints "CONNECT-status status". */
function curlAs(agentEnv: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_connect} %{http_code}', '--noproxy', '', ...args], { env: { PATH: process.env.PATH ?? '', ...agentEnv } }, (_e, stdout) => resolve(stdout));
  });
}

describe('the agent cannot use its proxy against the host', () => {
  it('a read-only session cannot reach the daemon’s API through its proxy to switch itself to read-write', async () => {
    env = makeEnv();
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', 'ro', '--access-mode', 'read-only']);
    const agentEnv = env.json<Record<string, string>>(['env', 'ro']);
    expect(agentEnv.HTTPS_PROXY).toMatch(/^http:\/\/ro:/);
    const api = `/api/sessions/${s.id}/access-mode`;
    const body = ['-X', 'POST', '-H', 'content-type: application/json', '--data', '{"mode":"read-write"}'];
    const codes: Record<string, string> = {};
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '127.1', '[::ffff:127.0.0.1]', '0.0.0.0']) {
      // absolute-form through the proxy, and a CONNECT tunnel (curl --proxytunnel)
      codes[`plain ${host}`] = await curlAs(agentEnv, [...body, `http://${host}:${env.httpPort}${api}`]);
      codes[`tunnel ${host}`] = await curlAs(agentEnv, ['--proxytunnel', ...body, `http://${host}:${env.httpPort}${api}`]);
    }
    for (const [what, code] of Object.entries(codes)) expect(code, what).toBe(what.startsWith('plain') ? '000 403' : '403 000');
    expect(env.json<Session>(['show', 'ro']).accessMode).toBe('read-only');
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(new RegExp(`"host":"127\\.0\\.0\\.1:${env.httpPort}","method":"CONNECT","path":"","credential":null,"status":403`));
  });
});

describe('no credential configured', () => {
  const bin = claudeBinary();
  it.skipIf(!bin && process.env.CI !== 'true')('the real claude is answered by its proxy with what to set; nothing reaches the upstream', async () => {
    if (!bin) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    const fake = await fakeAnthropicFor(env);
    upstream = fake.upstream;
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${bin}"\nargs = ["-p"]\n`);
    // (no Anthropic credential anywhere in the daemon's environment)
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'nocred', '--no-plan-mode', '--json'], { env: fake.daemonEnv });
    expect(created.code, created.stderr).toBe(0);
    const screen = await waitFor(() => {
      const out = env?.run(['output', 'nocred', '--lines', '200']).stdout ?? '';
      return /setup-token/.test(out) ? out : '';
    }, 'claude to show the proxy’s answer', 45_000);
    expect(screen).toMatch(/CLAUDE_CODE_OAUTH_TOKEN/);
    expect(fake.upstream.received.filter((r) => r.path.startsWith('/v1/'))).toEqual([]);
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(/"host":"api\.anthropic\.com","method":"POST","path":"\/v1\/messages[^"]*","credential":null,"status":401/);
  });
});
