// The Files tab's viewer in a real browser (headless chromium, the built daemon's page, real tmux
// and git): a file is highlighted by its extension as React text — Prism's tokens drawn as spans,
// never as HTML — so markup inside a file (a `<script>` in a TypeScript string, a whole HTML page)
// becomes tokens and never an element; a big file is shown plain; the page asks for nothing that
// fails (its favicon included: an SVG under /assets/, with its type).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let browser: Browser | undefined;
let page: Page;
let base = '';
let session: Session;
/** What went wrong on the page: script errors, failed or refused requests, dialogs, CSP reports. */
const problems: string[] = [];

const TS = `// a comment
export const tag: string = "<script>window.__pwned = 1</script>";
function add(a: number, b: number): number {
  return a + b;
}
`;
const HTML = `<!doctype html>\n<html><body><img src=x onerror="window.__pwned=2"><script>window.__pwned = 3</script></body></html>\n`;

/** Open a file of the worktree in the Files tab; the viewer's <pre> once it shows `path`. */
async function open(path: string) {
  await page.goto(`${base}/sessions/${session.name}/files`);
  await page.locator(`[data-path="${path}"]`).click();
  const pre = page.getByTestId('file-content');
  await waitFor(async () => (await page.locator('.viewer').innerText()).includes(path), `${path} in the viewer`, 5_000);
  return pre;
}

describe.skipIf(SKIP_BROWSER)('the files tab (real chromium, real daemon)', () => {
  beforeAll(async () => {
    env = makeEnv();
    session = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'files', '--name', 'files']);
    writeFileSync(join(session.worktreePath, 'tag.ts'), TS);
    writeFileSync(join(session.worktreePath, 'page.html'), HTML);
    writeFileSync(join(session.worktreePath, 'big.ts'), `// big\n${'export const x = "<b>y</b>";\n'.repeat(8_000)}`);
    base = `http://127.0.0.1:${env.httpPort}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(8_000);
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => (problems.push(`dialog: ${d.message()}`), void d.dismiss()));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
  });

  it('highlights a .ts file as tokens; a <script> in its string is text, never an element', async () => {
    const pre = await open('tag.ts');
    expect(await pre.getAttribute('data-lang')).toBe('typescript');
    expect(await pre.innerText()).toBe(TS);
    // Prism's tokens, as spans
    expect(await pre.locator('.tok.t-comment').first().innerText()).toBe('// a comment');
    expect(await pre.locator('.tok.t-keyword').allInnerTexts()).toEqual(expect.arrayContaining(['export', 'const', 'function', 'return']));
    expect(await pre.locator('.tok.t-string').first().innerText()).toBe('"<script>window.__pwned = 1</script>"');
    expect(await pre.locator('.tok.t-function').first().innerText()).toBe('add');
    // coloured (the token's colour is not the text's)
    // (page code as strings: the tests' tsconfig has no DOM)
    const colour = (sel: string) => page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(sel)})).color`);
    expect(await colour('[data-testid="file-content"] .t-keyword')).not.toBe(await colour('[data-testid="file-content"]'));
    // nothing of the file became an element: no script but the app's own, no <b>, nothing run
    expect(await pre.locator('script, b, img').count()).toBe(0);
    expect(await page.evaluate<boolean>("[...document.scripts].every((s) => s.src.includes('/assets/'))")).toBe(true);
    expect(await page.evaluate<number | null>('window.__pwned ?? null')).toBeNull();
  });

  it('highlights HTML as tag tokens and never renders it', async () => {
    const pre = await open('page.html');
    expect(await pre.getAttribute('data-lang')).toBe('markup');
    expect(await pre.innerText()).toBe(HTML);
    expect(await pre.locator('.tok.t-tag').count()).toBeGreaterThan(4);
    expect(await pre.locator('.tok.t-attr-name').allInnerTexts()).toEqual(expect.arrayContaining(['src', 'onerror']));
    expect(await page.locator('.viewer script, .viewer img, .viewer body, .viewer html').count()).toBe(0);
    await page.waitForTimeout(100); // (an injected onerror would have fired by now)
    expect(await page.evaluate<number | null>('window.__pwned ?? null')).toBeNull();
  });

  it('shows a file over 200 KB plain, and a file of no known language plain', async () => {
    const pre = await open('big.ts');
    expect(await pre.getAttribute('data-lang')).toBe('plain');
    expect(await page.locator('.viewer').innerText()).toContain('too big to highlight');
    expect(await pre.locator('.tok').count()).toBe(0);
    expect(await pre.locator('b').count()).toBe(0);
    const txt = await open('a.txt');
    expect(await txt.getAttribute('data-lang')).toBe('plain');
    expect(await txt.innerText()).toBe('a\n');
  });

  it('asks for nothing that fails: the favicon is an SVG of the build, with its type', async () => {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toMatch(/^\/assets\/favicon-[\w-]+\.svg$/);
    const r = await fetch(`${base}${href ?? ''}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/svg+xml');
    expect(await r.text()).toMatch(/^<svg /);
    expect(problems).toEqual([]);
  });
});
