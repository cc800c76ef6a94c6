// The web UI's figures (`npm run bench`, called from bench/run.ts), each beside a baseline measured
// in the same run: page load until the session list shows 100 sessions, beside a blank page's load
// in the same browser; a key sent over /ws/console to its echo, beside `tmux send-keys` + capture
// of the same pane; and the page's initial JavaScript (gzip), the terminal's lazy chunk excluded.
// Headless Debian chromium through playwright-core; loopback only.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { ensureHome, getPaths, type Paths } from '../src/config/paths.js';
import { freePort } from './net.js';
import type { TuiBenchContext } from './tui.js';

const SESSIONS = 100;
const LOADS = 10;
const KEYS = 50;
const CHROMIUM = process.env.CLAUDERON_TEST_CHROMIUM ?? '/usr/bin/chromium';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scripts and stylesheets index.html loads at once (module preloads included), gzip-sized. */
export function initialAssets(webDir: string): { files: string[]; gzipBytes: number } {
  const html = readFileSync(join(webDir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? '');
  const gzipBytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(webDir, f))).length, 0);
  return { files, gzipBytes };
}

export async function benchWeb(ctx: TuiBenchContext & { fakeAgent: string }): Promise<void> {
  const { log, describe, p50 } = ctx;
  log(`\n## web UI: page load with ${SESSIONS} sessions, /ws/console round trip, initial JavaScript`);
  const webDir = join(dirname(ctx.bin), 'web');
  if (!existsSync(join(webDir, 'index.html'))) throw new Error(`${webDir}/index.html is missing: the front end was not built (npm run build)`);
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM} (apt-get install chromium)`);

  const { files, gzipBytes } = initialAssets(webDir);
  log(`  initial JavaScript and CSS (gzip): ${(gzipBytes / 1024).toFixed(1)} KiB in ${files.join(', ')}`);
  ctx.addRow({ figure: 'web initial JS+CSS (gzip)', ours: `${(gzipBytes / 1024).toFixed(1)} KiB`, baseline: '—', target: '≤ 150 KiB', verdict: gzipBytes <= 150 * 1024 ? 'ok' : 'MISS' });

  const paths: Paths = getPaths(join(ctx.root, 'web-home'));
  ctx.homes.push(paths);
  ctx.tmuxSockets.push(paths.tmuxSocket);
  ensureHome(paths);
  const port = await freePort();
  writeFileSync(paths.config, `[general]\nmax_sessions = 1000\n[http]\nport = ${port}\n[agents.claude]\ncommand = ${JSON.stringify(ctx.fakeAgent)}\n`);
  const repo = ctx.makeSmallRepo(join(ctx.root, 'web-repo'));
  const { client } = await ctx.startDaemon(paths);
  const blank = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title><p>blank</p>'));
  await new Promise<void>((r) => blank.listen(0, '127.0.0.1', r));
  const blankPort = (blank.address() as { port: number }).port;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-proxy-server', '--disable-background-networking', '--host-resolver-rules=EXCLUDE 127.0.0.1, MAP * ~NOTFOUND'] });
  try {
    const t0 = performance.now();
    for (let i = 0; i < SESSIONS; i++) {
      if (ctx.aborting()) throw new Error('the bench is stopping');
      await client.call('sessions.create', { repoPath: repo, prompt: `web bench ${i}`, name: `web-${String(i).padStart(3, '0')}`, backend: 'tmux', accessMode: 'read-write', skipChecks: false, planMode: false });
    }
    log(`  created ${SESSIONS} running sessions in ${ctx.fmtMs(performance.now() - t0)}`);

    // ---------------------------------------------------------------- page load
    const last = `web-${String(SESSIONS - 1).padStart(3, '0')}`;
    const load = async (url: string, ready: string): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const t = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      // (runs in the page; this file is compiled without the DOM's types. A function, not a string:
      // the page's CSP refuses string evaluation)
      type PageGlobal = { document: { body: { innerText: string } | null } };
      await page.waitForFunction((text: string) => (globalThis as unknown as PageGlobal).document.body?.innerText.includes(text) ?? false, ready, { timeout: 15_000, polling: 'raf' });
      const ms = performance.now() - t;
      await context.close();
      return ms;
    };
    await load(`http://127.0.0.1:${port}/`, last);
    await load(`http://127.0.0.1:${blankPort}/`, 'blank');
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      ours.push(await load(`http://127.0.0.1:${port}/`, last));
      base.push(await load(`http://127.0.0.1:${blankPort}/`, 'blank'));
    }
    log(`  ours: navigation → list shows ${SESSIONS} sessions  ${describe(ours)}`);
    log(`  baseline: a blank page, navigation → its text   ${describe(base)}`);
    const ratio = p50(ours) / p50(base);
    ctx.addRow({ figure: `web page load → list (${SESSIONS}) ÷ blank page`, ours: `${ctx.fmtMs(p50(ours))} (${ratio.toFixed(1)}×)`, baseline: ctx.fmtMs(p50(base)), target: 'reported', verdict: '—' });

    // ---------------------------------------------------------------- terminal round trip
    const name = 'web-000';
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/console/${name}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let seen = '';
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString('utf8')) as { type: string; data?: string };
      if (m.type === 'output' && m.data) seen += Buffer.from(m.data, 'base64').toString('utf8');
    });
    ws.send(JSON.stringify({ type: 'resize', rows: 30, cols: 100 }));
    await sleep(500);
    const rtt: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      const mark = seen.length;
      const t = performance.now();
      ws.send(JSON.stringify({ type: 'input', data: Buffer.from(ch).toString('base64') }));
      const until = Date.now() + 3000;
      while (!seen.slice(mark).includes(ch)) {
        if (Date.now() > until) throw new Error(`no echo of ${ch} over /ws/console`);
        await new Promise((r) => setImmediate(r));
      }
      rtt.push(performance.now() - t);
    }
    ws.close();
    // baseline: the same pane through tmux itself — send-keys, then capture until the key shows
    const tmux = (...args: string[]) => spawnSync('tmux', ['-S', paths.tmuxSocket, ...args], { encoding: 'utf8' });
    const target = tmux('list-sessions', '-F', '#{session_name}').stdout.split('\n').find((n) => n.includes('web-001')) ?? '';
    const viaTmux: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const ch = `${String.fromCharCode(97 + (i % 26))}${i}`;
      const t = performance.now();
      tmux('send-keys', '-t', target, '-l', ch);
      while (!tmux('capture-pane', '-p', '-t', target).stdout.includes(ch)) {
        if (performance.now() - t > 3000) throw new Error(`tmux never showed ${ch}`);
      }
      viaTmux.push(performance.now() - t);
    }
    log(`  ours: key over /ws/console → its echo back  ${describe(rtt)}`);
    log(`  baseline: tmux send-keys → capture-pane shows it  ${describe(viaTmux)}`);
    ctx.row('web terminal key → echo p50 (/ws/console)', p50(rtt), p50(viaTmux), 5);
  } finally {
    await browser.close().catch(() => undefined);
    blank.close();
    await ctx.stopDaemon(paths, client).catch(() => undefined);
    if (existsSync(paths.tmuxSocket)) spawnSync('tmux', ['-S', paths.tmuxSocket, 'kill-server'], { stdio: 'ignore' });
  }
}
