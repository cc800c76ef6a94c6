// The real agent CLIs (claude, codex, gemini from node_modules) against the fake upstreams, through
// a session's proxy: one PKI for every model host, the daemon environment that sends those hosts to
// the fakes (the test-only override) with the real credentials the fakes expect, and a home of
// the agent's own. Everything listens on 127.0.0.1.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GEMINI_HOST,
  GEMINI_TELEMETRY_HOST,
  makeTestPki,
  startFakeAnthropic,
  startFakeGemini,
  type FakeAnthropic,
  type FakeGemini,
} from '../../fixtures/upstreams/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fixtures/upstreams/openai.js';
import { ROOT, type Env } from './e2e.js';

export type AgentName = 'claude' | 'codex' | 'gemini';

/** The real credentials the fakes require (and the tests look for everywhere else). */
export const REAL = {
  anthropic: 'sk-ant-api03-REAL-matrix-0123456789abcdefghij',
  openai: 'sk-proj-REAL-matrix-openai-0123456789abcdef',
  gemini: 'AIzaREAL-matrix-gemini-0123456789abcdef',
} as const;

/** The answer each fake gives: what the agent's screen must show. */
export const ANSWER: Record<AgentName, string> = {
  claude: 'Claude says hello through the proxy',
  codex: 'Codex says hello through the proxy',
  gemini: 'Gemini says hello through the proxy',
};

export interface AgentUpstreams {
  anthropic: FakeAnthropic;
  openai: FakeOpenAI;
  gemini: FakeGemini;
  /** For the command that starts the daemon (it inherits it). */
  daemonEnv: Record<string, string>;
  /** The agents' HOME on the host (the daemon's). */
  home: string;
  close(): Promise<void>;
}

export async function agentUpstreams(env: Env, opts: { websocket?: 'serve' | 'refuse' } = {}): Promise<AgentUpstreams> {
  const pki = makeTestPki(['api.anthropic.com', 'api.openai.com', 'chatgpt.com', 'auth.openai.com', GEMINI_HOST, GEMINI_TELEMETRY_HOST]);
  const [anthropic, openai, gemini] = await Promise.all([
    startFakeAnthropic(pki, { text: ANSWER.claude, requireCredential: REAL.anthropic }),
    startFakeOpenAI(pki, { text: ANSWER.codex, requireCredential: REAL.openai, websocket: opts.websocket ?? 'serve' }),
    startFakeGemini(pki, { text: ANSWER.gemini, requireCredential: REAL.gemini }),
  ]);
  const ca = join(env.root, 'upstream-ca.pem');
  writeFileSync(ca, pki.caPem);
  const home = join(env.root, 'agent-home');
  mkdirSync(home, { recursive: true });
  return {
    anthropic,
    openai,
    gemini,
    home,
    daemonEnv: {
      HOME: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ANTHROPIC_API_KEY: REAL.anthropic,
      OPENAI_API_KEY: REAL.openai,
      GEMINI_API_KEY: REAL.gemini,
      CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify({
        ...anthropic.overrides('api.anthropic.com'),
        ...openai.overrides('api.openai.com', 'chatgpt.com', 'auth.openai.com'),
        ...gemini.overrides(GEMINI_HOST, GEMINI_TELEMETRY_HOST),
      }),
      CLAUDERON_UPSTREAM_CA: ca,
    },
    close: async () => {
      await Promise.all([anthropic.close(), openai.close(), gemini.close()]);
    },
  };
}

/** The agent CLIs as npm installed them (their bin links), or null when one is missing. */
export function agentBinary(agent: AgentName): string | null {
  const p = join(ROOT, 'node_modules', '.bin', agent);
  return existsSync(p) ? p : null;
}
