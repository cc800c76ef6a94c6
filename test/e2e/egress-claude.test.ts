// `--egress locked` with the real Claude Code (from npm): the policy leaves the agent its own
// model API, so `claude -p` gets its answer through the session's proxy from the fake Anthropic
// upstream (the test-only override), while a host it was not given is refused.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import type { EgressReport } from '../../src/protocol/operations.js';
import type { AuditEntry } from '../../src/shared/events.js';
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

const REAL = 'sk-ant-api03-REAL-egress-claude-0123456789abcdef';

describe('Claude Code in a locked session', () => {
  const bin = claudeBinary();
  it.skipIf(!bin && process.env.CI !== 'true')('reaches its model API and nothing else', async () => {
    if (!bin) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    const fake = await fakeAnthropicFor(env, { text: 'Hello through a locked proxy' });
    upstream = fake.upstream;
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${bin}"\nargs = ["-p"]\n`);
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'locked-cc', '--no-plan-mode', '--egress', 'locked', '--json'], {
      env: { ...fake.daemonEnv, ANTHROPIC_API_KEY: REAL },
    });
    expect(created.code, created.stderr).toBe(0);
    await waitFor(() => (env?.run(['output', 'locked-cc', '--lines', '100']).stdout ?? '').includes('Hello through a locked proxy'), 'claude -p to print the answer', 30_000);
    const messages = fake.upstream.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.headers['x-api-key']).toBe(REAL);

    const report = env.json<EgressReport>(['egress', 'locked-cc', '--json']);
    expect(report.policy).toBe('locked');
    expect(report.agentHosts).toEqual(['api.anthropic.com:443']);
    const audit = readFileSync(join(env.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    expect(audit.filter((a) => a.host.startsWith('api.anthropic.com') && a.blocked === 'egress')).toEqual([]);
    expect(audit.some((a) => a.host === 'api.anthropic.com' && a.status === 200)).toBe(true);
    // whatever else it tried (none with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC) was refused as egress
    for (const b of report.blocked) expect(b.host).not.toBe('api.anthropic.com');
  });
});
