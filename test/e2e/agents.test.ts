// The three agents' real CLIs (claude, codex, gemini from npm), unmodified, in every backend that
// runs here (tmux, the zellij double, Docker), each holding only placeholders: clauderon creates
// the session, the CLI starts straight at its work (no first-run dialog), makes its model call
// through the session proxy to the fake upstream, which receives the real credential; the answer
// reaches the agent's screen, its status moves to waiting for input, and its history is readable.
// Delete leaves no process of the agent behind.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker, type TestImages } from '../../fixtures/docker/test-image.js';
import { chatgptIdTokenClaims, fakeJwt } from '../../fixtures/upstreams/openai.js';
import { agentSpec } from '../../src/agents/registry.js';
import { processesOfSession } from '../../src/backends/session-procs.js';
import { PLACEHOLDERS } from '../../src/agents/proxy-env.js';
import type { Session } from '../../src/shared/types.js';
import { agentBinary, agentUpstreams, ANSWER, REAL, type AgentName, type AgentUpstreams } from '../helpers/agents.js';
import { claudeBinary, filesUnder, makeEnv, processGone, waitFor, type Env, readIfThere } from '../helpers/e2e.js';

const AGENTS: AgentName[] = ['claude', 'codex', 'gemini'];
const binary = (a: AgentName) => (a === 'claude' ? claudeBinary() : agentBinary(a));
const missing = AGENTS.filter((a) => !binary(a));
const skip = missing.length > 0 && process.env.CI !== 'true';

let env: Env | undefined;
let up: AgentUpstreams | undefined;
afterEach(async () => {
  if (env) for (const id of docker('ps', '-aq', '--filter', `label=clauderon.home=${env.home}`).stdout.split('\n').filter(Boolean)) docker('rm', '-f', id);
  env?.cleanup();
  await up?.close();
  env = undefined;
  up = undefined;
});

/** The model requests an agent's fake received, and what credential each carried. */
function modelRequests(u: AgentUpstreams, agent: AgentName): { path: string; auth: string }[] {
  if (agent === 'claude') return u.anthropic.received.filter((r) => r.path.startsWith('/v1/messages')).map((r) => ({ path: r.path, auth: String(r.headers['x-api-key'] ?? r.headers.authorization ?? '') }));
  if (agent === 'codex') return u.openai.received.filter((r) => r.path.startsWith('/v1/responses')).map((r) => ({ path: r.path, auth: String(r.headers.authorization ?? '') }));
  return u.gemini.received.filter((r) => /:(stream)?generateContent/i.test(r.path)).map((r) => ({ path: r.path, auth: String(r.headers['x-goog-api-key'] ?? '') }));
}

const realOf: Record<AgentName, string> = { claude: REAL.anthropic, codex: `Bearer ${REAL.openai}`, gemini: REAL.gemini };

type Backend = 'tmux' | 'zellij' | 'docker';
const BACKENDS: Backend[] = ['tmux', 'zellij', 'docker'];
const runDocker = dockerAvailable() || shouldRequireDocker();
let images: TestImages | undefined;

beforeAll(async () => {
  if (runDocker && !skip) images = await ensureTestImages();
}, 900_000);

function docker(...args: string[]): { code: number; stdout: string } {
  const r = spawnSync(dockerBinary(), args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout };
}

