// The agents' figure (`npm run bench -- --only agents`, called from bench/run.ts): for each agent's
// real CLI (claude, codex, gemini from node_modules), the time from `clauderon create` (tmux
// backend) to the agent's first model request reaching the fake upstream — beside a bare launch of
// the same CLI, with the same argv, config home and environment, in a tmux session of its own
// through a session proxy of its own to the same fake, in the same run. The difference is what
// clauderon adds (worktree, proxy, config home, tmux session). Loopback only.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GEMINI_HOST, GEMINI_TELEMETRY_HOST, makeTestPki, startFakeAnthropic, startFakeGemini, type FakeUpstream } from '../fixtures/upstreams/index.js';
import { startFakeOpenAI } from '../fixtures/upstreams/openai.js';
import { API_KEY_HELPER } from '../src/agents/claude.js';
import { agentSpec } from '../src/agents/registry.js';
import { ensureHome, getPaths } from '../src/config/paths.js';
import { AuditLog } from '../src/proxy/audit.js';
import { loadOrCreateCa } from '../src/proxy/ca.js';
import { EgressPolicy } from '../src/proxy/egress.js';
import { SessionProxy } from '../src/proxy/proxy.js';
import { defaultRules } from '../src/proxy/rules.js';
import type { Session } from '../src/shared/types.js';
import { freePort } from './net.js';
import type { TuiBenchContext } from './tui.js';

type Agent = 'claude' | 'codex' | 'gemini';
const AGENTS: Agent[] = ['claude', 'codex', 'gemini'];
const RUNS = Number(process.env.CLAUDERON_BENCH_AGENT_RUNS ?? 3);
const REAL = { anthropic: 'sk-ant-api03-BENCH-0123456789', openai: 'sk-BENCH-openai-0123456789', gemini: 'AIzaBENCH-gemini-0123456789' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function binaryOf(root: string, agent: Agent): string {
  if (agent !== 'claude') return join(root, 'node_modules', '.bin', agent);
  const require = createRequire(join(root, 'package.json'));
  return join(dirname(require.resolve('@anthropic-ai/claude-code-linux-x64/package.json')), 'claude');
}

/** Model requests the agent's fake has received so far. */
function modelCalls(f: FakeUpstream, agent: Agent): number {
  const re = agent === 'claude' ? /^\/v1\/messages/ : agent === 'codex' ? /^\/v1\/responses/ : /:(stream)?generateContent/i;
  return f.received.filter((r) => re.test(r.path)).length;
}

/** Until the fake has received nothing for 500 ms (at most 5 s). */
async function quiet(f: FakeUpstream): Promise<void> {
  const until = performance.now() + 5000;
  let n = f.received.length;
  let since = performance.now();
  while (performance.now() < until && performance.now() - since < 500) {
    await sleep(50);
    if (f.received.length !== n) {
      n = f.received.length;
      since = performance.now();
    }
  }
}

async function firstCall(f: FakeUpstream, agent: Agent, before: number, t0: number, timeoutMs = 60_000): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    if (modelCalls(f, agent) > before) return performance.now() - t0;
    await sleep(5);
  }
  return Number.NaN;
}

