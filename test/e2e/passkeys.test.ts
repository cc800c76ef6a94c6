// Passkey sign-in end to end: the built daemon on 127.0.0.1 with sign-in forced on
// (CLAUDERON_REQUIRE_AUTH=1 — never a non-loopback bind in tests) and CLAUDERON_ORIGIN
// http://localhost:PORT, the web UI in headless Chromium with a virtual authenticator (CDP WebAuthn:
// ctap2, internal, resident keys, user verification). http://localhost is a secure context, so
// WebAuthn works without TLS; an https origin would need a test CA in the browser.
// Register with a code the real CLI minted on the host, sign out, sign in, revoke on the host → the
// next request is refused; a reused or an expired code fails; a wrong RP ID (the browser refuses)
// and a wrong origin (the daemon refuses) fail.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasskeyInfo, RegistrationCode } from '../../src/protocol/operations.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let origin: string;
let daemonEnv: Record<string, string>;

/** The sign-in page's error, once it shows. */
async function signInError(): Promise<string> {
  const text = (await page.getByTestId('signin-error').textContent()) ?? '';
  if (process.env.DEBUG_PASSKEYS) console.log('sign-in error:', text);
  return text;
}

const status = (path: string): Promise<number> => page.evaluate(`fetch(${JSON.stringify(path)}).then((r) => r.status)`);

function mint(extra: Record<string, string> = {}): RegistrationCode {
  return env.json<RegistrationCode>(['auth', 'register'], { env: { ...daemonEnv, ...extra } });
}

const passkeys = (): PasskeyInfo[] => env.json<PasskeyInfo[]>(['auth', 'list'], { env: daemonEnv });

/** Stop the daemon; the next CLI command starts one with `extra` in its environment. */
function restart(extra: Record<string, string>): void {
  expect(env.run(['daemon', 'stop']).code).toBe(0);
  expect(env.run(['list'], { env: { ...daemonEnv, ...extra } }).code).toBe(0);
}

/** Screenshots of the sign-in page (copied to docs/screenshots/ by hand). */
const shots = mkdtempSync(join(tmpdir(), 'clrn-signin-shots-'));

async function register(code: string, name: string): Promise<void> {
  await page.goto('about:blank'); // (a new document each time: never the last attempt's page, or its error)
  await page.goto(`${origin}/signin#register=${code}`);
  await page.getByTestId('device-name').fill(name);
  await page.getByTestId('register').click();
}

