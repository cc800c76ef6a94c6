// The real Claude Code CLI (from npm) as a clauderon agent: `claude -p` runs in a tmux session
// created through the CLI, talks to api.anthropic.com through the session's proxy, which sends
// it to a local fake Anthropic upstream (the test-only override) with the real API key; the
// agent only ever holds the placeholder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { claudeBinary, filesUnder, makeEnv, waitFor, type Env, readIfThere } from '../helpers/e2e.js';
import { fakeAnthropicFor } from '../helpers/claude.js';

let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
afterEach(async () => {
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

const REAL = 'sk-ant-api03-REAL-claude-e2e-0123456789abcdefghij';


describe('Claude Code through the proxy', () => {
  const bin = claudeBinary();
  it.skipIf(!bin && process.env.CI !== 'true')('claude -p gets its answer while only the upstream sees the real key', async () => {
    if (!bin) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    const fake = await fakeAnthropicFor(env, { text: 'Hello from the fake upstream' });
    upstream = fake.upstream;
    writeFileSync(join(env.home, 'config.toml'), `[agents.claude]\ncommand = "${bin}"\nargs = ["-p"]\n`);

    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'cc', '--no-plan-mode', '--json'], {
      env: { ...fake.daemonEnv, ANTHROPIC_API_KEY: REAL },
    });
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as Session).proxyPort).not.toBeNull();

    const screen = await waitFor(() => {
      const out = env?.run(['output', 'cc', '--lines', '100']).stdout ?? '';
      return out.includes('Hello from the fake upstream') ? out : '';
    }, 'claude -p to print the answer', 30_000);
    expect(screen).not.toContain(REAL);

    const messages = fake.upstream.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.headers['x-api-key']).toBe(REAL);
    expect(fake.upstream.allText()).not.toContain(PLACEHOLDERS.anthropicApiKey);

    // Claude Code gets the API-key placeholder from its settings' apiKeyHelper, not from the
    // environment (a key there makes the interactive CLI ask whether to use it)
    const agentEnv = env.json<Record<string, string>>(['env', 'cc']);
    expect(agentEnv.ANTHROPIC_API_KEY).toBeUndefined();
    expect(agentEnv.CLAUDE_CODE_OAUTH_TOKEN).toBeUndefined();
    // (with hooks when the HTTP API listens, else alone)
    const helperSettings = ['hooks-api-key-settings.json', 'api-key-settings.json'].map((f) => join(env?.home ?? '', f)).filter((f) => existsSync(f));
    expect(helperSettings).toHaveLength(1);
    expect(readFileSync(helperSettings[0] ?? '', 'utf8')).toContain(`"apiKeyHelper": "echo ${PLACEHOLDERS.anthropicApiKey}"`);
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(/"host":"api\.anthropic\.com","method":"POST","path":"\/v1\/messages[^"]*","credential":"anthropic_api_key","status":200/);
    for (const f of filesUnder(env.home, ['worktrees'])) expect(readIfThere(f), f).not.toContain(REAL);
  });
});
