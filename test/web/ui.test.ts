// The web UI in a real browser: headless chromium (playwright-core) on the page the built daemon
// serves (dist/web), against real tmux and real git. The list is live (pushed over /ws/events),
// the form creates a session (and puts a bad repository's error on its field), the list's
// actions archive, unarchive and delete (asking again before deleting uncommitted work), the
// terminal tab speaks /ws/console, the changes and files tabs show what was written in the
// worktree. UPDATE_SCREENSHOTS=1 also writes docs/screenshots/ (1280×800 and 375×812).
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, ROOT, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let base = '';
let formSession = '';
/** The CLI's session and its hook token (to report agent status as its hooks would). */
let cli: { id: string; name: string; token: string };
const shots = mkdtempSync(join(tmpdir(), 'clrn-shots-'));
const pageErrors: string[] = [];

const sessions = () => env.json<Session[]>(['list', '--all']);
const byName = (name: string) => sessions().find((s) => s.name === name);
/** The session, or a failure (never a path built from a missing one). */
function session(name: string): Session {
  const s = name ? byName(name) : undefined;
  if (!s) throw new Error(`no session ${JSON.stringify(name)} (an earlier test failed?)`);
  return s;
}
const row = (name: string) => page.locator(`[data-testid="session-row"][data-name="${name}"]`);
const terminalText = () => page.locator('.xterm-rows').innerText();

