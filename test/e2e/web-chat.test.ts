// The Chat tab with the real Claude Code CLI: `claude -p` runs as a session's agent (real tmux,
// real git), talks through the session's proxy to the fake Anthropic upstream, and writes its
// JSONL transcript in its session's own CLAUDE_CONFIG_DIR, where sessions.history finds it. The page
// (headless chromium, the built daemon's dist/web) shows its messages as Markdown, then a line
// appended to the transcript file arrives by push (/ws/history) without reload — a plan shown as a
// plan, a tool call folded — and what the transcript holds stays inert: an `<img onerror>` and a
// `javascript:` link make no element, an image makes no request.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FakeAnthropic } from '../../fixtures/upstreams/index.js';
import type { Session } from '../../src/shared/types.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { agentBinary, agentUpstreams, ANSWER } from '../helpers/agents.js';
import { fakeAnthropicFor } from '../helpers/claude.js';
import { claudeBinary, makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env | undefined;
let upstream: FakeAnthropic | undefined;
let browser: Browser | undefined;
let tracker: Server | undefined;
afterAll(async () => {
  await browser?.close();
  env?.cleanup();
  await upstream?.close();
  tracker?.closeAllConnections();
  await new Promise((r) => (tracker ? tracker.close(r) : r(null)));
});

const REAL = 'sk-ant-api03-REAL-web-chat-0123456789abcdefghij';
const line = (v: unknown) => `${JSON.stringify(v)}\n`;

describe.skipIf(SKIP_BROWSER)('the chat tab with the real Claude Code CLI', () => {
  const bin = claudeBinary();
  it.skipIf(!bin && process.env.CI !== 'true')('shows a claude -p run as Markdown, then appended lines by push; the transcript stays inert', async () => {
    if (!bin) throw new Error('the claude binary from @anthropic-ai/claude-code is missing (npm ci installs it)');
    env = makeEnv();
    const fake = await fakeAnthropicFor(env, { text: 'Hello from the **fake upstream**' });
    upstream = fake.upstream;
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${bin}"\nargs = ["-p"]\n`);
    // a server that counts requests: an image or link from the transcript must never reach it
    const hits: string[] = [];
    tracker = createServer((req, res) => (hits.push(req.url ?? ''), res.end('x')));
    const trackerPort = await new Promise<number>((r) => tracker?.listen(0, '127.0.0.1', () => r((tracker?.address() as { port: number }).port)));

    const created = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'Say *hello*', '--name', 'cc', '--no-plan-mode', '--json'], {
      env: { ...fake.daemonEnv, ANTHROPIC_API_KEY: REAL },
    });
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout) as Session;
    // claude -p's transcript, where it keeps them: its CLAUDE_CONFIG_DIR (the session's own config
    // home on this host) projects/<project>/<session id>.jsonl
    const projects = join(env.home, 'sessions', s.id, 'agent-home', 'projects');
    mkdirSync(projects, { recursive: true });
    const file = await waitFor(() => {
      const f = readdirSync(projects, { recursive: true, encoding: 'utf8' }).find((x) => x.endsWith(`${s.id}.jsonl`));
      return f && readFileSync(join(projects, f), 'utf8').includes('fake upstream') ? join(projects, f) : null;
    }, 'claude -p to write its transcript with the answer', 40_000);
    // (the one sessions.history reads)
    const history = (await (await fetch(`http://127.0.0.1:${env.httpPort}/api/sessions/cc/history`)).json()) as { lines: unknown[] };
    expect(JSON.stringify(history.lines)).toContain('fake upstream');

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => (problems.push(`dialog: ${d.message()}`), void d.dismiss()));
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
    page.on('request', (r) => r.url().includes(`:${trackerPort}`) && problems.push(`request to ${r.url()}`));
    await page.goto(`http://127.0.0.1:${env.httpPort}/sessions/cc/chat`);
    const chat = page.getByTestId('chat');
    await waitFor(async () => (await chat.innerText()).includes('Hello from the fake upstream'), 'the claude -p answer in the chat tab', 10_000);
    // its Markdown as elements: the user's *hello*, the answer's **fake upstream**
    expect(await chat.locator('.msg.user em').innerText()).toBe('hello');
    expect(await chat.locator('.msg.assistant strong').first().innerText()).toBe('fake upstream');
    await page.evaluate('window.__sameDocument = true');

    // appended to the file (as the agent would): arrives by push, no reload, no hook
    const hostile = `Done. <img src=http://127.0.0.1:${trackerPort}/onerror onerror="window.__pwned=1"> see [the fix](javascript:window.__pwned=2) and ![shot](http://127.0.0.1:${trackerPort}/pixel.png) or [docs](https://example.invalid/docs)\n\n\`\`\`sh\nnpm test\n\`\`\``;
    appendFileSync(
      file,
      line({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: hostile }, { type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'npm test' } }] } }) +
        line({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'all green' }] } }) +
        line({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: 'tu2', name: 'ExitPlanMode', input: { plan: '## Plan\n\n1. Write the test\n2. Fix it' } }] } }),
    );
    const plan = page.getByTestId('chat-plan');
    await plan.waitFor({ timeout: 5_000 });
    expect(await plan.locator('h2').innerText()).toBe('Plan');
    expect(await plan.locator('ol li').count()).toBe(2);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const text = await chat.innerText();
    expect(text).toContain(`<img src=http://127.0.0.1:${trackerPort}/onerror onerror="window.__pwned=1">`);
    expect(text).toContain('[the fix](javascript:window.__pwned=2)');
    // inert: no element from the HTML, no javascript: link, the image never loaded
    expect(await chat.locator('img').count()).toBe(0);
    expect(await chat.locator('a[href^="javascript" i]').count()).toBe(0);
    expect(await chat.locator('a[href="https://example.invalid/docs"]').getAttribute('rel')).toContain('noopener');
    expect(await chat.locator('pre.md-code code').innerText()).toBe('npm test');
    // the tool call and its result folded
    const folds = chat.locator('details.tool');
    expect(await folds.count()).toBe(2);
    expect(await chat.locator('details[open]').count()).toBe(0);
    expect(await folds.first().locator('summary').innerText()).toContain('Bash');
    await chat.locator('a.md-image').hover(); // (a link, not an image: hovering loads nothing either)
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(hits).toEqual([]);
    expect(problems).toEqual([]);

    // the same gate as the API: a page of another origin cannot listen to the transcript
    const refused = await new Promise<number>((r) => {
      const ws = new WebSocket(`ws://127.0.0.1:${env?.httpPort ?? 0}/ws/history/cc`, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      ws.on('open', () => (ws.close(), r(101)));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(403);
  }, 90_000);
});

