// The session page's "Attach image" in a real browser (headless chromium, playwright-core) on the
// page the built daemon serves, against real tmux: a picked image is uploaded through the page's own
// fetch (same origin, its Content-Type) into uploads/<id>/, the page shows the path, and "Send to
// agent" types the message and the path into the agent — a stand-in that hashes the file it is
// given — which reads it. A pasted image is uploaded too. A text file renamed .png is refused with
// the daemon's message and nothing is written. UPDATE_SCREENSHOTS=1 writes
// docs/screenshots/attach-1280x800.png. Loopback only.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/shared/types.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, ROOT, waitFor, type Env } from '../helpers/e2e.js';

const AGENT = ['bash', '-c', 'echo AGENT-READY; while IFS= read -r line; do p="${line##* }"; h=$(sha256sum "$p" 2>/dev/null | cut -d" " -f1); echo "SHA[${h:-unreadable}]"; done', 'agent'];
const png = (size: number): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let env: Env;
let browser: Browser | undefined;
let page: Page;
let s: Session;
let dir: string;
const pageErrors: string[] = [];

describe.skipIf(SKIP_BROWSER)('attaching an image on the session page (real chromium, real daemon, real tmux)', () => {
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is missing: run node scripts/build.mjs first');
    env = makeEnv();
    writeFileSync(join(env.home, 'config.toml'), `${env.portConfig}\n[agents.claude]\ncommand = ${JSON.stringify(AGENT)}\n`);
    s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'pic']);
    dir = join(env.home, 'uploads', s.id);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${env.httpPort}/sessions/pic/info`);
    await page.getByTestId('attach-button').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
  });

  it('uploads a picked image, shows the agent’s path, and sends it to the agent, which reads it', async () => {
    const image = png(1_500_000);
    await page.getByTestId('attach-input').setInputFiles({ name: 'bug report.png', mimeType: 'image/png', buffer: image });
    const path = join(dir, 'bug_report.png');
    await page.getByTestId('attach-path').filter({ hasText: path }).waitFor();
    expect(readFileSync(path).equals(image)).toBe(true);
    await page.getByTestId('attach-message').fill('look at this');
    await page.getByTestId('attach-send').click();
    await page.getByTestId('attach-send-state').filter({ hasText: 'sent' }).waitFor();
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'attach-1280x800.png') });
    await waitFor(() => env.run(['output', 'pic', '--lines', '100']).stdout.includes(`SHA[${sha(image)}]`), 'the agent to hash the image sent from the page', 30_000);
    expect(env.run(['output', 'pic', '--lines', '100']).stdout).toContain(`look at this ${path}`);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('uploads a pasted image', async () => {
    const image = png(2000);
    // (a paste event carrying the image as a file, as the browser makes one from the clipboard)
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(image.toString('base64'))}), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    })()`);
    await page.getByTestId('attach-path').filter({ hasText: join(dir, 'image.png') }).waitFor();
    expect(readFileSync(join(dir, 'image.png')).equals(image)).toBe(true);
  }, 30_000);

  it('refuses a text file dressed as a PNG with the daemon’s message, writing nothing', async () => {
    const before = readdirSync(dir).sort();
    await page.getByTestId('attach-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some text\n') });
    const error = page.getByTestId('attach-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/not an image clauderon accepts.*PNG, JPEG, GIF or WebP/);
    // a type the page knows is not accepted is said at once, without a request
    await page.getByTestId('attach-input').setInputFiles({ name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') });
    await error.filter({ hasText: 'drawing.svg is not accepted' }).waitFor();
    expect(readdirSync(dir).sort()).toEqual(before);
  }, 30_000);
});
