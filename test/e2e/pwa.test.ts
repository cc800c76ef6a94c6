// The installable app, in a real browser (headless chromium, playwright-core) on the page the built
// daemon serves (dist/web): Chromium's own installability check finds nothing missing (CDP
// Page.getInstallabilityErrors), the manifest and its icons load; the service worker precaches
// this build's shell (and drops an older build's cache), serves it when the network or the daemon
// is gone — the page shows its "offline — reconnecting" banner — and never stores or answers
// /api/*; at 375×812 the list, a session and its terminal have no horizontal scroll and the key
// row's keys reach the agent (read back with `clauderon output`); a hook that makes the agent wait
// raises one in-page notification per transition once notifications are on (permission granted
// through CDP). UPDATE_SCREENSHOTS=1 also writes docs/screenshots/phone-*.png.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { CHROMIUM, launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, ROOT, waitFor, type Env } from '../helpers/e2e.js';

const WEB = join(ROOT, 'dist', 'web');
const shots = mkdtempSync(join(tmpdir(), 'clrn-pwa-shots-'));
const SHOTS = ['phone-sessions', 'phone-terminal', 'phone-session-info', 'phone-offline'];

let env: Env;
let browser: Browser | undefined;
let desktop: BrowserContext;
let page: Page;
let base = '';
/** The session the phone drives, and its hook token (to report agent status as its hooks would). */
let agent: { id: string; name: string; token: string };
const pageErrors: string[] = [];

/**
 * A browser profile of its own (not incognito: chromium never offers to install from an incognito
 * window, so Page.getInstallabilityErrors would only say "in-incognito"), with the same loopback-only
 * settings as test/helpers/browser.ts's launchChromium.
 */
function launchProfile(dir: string): Promise<BrowserContext> {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server', '--host-resolver-rules=EXCLUDE 127.0.0.1, MAP * ~NOTFOUND'];
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args, viewport: { width: 1280, height: 800 }, timeout: 30_000 });
}

/** The build's worker: its version and shell list (written by src/web/vite.config.mjs). */
function builtWorker(): { version: string; shell: string[] } {
  const sw = readFileSync(join(WEB, 'sw.js'), 'utf8');
  const version = /const VERSION = "([0-9a-f]{16})";/.exec(sw)?.[1];
  const shell = /const SHELL = (\[[^\]]*\]);/.exec(sw)?.[1];
  if (!version || !shell) throw new Error('dist/web/sw.js has no build version or shell list: rebuild with node scripts/build.mjs');
  return { version, shell: JSON.parse(shell) as string[] };
}

function watchErrors(p: Page): void {
  p.on('pageerror', (e) => pageErrors.push(e.message));
  // (a CSP violation is a console error: the app and its worker must run under the daemon's policy)
  p.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && pageErrors.push(m.text()));
}

/** Resolves once a service worker controls the page (the first visit: after install + claim). */
async function controlled(p: Page): Promise<void> {
  await p.evaluate(`(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  })()`);
}

/** A GET of the API from the page: its answer's status, or how the request failed. */
const API_FROM_PAGE = "fetch('/api/sessions').then((r) => `answered ${r.status}`, (e) => `failed: ${e.name}`)";

/** Every URL path in this origin's caches, by cache name. */
const cacheContents = (p: Page) =>
  p.evaluate<Record<string, string[]>>(`(async () => {
    const out = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search).sort();
    return out;
  })()`);

/** No horizontal scroll: the page is no wider than the screen. */
async function noSideScroll(p: Page, what: string): Promise<void> {
  const m = await p.evaluate<{ scroll: number; inner: number; body: number }>('({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth, body: document.body.scrollWidth })');
  expect(m.inner, what).toBe(375);
  expect(m.scroll, `${what}: the document is ${m.scroll}px wide on a 375px screen`).toBeLessThanOrEqual(m.inner);
  expect(m.body, `${what}: the body is ${m.body}px wide on a 375px screen`).toBeLessThanOrEqual(m.inner);
}