describe.skipIf(SKIP_BROWSER)('the chat tab with the real Codex and Gemini CLIs', () => {
  it.skipIf((!agentBinary('codex') || !agentBinary('gemini') || SKIP_BROWSER) && process.env.CI !== 'true')('shows each agent’s conversation (its rollout, its chat log) in the one chat shape', async () => {
    const e = makeEnv();
    const up = await agentUpstreams(e);
    let b: Browser | undefined;
    try {
      writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}[agents.codex]\ncommand = ${JSON.stringify(agentBinary('codex'))}\n[agents.gemini]\ncommand = ${JSON.stringify(agentBinary('gemini'))}\n`);
      expect(e.run(['list'], { env: up.daemonEnv }).code).toBe(0);
      for (const agent of ['codex', 'gemini'] as const) {
        const created = e.run(['create', '--backend', 'tmux', '--agent', agent, '--repo', e.repo, '--prompt', `Say hello, ${agent}`, '--name', `chat-${agent}`, '--no-plan-mode', '--json']);
        expect(created.code, created.stderr).toBe(0);
      }
      b = await launchChromium();
      const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      for (const agent of ['codex', 'gemini'] as const) {
        await page.goto(`http://127.0.0.1:${e.httpPort}/sessions/chat-${agent}/chat`);
        const chat = page.getByTestId('chat');
        await waitFor(async () => (await chat.innerText()).includes(ANSWER[agent]), `${agent}'s answer in the chat tab`, 60_000);
        expect(await chat.locator('.msg.user').first().innerText()).toContain(`Say hello, ${agent}`);
        expect(await chat.locator('.msg.assistant').last().innerText()).toContain(ANSWER[agent]);
        // its context (Codex's environment, Gemini's session context) is not shown as the user's words
        expect(await chat.innerText()).not.toMatch(/<environment_context>|<session_context>/);
      }
      expect(problems).toEqual([]);
      for (const agent of ['codex', 'gemini']) expect(e.run(['delete', `chat-${agent}`, '--force']).code).toBe(0);
    } finally {
      await b?.close();
      e.cleanup();
      await up.close();
    }
  }, 120_000);
});