describe.skipIf(SKIP_BROWSER)('passkeys in the browser', () => {
  beforeAll(async () => {
    env = makeEnv();
    origin = `http://localhost:${env.httpPort}`;
    daemonEnv = { CLAUDERON_ORIGIN: origin, CLAUDERON_REQUIRE_AUTH: '1' };
    browser = await launchChromium(['localhost']);
    context = await browser.newContext();
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    env?.cleanup();
  });

  it('refuses to start with sign-in on and no CLAUDERON_ORIGIN', () => {
    const r = env.run(['list'], { env: { CLAUDERON_REQUIRE_AUTH: '1' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('passkey sign-in needs CLAUDERON_ORIGIN');
  });

  it('registers with a host-minted code, signs out, signs in, and a revoke on the host refuses the next request', async () => {
    const code = mint();
    expect(code.url).toBe(`${origin}/signin#register=${code.code}`);
    expect(env.run(['daemon', 'status'], { env: daemonEnv }).stdout).toContain('http auth: passkey sign-in');
    // not signed in: the API refuses, the app shows the sign-in page
    await page.goto(`${origin}/`);
    await page.getByTestId('signin').waitFor();
    expect(await status('/api/sessions')).toBe(401);
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    for (const [path, name] of [['/signin', 'signin'], [`/signin#register=${'x'.repeat(27)}`, 'signin-register']] as const) {
      await phone.goto('about:blank');
      await phone.goto(`${origin}${path}`);
      await phone.getByTestId('signin').waitFor();
      await phone.screenshot({ path: join(shots, `${name}-375x812.png`) });
    }
    await phone.close();

    await register(code.code, 'test phone');
    await page.getByTestId('signout').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await status('/api/sessions')).toBe(200);
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'clauderon_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    const days = ((cookie?.expires ?? 0) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    let list = passkeys();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'test phone', sessions: 1 });

    // sign out: the cookie goes, the session row too
    await page.getByTestId('signout').click();
    await page.getByTestId('signin-button').waitFor();
    expect(await status('/api/sessions')).toBe(401);
    expect((await context.cookies()).filter((c) => c.name === 'clauderon_session')).toEqual([]);
    expect(passkeys()[0]?.sessions).toBe(0);

    // sign in with the passkey the virtual authenticator holds (discoverable: no user name asked)
    await page.getByTestId('signin-button').click();
    await page.getByTestId('signout').waitFor();
    expect(await status('/api/sessions')).toBe(200);
    list = passkeys();
    expect(list[0]?.sessions).toBe(1);
    expect(list[0]?.lastUsedAt).not.toBeNull();

    // revoke on the host: the very next request is refused
    const id = list[0]?.id ?? '';
    expect(env.run(['auth', 'revoke', id], { env: daemonEnv }).stdout).toContain(`Revoked ${id} (test phone); 1 sign-in session ended.`);
    expect(await status('/api/sessions')).toBe(401);
    await page.reload();
    await page.getByTestId('signin').waitFor();
    // …and the passkey no longer signs in
    await page.getByTestId('signin-button').click();
    await expect(signInError()).resolves.toContain('not registered here');
    expect(passkeys()).toEqual([]);

    // the code served once: used again, it is refused
    await register(code.code, 'again');
    await expect(signInError()).resolves.toContain('unknown, used or expired');
    expect(passkeys()).toEqual([]);
  }, 120_000);

  it('an expired code is refused', async () => {
    const code = mint();
    // ten minutes on: its stored expiry put in the past (the daemon compares it with its clock)
    const db = new Database(join(env.home, 'db.sqlite'));
    try {
      expect(db.prepare('UPDATE registration_codes SET expires_at = ? WHERE used_at IS NULL').run(new Date(Date.now() - 1000).toISOString()).changes).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    // (typed into the sign-in page this time, as a code printed by `auth register`)
    await page.goto('about:blank');
    await page.goto(`${origin}/signin`);
    await page.getByTestId('code-input').fill(code.code);
    await page.getByRole('button', { name: 'Use this code' }).click();
    await page.getByTestId('device-name').fill('late phone');
    await page.getByTestId('register').click();
    await expect(signInError()).resolves.toContain('unknown, used or expired');
    expect(passkeys()).toEqual([]);
  }, 60_000);

  it('a wrong RP ID fails in the browser; a wrong origin is refused by the daemon', async () => {
    // the RP ID example.com cannot serve a page at localhost: the browser refuses to create the passkey
    restart({ CLAUDERON_RP_ID: 'example.com' });
    await register(mint({ CLAUDERON_RP_ID: 'example.com' }).code, 'wrong rp');
    await expect(signInError()).resolves.toMatch(/relying party|RP ID|not a valid domain|registrable/i);
    expect(passkeys()).toEqual([]);

    // the daemon expects another origin (another port) than the page's: the registration is refused
    const elsewhere = `http://localhost:${env.httpPort === 65535 ? 65534 : env.httpPort + 1}`;
    restart({ CLAUDERON_ORIGIN: elsewhere });
    const code = mint({ CLAUDERON_ORIGIN: elsewhere });
    expect(code.url.startsWith(`${elsewhere}/signin#register=`)).toBe(true);
    await register(code.code, 'wrong origin');
    await expect(signInError()).resolves.toMatch(/registration refused: .*origin/i);
    expect(passkeys()).toEqual([]);
    // (the code was not spent by the refused attempt: it registers once the origin is right)
    restart({});
    await register(code.code, 'right origin');
    await page.getByTestId('signout').waitFor();
    expect(passkeys().map((p) => p.name)).toEqual(['right origin']);
  }, 120_000);

  it('CLAUDERON_DISABLE_AUTH=true turns sign-in off, loudly (daemon status, the log)', async () => {
    restart({ CLAUDERON_DISABLE_AUTH: 'true' });
    await waitFor(() => env.run(['daemon', 'status']).code === 0, 'the daemon');
    expect(env.run(['daemon', 'status']).stdout).toContain('http auth: OFF (CLAUDERON_DISABLE_AUTH=true)');
    await context.clearCookies();
    expect(await status('/api/sessions')).toBe(200);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(env.home, 'logs', 'daemon.log'), 'utf8')).toContain('AUTH DISABLED (CLAUDERON_DISABLE_AUTH=true)');
  }, 60_000);
});