/** The agent's config.toml: its CLI from node_modules on this host, the image's in a container. */
function configFor(e: Env, agent: AgentName, backend: Backend): void {
  const command = backend === 'docker' ? agent : binary(agent);
  const dockerSection = backend === 'docker' ? `[docker]\nimage = "${images?.full ?? ''}"\nnetwork = "host"\n` : '';
  writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}${dockerSection}[agents.${agent}]\ncommand = ${JSON.stringify(command)}\n`);
}

/** Every environment the agent's processes hold (host: /proc of this session's processes; Docker: its container's). */
function agentEnvirons(backend: Backend, name: string, sessionId: string): Promise<string[]> | string[] {
  if (backend === 'docker') {
    const c = docker('exec', `clauderon-${name}`, 'sh', '-c', 'cat /proc/[0-9]*/environ 2>/dev/null; true');
    return [c.stdout, docker('inspect', `clauderon-${name}`).stdout];
  }
  return processesOfSession(sessionId).then((pids) =>
    pids.map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1');
      } catch {
        return '';
      }
    }),
  );
}

describe.each(BACKENDS)('the real agents in %s', (backend) => {
  const skipHere = skip || (backend === 'docker' && !runDocker);
  it.skipIf(skipHere).each(AGENTS)('%s: starts at its work, answers through the proxy with the real key, settles waiting for input, history readable, nothing left after delete', { timeout: 180_000 }, async (agent) => {
    if (missing.length > 0) throw new Error(`agent CLIs missing from node_modules: ${missing.join(', ')} (npm ci installs them)`);
    env = makeEnv({ zellij: backend === 'zellij' });
    up = await agentUpstreams(env);
    configFor(env, agent, backend);
    for (const k of ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'CODEX_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'CODEX_HOME', 'CLAUDE_CONFIG_DIR']) delete env.env[k];
    // a Claude Code user has been through its onboarding once (nothing about folders or keys)
    if (agent === 'claude') writeFileSync(join(up.home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    expect(env.run(['list'], { env: up.daemonEnv }).code).toBe(0); // the daemon starts with that environment
    const name = `${agent}-${backend}`;
    const created = env.run(['create', '--backend', backend, '--agent', agent, '--repo', env.repo, '--prompt', 'Say hello', '--name', name, '--no-plan-mode', '--json'], { timeoutMs: 120_000 });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    expect(s.proxyPort).not.toBeNull();

    const u = up;
    const e = env;
    const screen = await waitFor(
      () => {
        const out = e.run(['output', name, '--lines', '200']).stdout;
        return out.includes(ANSWER[agent]) ? out : '';
      },
      `${agent}'s answer on its screen`,
      90_000,
    ).catch((err: unknown) => {
      const logs = backend === 'docker' ? docker('logs', '--tail', '40', `clauderon-${name}`).stdout : '';
      throw new Error(`${String(err)}\n--- screen:\n${e.run(['output', name, '--lines', '60']).stdout}\n--- container log:\n${logs}\n--- daemon log:\n${readFileSync(join(e.home, 'logs', 'daemon.log'), 'utf8').split('\n').slice(-15).join('\n')}`);
    });
    expect(screen).not.toMatch(/trust (this|the) (folder|directory)|sign in|log ?in to|API key\?|choose.*auth/i);

    // the fake got the real credential on every model request, never a placeholder
    const calls = modelRequests(u, agent);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.auth, c.path).toBe(realOf[agent]);
    for (const p of Object.values(PLACEHOLDERS)) {
      expect(u.anthropic.allText()).not.toContain(p);
      expect(u.openai.allText()).not.toContain(p);
      expect(u.gemini.allText()).not.toContain(p);
    }

    // its status settles at waiting for input (its hooks, or its screen)
    await waitFor(() => e.json<Session>(['show', name]).agentStatus === 'waiting_input', `${agent} to be waiting for input`, 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)} (it is ${e.json<Session>(['show', name]).agentStatus})\n--- screen:\n${e.run(['output', name, '--lines', '40']).stdout}`);
    });

    // and stays there: a screen watched for status (Codex's) must not take a finished turn for work
    if (agentSpec(agent).status.screen === 'all') {
      await new Promise((r) => setTimeout(r, 4000));
      expect(e.json<Session>(['show', name]).agentStatus, e.run(['output', name, '--lines', '30']).stdout).toBe('waiting_input');
    }

    // the agent's environment (every process of it, and the container) and every file clauderon gave it: placeholders only
    const agentEnv = e.json<Record<string, string>>(['env', name]);
    expect(JSON.stringify(agentEnv)).not.toMatch(new RegExp(Object.values(REAL).join('|')));
    const environs = await agentEnvirons(backend, name, s.id);
    expect(environs.join('').length).toBeGreaterThan(0);
    for (const text of environs) for (const v of Object.values(REAL)) expect(text).not.toContain(v);
    for (const f of [...filesUnder(e.home, ['worktrees']), ...filesUnder(s.worktreePath, ['.git'])]) {
      const text = readIfThere(f);
      for (const v of Object.values(REAL)) expect(text, f).not.toContain(v);
    }

    // its history holds the answer
    const history = e.json<unknown[]>(['history', name]);
    expect(JSON.stringify(history), `history of ${agent}`).toContain(ANSWER[agent]);

    const pids = backend === 'docker' ? [] : await processesOfSession(s.id);
    expect(e.run(['delete', name, '--force'], { timeoutMs: 60_000 }).code).toBe(0);
    await waitFor(() => pids.every((pid) => processGone(pid)), `${agent}'s processes to exit`, 15_000);
    if (backend === 'docker') expect(docker('inspect', `clauderon-${name}`).code).not.toBe(0);
    expect(readdirSync(join(e.home, 'sessions')).filter((d) => d === s.id)).toEqual([]);
  });
});