export async function benchAgents(ctx: TuiBenchContext & { repoRoot: string }): Promise<void> {
  const { log, describe, p50, fmtMs } = ctx;
  log(`\n## agents: clauderon create → the agent's first model request (tmux), beside a bare launch of the same CLI (${RUNS} runs each)`);
  const missing = AGENTS.filter((a) => !existsSync(binaryOf(ctx.repoRoot, a)));
  if (missing.length > 0) throw new Error(`agent CLIs missing from node_modules: ${missing.join(', ')} (npm ci installs them)`);
  const pki = makeTestPki(['api.anthropic.com', 'api.openai.com', 'chatgpt.com', 'auth.openai.com', GEMINI_HOST, GEMINI_TELEMETRY_HOST]);
  const [anthropic, openai, gemini] = await Promise.all([startFakeAnthropic(pki, {}), startFakeOpenAI(pki, { websocket: 'serve' }), startFakeGemini(pki, {})]);
  const fakes: Record<Agent, FakeUpstream> = { claude: anthropic, codex: openai, gemini };
  const caFile = join(ctx.root, 'agents-upstream-ca.pem');
  writeFileSync(caFile, pki.caPem);
  const overrides = { ...anthropic.overrides('api.anthropic.com'), ...openai.overrides('api.openai.com', 'chatgpt.com', 'auth.openai.com'), ...gemini.overrides(GEMINI_HOST, GEMINI_TELEMETRY_HOST) };
  const agentHome = join(ctx.root, 'agents-user-home');
  mkdirSync(agentHome, { recursive: true });
  writeFileSync(join(agentHome, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
  const paths = getPaths(join(ctx.root, 'agents-home'));
  ctx.homes.push(paths);
  ctx.tmuxSockets.push(paths.tmuxSocket);
  ensureHome(paths);
  const repo = ctx.makeSmallRepo(join(ctx.root, 'agents-repo'));
  const httpPort = await freePort();
  writeFileSync(paths.config, `[http]\nport = ${httpPort}\n${AGENTS.map((a) => `[agents.${a}]\ncommand = ${JSON.stringify(binaryOf(ctx.repoRoot, a))}\n`).join('')}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLAUDERON_HOME: paths.home,
    HOME: agentHome,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ANTHROPIC_API_KEY: REAL.anthropic,
    OPENAI_API_KEY: REAL.openai,
    GEMINI_API_KEY: REAL.gemini,
    CLAUDERON_UPSTREAM_OVERRIDES: JSON.stringify(overrides),
    CLAUDERON_UPSTREAM_CA: caFile,
  };
  for (const k of ['CLAUDE_CODE_OAUTH_TOKEN', 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'TMUX']) delete env[k];
  const cli = (args: string[]) => spawnSync(process.execPath, [ctx.bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (cli(['list']).status !== 0) throw new Error('the agents bench daemon did not start');

  // the bare launches' own proxy, to the same fakes, holding the same real credentials
  const ca = await loadOrCreateCa({ caCert: join(ctx.root, 'bare-ca.pem'), caKey: join(ctx.root, 'bare-ca-key.pem') });
  const barePort = await freePort();
  const hosts = Object.fromEntries(Object.entries(overrides).map(([h, to]) => [h, { host: '127.0.0.1', port: Number(to.split(':')[1]) }]));
  const audit = new AuditLog(join(ctx.root, 'bare-audit.jsonl'), () => Object.values(REAL));
  const proxy = new SessionProxy({
    session: 'bare',
    user: 'bare',
    password: 'bare-pw',
    bind: ['127.0.0.1'],
    port: barePort,
    ca: () => ca,
    credential: (n) => ({ anthropic_api_key: REAL.anthropic, openai_api_key: REAL.openai, gemini_api_key: REAL.gemini })[n],
    rules: defaultRules(),
    accessMode: () => 'read-write',
    audit,
    egress: new EgressPolicy(),
    override: { hosts, ca: pki.caPem },
  });
  await proxy.start();
  const bareSocket = join(ctx.root, 'bare-tmux.sock');
  ctx.tmuxSockets.push(bareSocket);

  try {
    for (const agent of AGENTS) {
      const ours: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < RUNS && !ctx.aborting(); i++) {
        // clauderon: create (not waited for) until the first model request arrives
        const name = `${agent}-bench-${i}`;
        const before = modelCalls(fakes[agent], agent);
        const t0 = performance.now();
        const child = spawn(process.execPath, [ctx.bin, 'create', '--backend', 'tmux', '--agent', agent, '--repo', repo, '--prompt', 'Say hello', '--name', name, '--no-plan-mode', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        ours.push(await firstCall(fakes[agent], agent, before, t0));
        await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('close', r)));
        const s = JSON.parse(out) as Session;
        // the bare launch: the same argv, environment and config home (a copy), its own tmux and proxy
        const agentEnv = JSON.parse(cli(['env', name, '--json']).stdout) as Record<string, string>;
        const homeCopy = join(ctx.root, `bare-home-${agent}-${i}`);
        const configHome = join(paths.sessions, s.id, 'agent-home');
        if (existsSync(configHome)) cpSync(configHome, homeCopy, { recursive: true, verbatimSymlinks: true });
        const bareEnv: Record<string, string> = {};
        for (const [k, v] of Object.entries(agentEnv)) {
          if (/^CLAUDERON_/.test(k)) continue; // no hooks, no exit report: the CLI alone
          bareEnv[k] = v.startsWith(configHome) ? homeCopy + v.slice(configHome.length) : /^https?_proxy$/i.test(k) ? `http://bare:bare-pw@127.0.0.1:${barePort}` : v;
        }
        // its config home (a copy of the one clauderon wrote), named as clauderon names it
        const spec = agentSpec(agent).configHome;
        for (const [k, rel] of Object.entries(spec?.env ?? {})) bareEnv[k] = rel ? join(homeCopy, rel) : homeCopy;
        Object.assign(bareEnv, spec?.constants ?? {});
        bareEnv.NODE_EXTRA_CA_CERTS = join(ctx.root, 'bare-ca.pem');
        const bundle = join(ctx.root, 'bare-bundle.pem');
        writeFileSync(bundle, `${readSystemRoots()}\n${ca.certPem}`);
        for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) bareEnv[k] = bundle;
        // (Claude gets its API-key placeholder from a settings file's apiKeyHelper, as clauderon gives it — without hooks)
        const settingsFile = join(ctx.root, 'bare-claude-settings.json');
        writeFileSync(settingsFile, JSON.stringify({ apiKeyHelper: API_KEY_HELPER }));
        const argv = [binaryOf(ctx.repoRoot, agent), ...agentSpec(agent).args({ prompt: 'Say hello', skipChecks: false, planMode: false, model: null, sessionId: randomUUID(), resume: false, settingsFile })];
        cli(['delete', name, '--force']);
        const bareDir = join(ctx.root, `bare-wt-${agent}-${i}`);
        cpSync(repo, bareDir, { recursive: true });
        if (agent === 'codex') writeFileSync(join(homeCopy, 'config.toml'), `${'[projects.'}${JSON.stringify(bareDir)}]\ntrust_level = "trusted"\n`, { flag: 'a' });
        if (agent === 'claude') {
          const state = join(homeCopy, '.claude.json');
          writeFileSync(state, JSON.stringify({ hasCompletedOnboarding: true, projects: { [bareDir]: { hasTrustDialogAccepted: true } } }));
        }
        // the deleted session's last requests (a title, a summary) must not count for the bare one
        await quiet(fakes[agent]);
        const before2 = modelCalls(fakes[agent], agent);
        const t1 = performance.now();
        const started = spawnSync('tmux', ['-S', bareSocket, 'new-session', '-d', '-s', `bare-${agent}-${i}`, '-x', '200', '-y', '50', '-c', bareDir, '--', 'env', '-i', ...Object.entries({ ...bareEnv, HOME: agentHome, PATH: process.env.PATH ?? '', TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${v}`), ...argv], { encoding: 'utf8' });
        if (started.status !== 0) throw new Error(`bare ${agent}: tmux new-session failed: ${started.stderr}`);
        const ms = await firstCall(fakes[agent], agent, before2, t1, 30_000);
        if (!Number.isFinite(ms)) log(`  (bare ${agent} made no model request; its screen:\n${spawnSync('tmux', ['-S', bareSocket, 'capture-pane', '-p', '-t', `=bare-${agent}-${i}:`], { encoding: 'utf8' }).stdout.trim().split('\n').slice(-12).join('\n')})`);
        bare.push(ms);
        spawnSync('tmux', ['-S', bareSocket, 'kill-session', '-t', `=bare-${agent}-${i}`]);
        await quiet(fakes[agent]);
      }
      log(`  ${agent}: clauderon create → first model request ${describe(ours)}`);
      log(`  ${agent}: bare launch of the same CLI → first model request ${describe(bare)}`);
      const overhead = p50(ours) - p50(bare);
      ctx.addRow({ figure: `${agent}: create → first model request`, ours: fmtMs(p50(ours)), baseline: `${fmtMs(p50(bare))} bare`, target: 'report (clauderon adds ≤ 1 s)', verdict: Number.isFinite(overhead) && overhead <= 1000 ? 'ok' : 'MISS' });
    }
  } finally {
    spawnSync('tmux', ['-S', bareSocket, 'kill-server']);
    await proxy.close();
    await audit.close();
    await Promise.all([anthropic.close(), openai.close(), gemini.close()]);
    cli(['daemon', 'stop']);
  }
}

function readSystemRoots(): string {
  for (const f of ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']) if (existsSync(f)) return readFileSync(f, 'utf8');
  return '';
}
