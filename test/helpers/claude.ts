// The real Claude Code CLI against a fake Anthropic upstream, through a session's proxy: the fake
// (fixtures/upstreams), its CA trusted for api.anthropic.com only, and the daemon environment that
// sends api.anthropic.com there (the test-only override) with a home of the agent's own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPki, startFakeAnthropic, type FakeAnthropic } from '../../fixtures/upstreams/index.js';
import type { Env } from './e2e.js';

export interface ClaudeUpstream {
  upstream: FakeAnthropic;
  /** For the command that starts the daemon (it inherits it): add the credential you want. */
  daemonEnv: Record<string, string>;
  /** The agent's HOME (the daemon's, inherited by host sessions). */
  home: string;
}

export async function fakeAnthropicFor(env: Env, opts: { text?: string; home?: string } = {}): Promise<ClaudeUpstream> {
  const pki = makeTestPki(['api.anthropic.com']);
  const upstream = await startFakeAnthropic(pki, opts.text !== undefined ? { text: opts.text } : {});
  const ca = join(env.root, 'upstream-ca.pem');
  writeFileSync(ca, pki.caPem);
  const home = opts.home ?? join(env.root, 'agent-home');
  mkdirSync(home, { recursive: true });
  return {
    upstream,
    home,
    daemonEnv: {
      HOME: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': `127.0.0.1:${upstream.port}` }),
      CLAUDERON_UPSTREAM_CA: ca,
    },
  };
}
