// A real browser for the web-attack tests: Debian's chromium (apt-get install chromium) driven by
// playwright-core, headless, without sandbox (tests run as root in CI), every network feature that
// could reach beyond loopback off: no proxy, no background or component traffic, and host names
// resolved only by the rules a test gives (anything else does not resolve).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CLAUDERON_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** In CI a missing browser is a failure; elsewhere its tests are skipped, and this says why. */
export const SKIP_BROWSER = !HAVE_CHROMIUM && process.env.CI !== 'true';
if (SKIP_BROWSER) console.warn(`chromium not found at ${CHROMIUM} (apt-get install chromium, or set CLAUDERON_TEST_CHROMIUM): the browser tests are skipped`);

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'];

/** `names` are mapped to 127.0.0.1; IP literals stay as they are; every other name fails to resolve. */
export async function launchChromium(names: readonly string[] = []): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`chromium is missing at ${CHROMIUM}: install the Debian chromium package (apt-get install chromium) — CI=true makes the browser tests required`);
  const rules = [...names.map((n) => `MAP ${n} 127.0.0.1`), 'EXCLUDE 127.0.0.1', 'MAP * ~NOTFOUND'].join(', ');
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, `--host-resolver-rules=${rules}`], timeout: 30_000 });
}