async function hook(event: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await fetch(`${base}/api/hooks?session=${agent.id}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hook_event_name: event, ...extra }),
  });
  expect(r.status, await r.text()).toBeLessThan(300);
}

const agentStatus = () => env.json<Session>(['show', agent.name]).agentStatus;

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(b: Buffer): { width: number; height: number } {
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe.skipIf(SKIP_BROWSER)('the installable app (real chromium, real daemon, real tmux)', () => {
  beforeAll(async () => {
    if (!existsSync(join(WEB, 'sw.js')) || !existsSync(join(WEB, 'manifest.webmanifest'))) throw new Error('dist/web has no sw.js or manifest: run node scripts/build.mjs first');
    env = makeEnv();
    // The agent: a terminal in raw mode that prints what it reads visibly (cat -vT: ESC as ^[,
    // Ctrl-C as ^C, Tab as ^I, Enter as ^M), so the key row's bytes can be read off its screen.
    const rawAgent = join(env.root, 'raw-agent.sh');
    writeFileSync(rawAgent, "#!/usr/bin/env bash\nprintf 'RAW-AGENT ready\\n'\nstty raw -echo\nexec cat -vT\n");
    chmodSync(rawAgent, 0o755);
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}[agents.claude]\ncommand = "${rawAgent}"\n`);
    const s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'drive me from a phone', '--name', 'phone']);
    agent = { id: s.id, name: s.name, token: env.json<Record<string, string>>(['env', s.name]).CLAUDERON_HOOK_TOKEN ?? '' };
    expect(agent.token).toMatch(/^[0-9a-f]{40}$/);
    base = `http://127.0.0.1:${env.httpPort}`;
    browser = await launchChromium();
    desktop = await launchProfile(join(env.root, 'chromium-profile'));
    desktop.setDefaultTimeout(10_000);
    page = desktop.pages()[0] ?? (await desktop.newPage());
    watchErrors(page);
    await page.goto(`${base}/`);
    await page.locator('[data-testid="session-row"][data-name="phone"]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await desktop?.close();
    await browser?.close();
    env?.cleanup();
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      const out = join(ROOT, 'docs', 'screenshots');
      mkdirSync(out, { recursive: true });
      for (const f of SHOTS) if (existsSync(join(shots, `${f}.png`))) copyFileSync(join(shots, `${f}.png`), join(out, `${f}.png`));
    }
    rmSync(shots, { recursive: true, force: true });
  });

  it('passes chromium\'s installability check; the manifest, its icons and the worker are served as an app needs them', async () => {
    await controlled(page);
    const cdp = await desktop.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.url).toBe(`${base}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    await cdp.detach();

    const r = await fetch(`${base}/manifest.webmanifest`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/manifest+json');
    const m = (await r.json()) as { name: string; short_name: string; start_url: string; scope: string; display: string; theme_color: string; background_color: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    expect(m).toMatchObject({ name: 'clauderon', short_name: 'clauderon', start_url: '/', scope: '/', display: 'standalone' });
    expect(m.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(m.background_color).toMatch(/^#[0-9a-f]{6}$/i);
    const want = ['192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable'];
    expect(m.icons.map((i) => `${i.sizes} ${i.purpose}`).sort()).toEqual([...want].sort());
    for (const icon of m.icons) {
      const got = await fetch(new URL(icon.src, base));
      expect(got.status, icon.src).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/png');
      const [w, h] = icon.sizes.split('x').map(Number);
      expect(pngSize(Buffer.from(await got.arrayBuffer()))).toEqual({ width: w, height: h });
    }

    // the worker: at the root (its scope is the whole app), never cached without asking, same policy
    const sw = await fetch(`${base}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.evaluate<string | undefined>('navigator.serviceWorker.getRegistration().then((r) => r?.scope)')).toBe(`${base}/`);
    expect(pageErrors).toEqual([]);
  });

  it('precaches exactly this build\'s shell — never /api or /ws — and drops an older build\'s cache', async () => {
    const { version, shell } = builtWorker();
    // every hashed file of the build is in the shell
    const assets = readFileSync(join(WEB, 'index.html'), 'utf8').match(/\/assets\/[\w.-]+/g) ?? [];
    expect(assets.length).toBeGreaterThan(1);
    for (const a of assets) expect(shell).toContain(a);
    expect(shell).toContain('/');
    expect(shell).toContain('/manifest.webmanifest');
    expect(shell.filter((p) => /^\/(api|ws|sw\.js)/.test(p))).toEqual([]);
    // (the page has read /api/sessions and opened /ws/events by now: none of it is stored)
    expect(await cacheContents(page)).toEqual({ [`clauderon-shell-${version}`]: [...shell].sort() });

    // A browser that still has an older build's cache: the new worker's activation removes it.
    // (the stale cache is made before the page may register the worker, so the order is fixed)
    const fresh = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    await fresh.addInitScript(`{
      const stale = caches.open('clauderon-shell-0123456789abcdef').then((c) => c.put('/', new Response('an older build')));
      const register = ServiceWorkerContainer.prototype.register;
      ServiceWorkerContainer.prototype.register = function (...args) {
        return stale.then(() => register.apply(this, args));
      };
    }`);
    const p = await fresh.newPage();
    watchErrors(p);
    await p.goto(`${base}/`);
    await controlled(p);
    expect(Object.keys(await cacheContents(p))).toEqual([`clauderon-shell-${version}`]);
    await fresh.close();
    expect(pageErrors).toEqual([]);
  });

  it('offline, or with the daemon stopped, a reload shows the cached shell with the offline banner; /api is never answered from the cache', async () => {
    await page.goto(`${base}/sessions/phone/info`);
    await controlled(page);
    await page.getByTestId('session-name').waitFor();

    await desktop.setOffline(true);
    const offline = await page.reload();
    expect(offline?.fromServiceWorker()).toBe(true);
    expect(offline?.status()).toBe(200);
    await page.getByTestId('banner').waitFor();
    expect(await page.getByTestId('banner').innerText()).toMatch(/^Offline — reconnecting/);
    expect(await page.locator('.brand').innerText()).toBe('clauderon'); // the app, not the browser's error page
    const api = await page.evaluate<string>(API_FROM_PAGE);
    expect(api).toBe('failed: TypeError');
    await desktop.setOffline(false);
    await page.getByTestId('banner').waitFor({ state: 'detached', timeout: 20_000 });

    // the daemon stopped (the network is fine, nothing answers): the same
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    const down = await page.reload();
    expect(down?.fromServiceWorker()).toBe(true);
    await page.getByTestId('banner').waitFor();
    expect(await page.getByTestId('banner').innerText()).toMatch(/^Offline — reconnecting: the daemon is unreachable/);
    expect(await page.evaluate<string>(API_FROM_PAGE)).toBe('failed: TypeError');

    expect(env.run(['list']).code).toBe(0); // (a new daemon)
    await page.getByTestId('banner').waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByTestId('session-name').waitFor();
    // nothing of the API was stored meanwhile
    const stored = Object.values(await cacheContents(page)).flat();
    expect(stored.filter((p) => /^\/(api|ws)(\/|$)/.test(p))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('at 375×812 the list, a session and its terminal fit the screen, and the key row sends Esc, Tab, Ctrl-C, ↑ and Enter to the agent', async () => {
    const phone = await browser!.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(10_000);
    const p = await phone.newPage();
    watchErrors(p);
    await p.goto(`${base}/`);
    await p.locator('[data-testid="session-row"][data-name="phone"]').waitFor();
    await controlled(p);
    await noSideScroll(p, 'the session list');
    await p.screenshot({ path: join(shots, 'phone-sessions.png') });

    await p.goto(`${base}/sessions/phone/info`);
    await p.getByTestId('session-name').waitFor();
    await noSideScroll(p, 'the session page');
    await p.screenshot({ path: join(shots, 'phone-session-info.png') });

    await p.goto(`${base}/sessions/phone/terminal`);
    await waitFor(async () => (await p.locator('.xterm-rows').innerText()).includes('RAW-AGENT ready'), 'the agent on the phone\'s terminal', 10_000);
    await noSideScroll(p, 'the terminal');
    const row = p.getByTestId('key-row');
    expect(await row.isVisible()).toBe(true);
    for (const key of ['Esc', 'Tab', 'Ctrl-C', 'Up', 'Enter']) await row.getByRole('button', { name: key, exact: true }).tap();
    // (raw mode: Ctrl-C is a byte for the agent, not a signal; cat -vT shows each byte it read)
    await waitFor(() => env.run(['output', 'phone']).stdout.includes('^[^I^C^[[A^M'), 'the key row\'s bytes on the agent\'s screen', 10_000);
    await waitFor(async () => (await p.locator('.xterm-rows').innerText()).includes('^[^I^C^[[A^M'), 'the echo on the phone', 10_000);
    // the keys left the focus in the terminal (a phone's soft keyboard stays open)
    expect(await p.evaluate<boolean>("!!document.activeElement?.closest('.terminal')")).toBe(true);
    // the agent is still there (Ctrl-C reached it as input)
    expect(env.json<Session>(['show', 'phone']).status).toBe('running');
    await p.screenshot({ path: join(shots, 'phone-terminal.png') });

    // the offline banner at a phone's size: the daemon stopped, the shell from the worker
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    await p.goto(`${base}/`);
    await p.getByTestId('banner').waitFor();
    await noSideScroll(p, 'the offline page');
    await p.screenshot({ path: join(shots, 'phone-offline.png') });
    expect(env.run(['list']).code).toBe(0);
    await p.getByTestId('banner').waitFor({ state: 'detached', timeout: 20_000 });
    await phone.close();

    // a desktop page has no key row (a real keyboard has those keys)
    await page.goto(`${base}/sessions/phone/terminal`);
    await waitFor(async () => (await page.locator('.xterm-rows').innerText()).includes('RAW-AGENT ready'), 'the agent on the desktop terminal', 10_000);
    expect(await page.getByTestId('key-row').isVisible()).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('a hook that makes the agent wait raises one notification per transition, once notifications are enabled', async () => {
    await hook('UserPromptSubmit');
    await waitFor(() => agentStatus() === 'working', 'the agent working', 5_000);
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    ctx.setDefaultTimeout(10_000);
    // record every notification the page makes (the constructor, or its worker's showNotification)
    await ctx.addInitScript(`{
      const seen = (window.__notifications = []);
      const Real = window.Notification;
      const Recorded = function (title, options) {
        seen.push({ title, body: options?.body, tag: options?.tag });
        return new Real(title, options);
      };
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
      Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
      Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
      const show = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        seen.push({ title, body: options?.body, tag: options?.tag });
        return show.call(this, title, options);
      };
    }`);
    const p = await ctx.newPage();
    watchErrors(p);
    const notes = () => p.evaluate<{ title: string; body?: string; tag?: string }[]>('window.__notifications');
    const agentCell = p.locator('[data-testid="session-row"][data-name="phone"] [data-testid="agent-status"]');

    await p.goto(`${base}/`);
    expect(await p.evaluate<string>('Notification.permission')).toBe('default');
    // the permission, granted through CDP for this context and origin (as a user's "Allow" would)
    const target = await ctx.newCDPSession(p);
    const { targetInfo } = await target.send('Target.getTargetInfo');
    await target.detach();
    const cdp = await browser!.newBrowserCDPSession();
    await cdp.send('Browser.grantPermissions', { permissions: ['notifications'], origin: base, browserContextId: targetInfo.browserContextId });
    // (chromium drops a session's overrides when it detaches: this one stays until the test ends)
    await waitFor(async () => (await agentCell.innerText()) === 'working', 'working in the row', 5_000);
    // (the grant reaches the page's renderer a moment after the call returns)
    await waitFor(async () => (await p.evaluate<string>('Notification.permission')) === 'granted', 'the granted permission in the page', 5_000);
    // (a visible page notifies only once they are enabled here)
    const toggle = p.getByTestId('notify-toggle');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await hook('Stop');
    await waitFor(async () => (await agentCell.innerText()) === 'waiting for you', 'waiting in the row', 5_000);
    expect(await notes()).toEqual([]);
    await hook('UserPromptSubmit');
    await waitFor(async () => (await agentCell.innerText()) === 'working', 'working again', 5_000);

    await p.getByRole('button', { name: 'Enable notifications' }).click();
    await waitFor(async () => (await toggle.getAttribute('aria-pressed')) === 'true', 'the control on', 5_000);
    await hook('Stop');
    await waitFor(async () => (await notes()).length === 1, 'a notification for the waiting agent', 5_000);
    const [first] = await notes();
    expect(first).toMatchObject({ title: 'phone is waiting for you', tag: 'clauderon-phone' });
    expect(first?.body).toBe('repo · claude: waiting for you');
    // the same status again is no new transition; a permission request after work is
    await hook('Stop');
    await hook('UserPromptSubmit');
    await waitFor(async () => (await agentCell.innerText()) === 'working', 'working after the second Stop', 5_000);
    await hook('PermissionRequest', { tool_name: 'Bash' });
    await waitFor(async () => (await notes()).length >= 2, 'a notification for the approval', 5_000);
    await waitFor(async () => (await agentCell.innerText()) === 'waiting for you (approval)', 'approval in the row', 5_000);
    expect((await notes()).map((n) => n.title)).toEqual(['phone is waiting for you', 'phone needs your approval']);

    // turned off again: a transition raises nothing
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await hook('UserPromptSubmit');
    await hook('Stop');
    await waitFor(async () => (await agentCell.innerText()) === 'waiting for you', 'waiting once more', 5_000);
    expect((await notes()).length).toBe(2);
    await cdp.detach();
    await ctx.close();
    expect(pageErrors).toEqual([]);
  });
});