/** The CLI session's agent reports `event` (a Claude Code hook), as its hooks would. */
async function hook(event: string): Promise<void> {
  const r = await fetch(`${base}/api/hooks?session=${cli.id}`, { method: 'POST', headers: { authorization: `Bearer ${cli.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ hook_event_name: event }) });
  expect(r.status).toBeLessThan(300);
}

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(shots, `${name}.png`) });
}

/** The same view at a phone's width (a second page of the same context). */
async function phoneShot(path: string, name: string, dark = false): Promise<void> {
  const phone = await context.newPage();
  if (dark) await phone.emulateMedia({ colorScheme: 'dark' });
  await phone.setViewportSize({ width: 375, height: 812 });
  await phone.goto(`${base}${path}`);
  await phone.waitForLoadState('networkidle');
  await phone.locator('main').waitFor();
  await phone.waitForTimeout(300); // (fonts and the fitted terminal settle)
  // nothing wider than the screen
  expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await shot(name, phone);
  await phone.close();
}

describe.skipIf(SKIP_BROWSER)('the web UI (real chromium, real daemon, real tmux)', () => {
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is missing: run node scripts/build.mjs first');
    env = makeEnv();
    const started = env.run(['list']); // (starts the daemon)
    expect(started.code, started.stderr).toBe(0);
    base = `http://127.0.0.1:${env.httpPort}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(8_000);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // (a CSP violation is a console error: the page must run under the daemon's policy)
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && pageErrors.push(m.text()));
    await page.goto(`${base}/`);
    await page.getByTestId('empty').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      const out = join(ROOT, 'docs', 'screenshots');
      mkdirSync(out, { recursive: true });
      for (const f of [...['sessions', 'create', 'session'].flatMap((v) => [`${v}-1280x800`, `${v}-375x812`]), 'sessions-dark-375x812', ...['changes', 'files', 'chat', 'proxy'].flatMap((v) => [`${v}-1280x800`, `${v}-375x812`])]) {
        if (existsSync(join(shots, `${f}.png`))) copyFileSync(join(shots, `${f}.png`), join(out, `${f}.png`));
      }
    }
    rmSync(shots, { recursive: true, force: true });
  });

  it('a session created with the CLI appears without reload, and its agent status changes show (title counts who waits)', async () => {
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'from the cli', '--name', 'cli']);
    await row(s.name).waitFor({ timeout: 5_000 });
    expect(await row(s.name).getByTestId('status').innerText()).toBe('running');
    // the agent's turn ends (its Stop hook): "waiting for you", and the tab's title says so
    cli = { id: s.id, name: s.name, token: env.json<Record<string, string>>(['env', s.name]).CLAUDERON_HOOK_TOKEN ?? '' };
    await hook('Stop');
    await waitFor(async () => (await row(s.name).getByTestId('agent-status').innerText()) === 'waiting for you', 'the waiting status in the row', 5_000);
    expect(await page.title()).toBe('(1) waiting — clauderon');
    await hook('UserPromptSubmit');
    await waitFor(async () => (await row(s.name).getByTestId('agent-status').innerText()) === 'working', 'working in the row', 5_000);
    expect(await page.title()).toBe('clauderon');
    // the filters
    await page.getByTestId('text-filter').fill('no-such-thing');
    await page.getByTestId('empty').waitFor();
    await page.getByTestId('text-filter').fill('');
    await row(s.name).waitFor();
  });

  it('a bad repository path shows its error on the repository field and creates nothing', async () => {
    const before = sessions().length;
    await page.getByRole('link', { name: 'New session' }).click();
    await page.locator('#f-repo').fill(join(env.root, 'no-such-repo'));
    await page.locator('#f-prompt').fill('this must fail');
    await page.getByRole('button', { name: 'Create session' }).click();
    const err = page.getByTestId('error-repo');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.innerText()).toMatch(/no-such-repo|not|exist/i);
    expect(sessions().length).toBe(before);
    expect(page.url()).toBe(`${base}/new`);
    // the daemon's directory browser picks the repository instead
    await page.locator('#f-repo').fill(env.root);
    await page.getByRole('button', { name: 'Browse…' }).click();
    const browser = page.getByTestId('browser');
    await browser.getByText('repo/').waitFor();
    await browser.getByRole('button', { name: 'use repo' }).click();
    expect(await page.locator('#f-repo').inputValue()).toBe(env.repo);
    expect(await page.getByTestId('error-repo').count()).toBe(0);
  });

  it('a session created from the form runs, with the backend chosen from the catalog', async () => {
    await page.goto(`${base}/new`);
    // the backends come from GET /api/catalog, not from the page
    await waitFor(async () => (await page.locator('#f-backend option').count()) > 1, 'the catalog in the backend select', 5_000);
    await page.locator('#f-repo').fill(env.repo);
    await page.locator('#f-prompt').fill('from the page\nsecond line');
    await page.locator('#f-name').fill('form');
    await page.locator('#f-backend').selectOption('tmux');
    await page.locator('#f-repo').fill(env.repo);
    await shot('create-1280x800');
    await phoneShot('/new', 'create-375x812');
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/sessions\/form[^/]*\/terminal$/, { timeout: 15_000 });
    formSession = await page.getByTestId('session-name').innerText();
    const s = byName(formSession);
    expect(s).toMatchObject({ status: 'running', backend: 'tmux', prompt: 'from the page\nsecond line' });
    await waitFor(async () => (await page.getByTestId('session-status').innerText()) === 'running', 'running on the session page', 5_000);
  });

  it('the terminal tab shows the agent and typed keys reach it', async () => {
    await page.goto(`${base}/sessions/${formSession}/terminal`);
    await waitFor(async () => (await terminalText()).includes('FAKE-AGENT cwd'), 'the fake agent in the terminal', 10_000);
    await page.locator('.xterm').click();
    await page.keyboard.type('typed-in-the-browser');
    await page.keyboard.press('Enter');
    const backendId = byName(formSession)?.backendId ?? '';
    // (cat echoes the line: it reached the agent, whose output came back)
    await waitFor(() => env.tmux('capture-pane', '-p', '-t', backendId).stdout.split('typed-in-the-browser').length > 2, 'the typed line in the pane, echoed by the agent', 5_000);
    await waitFor(async () => (await terminalText()).split('typed-in-the-browser').length > 2, 'the echo in the browser', 5_000);
    await shot('session-1280x800');
    await phoneShot(`/sessions/${formSession}/terminal`, 'session-375x812');
    // a narrower page: the fitted size reaches the pane
    const width = () => Number(env.tmux('display', '-p', '-t', backendId, '#{pane_width}').stdout.trim());
    // (≈ 7.8 px a column: ~95 columns at 800 px, ~150 at 1280; the phone page made it 42)
    await page.setViewportSize({ width: 800, height: 800 });
    await waitFor(() => width() > 70 && width() < 120, 'the pane at about 95 columns', 5_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    await waitFor(() => width() > 130, 'the pane at about 150 columns', 5_000);
    // leaving the tab detaches; the agent keeps running
    await page.getByRole('tab', { name: 'info' }).click();
    expect(await page.getByTestId('attach-command').innerText()).toBe(`clauderon attach ${formSession}`);
    expect(env.tmux('has-session', '-t', `=${backendId}`).code).toBe(0);
    expect(byName(formSession)?.status).toBe('running');
  });

  it('the changes tab shows a file written in the worktree, with its diff, and the files tab opens it', async () => {
    const s = session(formSession);
    writeFileSync(join(s.worktreePath, 'web-note.txt'), 'written <b>by</b> the agent\n');
    appendFileSync(join(s.worktreePath, 'a.txt'), 'more\n');
    await page.getByRole('tab', { name: 'changes' }).click();
    const files = page.getByTestId('changed-files');
    await files.waitFor({ timeout: 5_000 });
    expect(await files.innerText()).toContain('web-note.txt');
    await page.getByRole('button', { name: /web-note\.txt/ }).click();
    const diff = await page.getByTestId('diff').innerText();
    expect(diff).toContain('+written <b>by</b> the agent'); // as text, never as HTML
    await shot('changes-1280x800');
    await phoneShot(`/sessions/${s.name}/changes`, 'changes-375x812');
    await page.getByRole('tab', { name: 'files' }).click();
    await page.locator('[data-path="web-note.txt"]').click();
    expect(await page.getByTestId('file-content').innerText()).toBe('written <b>by</b> the agent\n');
    expect(await page.locator('.viewer b').count()).toBe(0);
    await shot('files-1280x800');
    await phoneShot(`/sessions/${s.name}/files`, 'files-375x812');
    // a link leading out of the worktree opens nothing from outside
    const outside = join(env.root, 'outside-secret.txt');
    writeFileSync(outside, 'OUTSIDE-CONTENT\n');
    symlinkSync(outside, join(s.worktreePath, 'escape.txt'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('[data-path="escape.txt"]').click();
    await page.getByTestId('file-error').waitFor();
    expect(await page.locator('main').innerText()).not.toContain('OUTSIDE-CONTENT');
    rmSync(join(s.worktreePath, 'escape.txt'));
  });

  it('the chat tab shows the transcript as text, tool calls folded, and a new turn when the agent reports it', async () => {
    const s = session(cli.name);
    const dir = join(s.worktreePath, '.claude', 'projects', 'p');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${cli.id}.jsonl`);
    const line = (v: unknown) => `${JSON.stringify(v)}\n`;
    writeFileSync(
      file,
      line({ type: 'user', message: { role: 'user', content: 'fix <img src=x onerror=alert(1)> please' } }) +
        line({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: 'Looking at it.' }, { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls -la' } }] } }) +
        line({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt' }] } }),
    );
    await page.goto(`${base}/sessions/${cli.name}/chat`);
    const chat = page.getByTestId('chat');
    await waitFor(async () => (await chat.innerText()).includes('Looking at it.'), 'the transcript in the chat tab', 5_000);
    expect(await chat.innerText()).toContain('fix <img src=x onerror=alert(1)> please');
    expect(await chat.locator('img').count()).toBe(0);
    expect(await chat.locator('details').count()).toBe(2); // the tool call and its result, folded
    expect(await chat.locator('details[open]').count()).toBe(0);
    // the agent's next turn ends (its Stop hook): the tab reads the transcript again, no reload
    appendFileSync(file, line({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: 'Done: the fix is in.' }] } }));
    await hook('Stop');
    await waitFor(async () => (await chat.innerText()).includes('Done: the fix is in.'), 'the new message without reload', 5_000);
    await shot('chat-1280x800');
    await phoneShot(`/sessions/${cli.name}/chat`, 'chat-375x812');
    // the message box types into the agent's terminal
    await page.getByTestId('chat-input').fill('sent-from-the-chat-box');
    await page.getByRole('button', { name: 'Send' }).click();
    await waitFor(async () => (await page.getByTestId('chat-send-state').innerText()).startsWith('sent'), 'the message sent', 5_000);
    const backendId = byName(cli.name)?.backendId ?? '';
    await waitFor(() => env.tmux('capture-pane', '-p', '-t', backendId).stdout.split('sent-from-the-chat-box').length > 2, 'the message in the pane, echoed by the agent', 5_000);
  });

  it('the proxy tab shows the session’s audit lines live, newest first', async () => {
    await page.getByRole('tab', { name: 'proxy' }).click();
    await page.getByText(/No request through this session/).waitFor();
    const proxy = env.json<Record<string, string>>(['env', cli.name]).HTTPS_PROXY ?? '';
    expect(proxy).toMatch(/^http:\/\/.*127\.0\.0\.1:\d+/);
    // (no network here: the request fails upstream, and the proxy writes its line all the same)
    spawnSync('curl', ['-s', '-o', '/dev/null', '--max-time', '5', '-x', proxy, 'http://audit-probe.invalid/some/path?token=hidden'], { encoding: 'utf8' });
    const audit = page.getByTestId('audit');
    await audit.waitFor({ timeout: 5_000 });
    const text = await audit.innerText();
    expect(text).toContain('audit-probe.invalid');
    expect(text).not.toContain('hidden');
    await shot('proxy-1280x800');
    await phoneShot(`/sessions/${cli.name}/proxy`, 'proxy-375x812');
  });

  it('archive, unarchive and delete from the list; delete of uncommitted work asks again and keeps it unless forced', async () => {
    await page.goto(`${base}/`);
    await hook('Stop');
    await waitFor(async () => (await row(cli.name).getByTestId('agent-status').innerText()) === 'waiting for you', 'the waiting status in the row', 5_000);
    await row(formSession).waitFor();
    await shot('sessions-1280x800');
    await phoneShot('/', 'sessions-375x812');
    await phoneShot('/', 'sessions-dark-375x812', true);
    await page.getByTestId('status-filter').selectOption('all');
    const r = row(formSession);
    await r.getByRole('button', { name: 'Archive' }).click();
    await waitFor(async () => (await r.getByTestId('status').innerText()) === 'archived', 'archived in the row', 10_000);
    expect(byName(formSession)?.status).toBe('archived');
    await r.getByRole('button', { name: 'Unarchive' }).click();
    await waitFor(async () => (await r.getByTestId('status').innerText()) === 'running', 'running again in the row', 10_000);
    // (web-note.txt is uncommitted: the daemon refuses, the page says why and offers to force)
    await r.getByRole('button', { name: 'Delete' }).click();
    await r.getByTestId('confirm-delete').getByRole('button', { name: 'Delete', exact: true }).click();
    const refused = r.getByTestId('delete-refused');
    await refused.waitFor({ timeout: 10_000 });
    expect(await refused.innerText()).toMatch(/uncommitted/i);
    expect(byName(formSession)).toBeDefined();
    await r.getByRole('button', { name: 'Delete anyway' }).click();
    await r.waitFor({ state: 'detached', timeout: 10_000 });
    expect(byName(formSession)).toBeUndefined();
  });

  it('says when the daemon is unreachable and reconnects by itself, with the list read again', async () => {
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    await page.getByTestId('banner').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('banner').innerText()).toMatch(/unreachable/);
    // meanwhile the session changed: the page learns it from the list it reads on reconnecting
    expect(env.run(['list']).code).toBe(0); // (a new daemon)
    expect(env.run(['archive', cli.name]).code).toBe(0);
    await page.getByTestId('banner').waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByTestId('status-filter').selectOption('archived');
    await waitFor(async () => (await row(cli.name).getByTestId('status').innerText()) === 'archived', 'the archived status after reconnecting', 5_000);
    expect(pageErrors).toEqual([]);
  });
});

// (the page's own file is the daemon's: make sure a stale build is not what was tested)
if (!SKIP_BROWSER && existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
  const html = readFileSync(join(ROOT, 'dist', 'web', 'index.html'), 'utf8');
  if (!/\/assets\/index-[\w-]+\.js/.test(html)) throw new Error('dist/web/index.html does not load a hashed /assets/ bundle: rebuild with node scripts/build.mjs');
}
