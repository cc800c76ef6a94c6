// The real Claude Code CLI, interactive (no -p), in a clauderon tmux session whose proxy holds an
// Anthropic API key: it must not stop at "Detected a custom API key… use this API key?" (its
// default answer leaves the session at a login screen). clauderon hands it the API-key placeholder
// through the apiKeyHelper of its --settings file instead of ANTHROPIC_API_KEY, and never edits the
// user's own ~/.claude.json to pre-approve a key.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { claudeBinary, filesUnder, makeEnv, processGone, waitFor, type Env, readIfThere } from '../helpers/e2e.js';
import { fakeAnthropicFor } from '../helpers/claude.js';

const CLAUDE = claudeBinary();
const REAL = 'sk-ant-api03-REAL-interactive-e2e-0123456789abcdefghij';
const DIALOG = 'Detected a custom API key';

let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
afterEach(async () => {
  env?.cleanup();
  await upstream?.close();
  env = undefined;
  upstream = undefined;
});

describe('interactive Claude Code with an API key behind the proxy', () => {
  it.skipIf(!CLAUDE && process.env.CI !== 'true')('asks no question about the key, answers through the proxy with the real key, and leaves ~/.claude.json alone', async () => {
    if (!CLAUDE) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    for (const k of ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']) delete env.env[k];
    const fake = await fakeAnthropicFor(env, { text: 'Hello from the interactive upstream', home: join(env.root, 'user-home') });
    upstream = fake.upstream;
    // The user's home: onboarding done and the worktrees trusted — nothing about API keys.
    const userHome = fake.home;
    const userState = JSON.stringify({ hasCompletedOnboarding: true, projects: { [join(env.home, 'worktrees')]: { hasTrustDialogAccepted: true } } });
    writeFileSync(join(userHome, '.claude.json'), userState);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${CLAUDE}"\n`);
    const daemonEnv = { ...fake.daemonEnv, ANTHROPIC_API_KEY: REAL };
    expect(env.run(['list'], { env: daemonEnv }).code).toBe(0); // the daemon starts with that environment
    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'talk', '--no-plan-mode', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as Session).proxyPort).not.toBeNull();

    const screens: string[] = [];
    const screen = await waitFor(
      () => {
        const out = env?.run(['output', 'talk', '--lines', '200']).stdout ?? '';
        screens.push(out);
        // the dialog waits for an answer forever: stop looking as soon as it shows
        return out.includes('Hello from the interactive upstream') || out.includes(DIALOG) ? out : '';
      },
      'the answer on the agent screen',
      45_000,
    );
    expect(screens.some((s) => s.includes(DIALOG)), screen).toBe(false);
    expect(screen).toContain('Hello from the interactive upstream');
    expect(screen).not.toContain(REAL);

    const messages = fake.upstream.received.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m.headers['x-api-key']).toBe(REAL);
    expect(fake.upstream.allText()).not.toContain(PLACEHOLDERS.anthropicApiKey);

    // what the agent got: no Anthropic variable at all (the helper gives it the placeholder) …
    const agentEnv = env.json<Record<string, string>>(['env', 'talk']);
    expect(agentEnv.ANTHROPIC_API_KEY).toBeUndefined();
    expect(agentEnv.CLAUDE_CODE_OAUTH_TOKEN).toBeUndefined();
    // … and a settings file with the helper and the hooks, holding no secret
    const settings = JSON.parse(readFileSync(join(env.home, 'hooks-api-key-settings.json'), 'utf8')) as { apiKeyHelper?: string; hooks?: unknown };
    expect(settings.apiKeyHelper).toBe(`echo ${PLACEHOLDERS.anthropicApiKey}`);
    expect(settings.hooks).toBeDefined();

    // the user's own Claude state was not told to approve any key
    const after = JSON.parse(readFileSync(join(userHome, '.claude.json'), 'utf8')) as Record<string, unknown>;
    const responses = after.customApiKeyResponses as { approved?: unknown[]; rejected?: unknown[] } | undefined;
    expect(responses?.approved ?? []).toEqual([]);
    expect(responses?.rejected ?? []).toEqual([]);
    for (const f of filesUnder(env.home, ['worktrees'])) expect(readIfThere(f), f).not.toContain(REAL);

    // end the agent and wait for it to be gone: it keeps writing under the user's home until then
    const agentPids = descendants(Number(env.tmux('display-message', '-p', '-t', '=talk:', '#{pane_pid}').stdout.trim()));
    expect(env.run(['delete', 'talk', '--force']).code).toBe(0);
    await waitFor(() => agentPids.every((pid) => processGone(pid)), 'the agent to exit');
  });
});

/** A process and all its descendants (Linux /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, p] of parent) if (p === out[i]) out.push(child);
  return out;
}