describe('Codex with a ChatGPT login (no API key)', () => {
  it.skipIf(skip)('the ChatGPT backend gets the real token; when it expires, the refresh goes through the proxy: the host auth.json gets the new real tokens, the agent placeholders', { timeout: 120_000 }, async () => {
    if (missing.length > 0) throw new Error(`agent CLIs missing from node_modules: ${missing.join(', ')} (npm ci installs them)`);
    env = makeEnv();
    up = await agentUpstreams(env);
    configFor(env, 'codex', 'tmux');
    for (const k of ['OPENAI_API_KEY', 'CODEX_API_KEY', 'CODEX_HOME', 'CODEX_ACCESS_TOKEN']) delete env.env[k];
    // the user's `codex login`: an access token the backend no longer takes (expired), its refresh token
    const hostAuth = join(env.root, 'codex-auth.json');
    const expired = Math.floor(Date.now() / 1000) - 60;
    const login = { id_token: fakeJwt(chatgptIdTokenClaims('acct_matrix')), access_token: fakeJwt({ exp: expired, 'https://api.openai.com/auth': { chatgpt_account_id: 'acct_matrix' } }), refresh_token: 'rt_REAL-first-refresh-0123456789', account_id: 'acct_matrix' };
    writeFileSync(hostAuth, JSON.stringify({ auth_mode: 'chatgpt', OPENAI_API_KEY: null, tokens: login, last_refresh: new Date().toISOString() }), { mode: 0o600 });
    Object.assign(up.openai.settings, { requireAccessToken: 'ey-only-what-a-refresh-issues', refreshToken: login.refresh_token, accountId: 'acct_matrix', requireAccountId: 'acct_matrix' });
    up.openai.acceptedAccessTokens.clear();
    const { OPENAI_API_KEY: _drop, ...daemonEnv } = up.daemonEnv;
    expect(env.run(['list'], { env: { ...daemonEnv, CODEX_AUTH_JSON_PATH: hostAuth } }).code).toBe(0);
    const created = env.run(['create', '--backend', 'tmux', '--agent', 'codex', '--repo', env.repo, '--prompt', 'Say hello', '--name', 'chatgpt', '--no-plan-mode', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/no OpenAI credential|no ChatGPT login/);
    const s = JSON.parse(created.stdout) as Session;
    const e = env;
    const u = up;
    await waitFor(() => e.run(['output', 'chatgpt', '--lines', '200']).stdout.includes(ANSWER.codex), 'codex to answer through the ChatGPT backend', 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- screen:\n${e.run(['output', 'chatgpt', '--lines', '60']).stdout}\n--- fake got: ${u.openai.received.map((r) => `${r.method} ${r.host} ${r.path} ${r.path.includes('token') ? r.body.toString() : ''}`).join('; ')}\n--- agent auth.json: ${readFileSync(join(e.home, 'sessions', s.id, 'agent-home', 'auth.json'), 'utf8')}\n--- issued: ${JSON.stringify(u.openai.issued)}`);
    });
    // a refresh happened, with the real refresh token; the backend then got the new real access token
    expect(u.openai.issued.length).toBeGreaterThan(0);
    const issued = u.openai.issued.at(-1);
    const backendCalls = u.openai.received.filter((r) => r.path.startsWith('/backend-api/codex/responses'));
    expect(backendCalls.length).toBeGreaterThan(0);
    expect(backendCalls.at(-1)?.headers.authorization).toBe(`Bearer ${issued?.access_token}`);
    expect(backendCalls.at(-1)?.headers['chatgpt-account-id']).toBe('acct_matrix');
    for (const p of Object.values(PLACEHOLDERS)) expect(u.openai.allText()).not.toContain(p);
    // the host keeps the new real tokens (0600) …
    const host = JSON.parse(readFileSync(hostAuth, 'utf8')) as { tokens: Record<string, string> };
    expect(host.tokens).toMatchObject({ access_token: issued?.access_token, refresh_token: issued?.refresh_token });
    expect(statSync(hostAuth).mode & 0o777).toBe(0o600);
    // … the agent's CODEX_HOME holds placeholders only
    const agentAuth = readFileSync(join(e.home, 'sessions', s.id, 'agent-home', 'auth.json'), 'utf8');
    for (const v of [login.access_token, login.refresh_token, issued?.access_token ?? '-', issued?.refresh_token ?? '-']) expect(agentAuth).not.toContain(v);
    expect(agentAuth).toContain(PLACEHOLDERS.chatgptRefresh);
    for (const f of filesUnder(e.home, ['worktrees'])) {
      const text = readIfThere(f);
      for (const v of [login.access_token, login.refresh_token, issued?.access_token ?? '-', issued?.refresh_token ?? '-']) expect(text, f).not.toContain(v);
    }
    expect(e.run(['delete', 'chatgpt', '--force']).code).toBe(0);
  });
});

describe('approvals: the agent asks, the status says so; declined, the prompt is the user’s again', () => {
  it.skipIf(skip)('gemini in tmux: its hook says waiting for approval; Esc declines (no hook fires) and its screen settles it', { timeout: 120_000 }, async () => {
    if (missing.length > 0) throw new Error(`agent CLIs missing from node_modules: ${missing.join(', ')} (npm ci installs them)`);
    env = makeEnv();
    up = await agentUpstreams(env);
    configFor(env, 'gemini', 'tmux');
    for (const k of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) delete env.env[k];
    up.gemini.settings.replies.push({ functionCall: { name: 'run_shell_command', args: { command: 'echo made > made.txt', description: 'Write made.txt' } } });
    expect(env.run(['list'], { env: up.daemonEnv }).code).toBe(0);
    const created = env.run(['create', '--backend', 'tmux', '--agent', 'gemini', '--repo', env.repo, '--prompt', 'make a file', '--name', 'ask', '--no-plan-mode', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const e = env;
    const status = () => e.json<Session>(['show', 'ask']).agentStatus;
    await waitFor(() => status() === 'waiting_approval', 'gemini to wait for approval', 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)} (it is ${status()})\n--- screen:\n${e.run(['output', 'ask', '--lines', '40']).stdout}`);
    });
    // (the hook fires as the dialog opens: its drawing follows)
    await waitFor(() => /Allow execution|Allow once/i.test(e.run(['output', 'ask', '--lines', '200']).stdout), 'the approval dialog on its screen', 15_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- screen:\n${e.run(['output', 'ask', '--lines', '200']).stdout}`);
    });
    e.tmux('send-keys', '-t', '=ask:', 'Escape');
    await waitFor(() => status() === 'waiting_input', 'the declined approval to leave the prompt to the user', 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)} (it is ${status()})\n--- screen:\n${e.run(['output', 'ask', '--lines', '40']).stdout}`);
    });
    expect(e.run(['delete', 'ask', '--force']).code).toBe(0);
  });
});
