// The web UI's live terminal, /ws/console/:name, against the built binary's daemon, real tmux and
// the fake agent (it prints a banner, then echoes its input through `cat`): output arrives, typed
// keys reach the agent and come back, a resize reaches the pane, two consoles watch one session,
// closing one (or the daemon stopping) leaves the agent running, bad frames get error frames, an
// archived session is refused, and the PTY's environment holds no credential. Then a real
// chromium page of another origin tries to open it (refused) beside one of the daemon's origin
// (opened). The same through the zellij double and a real Docker engine's `docker attach`.
// Prints the key → echo round trip (p50 of 50 keys over loopback); no timing assertions.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { Session } from '../../src/shared/types.js';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker } from '../../fixtures/docker/test-image.js';
import { launchChromium, SKIP_BROWSER } from '../helpers/browser.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';

let env: Env;
const SECRET = 'ghp_console_test_secret_0123456789';

type Frame = { type: 'output'; data: string } | { type: 'exit'; code: number } | { type: 'error'; message: string };

/** A console client: every frame kept, the output decoded as one string. */
class Client {
  static port = 0;
  readonly frames: Frame[] = [];
  text = '';
  closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(name: string, opts: { origin?: string; host?: string } = {}) {
    const headers: Record<string, string> = opts.host ? { host: opts.host } : {};
    this.ws = new WebSocket(`ws://127.0.0.1:${Client.port}/ws/console/${encodeURIComponent(name)}`, { headers, ...(opts.origin ? { origin: opts.origin } : {}) });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode ?? 0}`)));
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (m: Buffer) => {
      const f = JSON.parse(m.toString()) as Frame;
      this.frames.push(f);
      if (f.type === 'output') this.text += Buffer.from(f.data, 'base64').toString('utf8');
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  sendBinary(b: Buffer): void {
    this.ws.send(b, { binary: true });
  }

  type(text: string): void {
    this.send({ type: 'input', data: Buffer.from(text).toString('base64') });
  }

  async waitText(re: RegExp, what: string): Promise<void> {
    await waitFor(() => re.test(this.text), `${what} (got ${JSON.stringify(this.text.slice(-300))})`);
  }

  errors(): string[] {
    return this.frames.flatMap((f) => (f.type === 'error' ? [f.message] : []));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

const pane = (name: string, what: string) => env.tmux('display', '-p', '-t', `=${name}:`, what).stdout.trim();
const clients = (name: string) => env.tmux('list-clients', '-t', `=${name}`, '-F', '#{client_pid}').stdout.trim().split('\n').filter(Boolean).map(Number);
const show = (name: string) => env.json<Session>(['show', name]);

describe('/ws/console/:name (real daemon, real tmux)', () => {
  beforeAll(() => {
    env = makeEnv();
    Client.port = env.httpPort;
    // the daemon starts with a credential in its environment: the PTY must not get it
    const r = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'hi', '--name', 'con'], { env: { GITHUB_TOKEN: SECRET } });
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);
  afterAll(() => env?.cleanup());

  it('shows the agent’s screen, sized by the first resize; typed keys reach the agent and echo back; a resize reaches the pane', async () => {
    const c = new Client('con');
    await c.opened;
    c.send({ type: 'resize', rows: 30, cols: 91 });
    await c.waitText(/FAKE-AGENT session: con/, 'the fake agent’s banner');
    await waitFor(() => pane('con', '#{pane_width}') === '91', 'the pane at the first resize’s width');
    c.type('hello-console\r');
    // the line discipline's echo, then cat's copy: the agent read it
    await c.waitText(/hello-console[^]*hello-console/, 'the agent’s echo');
    await waitFor(() => (env.tmux('capture-pane', '-p', '-t', '=con:').stdout.match(/hello-console/g) ?? []).length === 2, 'the typed line twice in the pane');
    c.send({ type: 'resize', rows: 25, cols: 120 });
    await waitFor(() => pane('con', '#{pane_width}') === '120', 'the pane at the new width');
    // the PTY's environment: the daemon's scrubbed one (no credential), a terminal type
    const [pid] = clients('con');
    const environ = readFileSync(`/proc/${pid ?? 0}/environ`, 'utf8').split('\0');
    expect(environ).toContain('TERM=xterm-256color');
    expect(environ.join('\n')).not.toContain(SECRET);
    expect(environ.some((e) => e.startsWith('GITHUB_TOKEN='))).toBe(false);
    await c.close();
    await waitFor(() => clients('con').length === 0, 'the tmux client gone');
  });

  it('two consoles at once both see output; closing one leaves the other and the agent running', async () => {
    const a = new Client('con');
    const b = new Client('con');
    await Promise.all([a.opened, b.opened]);
    await a.waitText(/FAKE-AGENT/, 'a’s screen');
    await b.waitText(/FAKE-AGENT/, 'b’s screen');
    await waitFor(() => clients('con').length === 2, 'two tmux clients');
    a.type('both-see-this\r');
    await a.waitText(/both-see-this/, 'a sees its input');
    await b.waitText(/both-see-this/, 'b sees a’s input');
    expect((await a.close()).code).toBe(1005);
    await waitFor(() => clients('con').length === 1, 'only b’s tmux client left');
    b.type('still-here\r');
    await b.waitText(/still-here/, 'b still works');
    await b.close();
    await waitFor(() => clients('con').length === 0, 'no tmux client');
    // the session and its agent are untouched
    expect(env.tmux('has-session', '-t', '=con').code).toBe(0);
    expect(show('con').status).toBe('running');
    expect(pane('con', '#{pane_dead}')).toBe('0');
  });

  it('answers bad frames with error frames and nothing else happens', async () => {
    const c = new Client('con');
    await c.opened;
    c.send({ type: 'resize', rows: 24, cols: 100 });
    await c.waitText(/FAKE-AGENT/, 'the screen');
    await waitFor(() => pane('con', '#{pane_width}') === '100', 'width 100');
    const bad: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /unknown frame type/],
      [{ type: 'launch' }, /unknown frame type "launch"/],
      [{ data: 'eA==' }, /unknown frame type null/],
      [{ type: 'input', data: 'not base64!' }, /bad input frame: data: data must be base64/],
      [{ type: 'input' }, /bad input frame: data/],
      [{ type: 'input', data: 'eA==', extra: 1 }, /unknown key "extra"/],
      [{ type: 'resize', rows: 0, cols: 80 }, /rows: an integer from 1 to 1000/],
      [{ type: 'resize', rows: 24, cols: 1001 }, /cols: an integer from 1 to 1000/],
      [{ type: 'resize', rows: 24.5, cols: 80 }, /rows: an integer/],
      [{ type: 'resize', rows: '24', cols: 80 }, /rows: an integer/],
    ];
    for (const [frame] of bad) c.send(frame);
    c.sendBinary(Buffer.from('x\r'));
    await waitFor(() => c.errors().length === bad.length + 1, 'an error frame for each bad frame');
    bad.forEach(([frame, re], i) => expect(c.errors()[i], JSON.stringify(frame)).toMatch(re));
    expect(c.errors()[bad.length]).toMatch(/binary frames are not accepted/);
    // nothing happened: same size, nothing typed, and the console still works
    expect(pane('con', '#{pane_width}')).toBe('100');
    expect(c.text).not.toMatch(/\bx\r\n/);
    c.type('after-bad\r');
    await c.waitText(/after-bad/, 'input after the bad frames');
    await c.close();
  });

  it('refuses an unknown session and an archived one with an error frame; a console sees its agent end', async () => {
    const unknown = new Client('no-such-session');
    await unknown.opened;
    expect(await unknown.closed).toEqual({ code: 4404, reason: 'no such session' });
    expect(unknown.errors()).toEqual([expect.stringMatching(/no-such-session/)]);

    expect(env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'x', '--name', 'arch']).code).toBe(0);
    const c = new Client('arch');
    await c.opened;
    await c.waitText(/FAKE-AGENT session: arch/, 'arch’s screen');
    expect(env.run(['archive', 'arch']).code).toBe(0);
    // tmux ended the client: the attach process's exit, then a normal close
    expect((await c.closed).code).toBe(1000);
    expect(c.frames.at(-1)).toMatchObject({ type: 'exit', code: expect.any(Number) as number });

    const again = new Client('arch');
    await again.opened;
    expect((await again.closed).code).toBe(4409);
    expect(again.errors()).toEqual([expect.stringMatching(/session arch is archived — unarchive it/)]);
  });

  it('the HTTP gate: another Origin (403), a foreign Host (421)', async () => {
    await expect(new Client('con', { origin: 'http://evil.example' }).opened).rejects.toThrow('HTTP 403');
    await expect(new Client('con', { origin: 'null' }).opened).rejects.toThrow('HTTP 403');
    await expect(new Client('con', { host: `rebind.test:${env.httpPort}` }).opened).rejects.toThrow('HTTP 421');
    const own = new Client('con', { origin: `http://127.0.0.1:${env.httpPort}` });
    await own.opened;
    await own.waitText(/FAKE-AGENT/, 'the screen for the daemon’s own origin');
    await own.close();
    await waitFor(() => clients('con').length === 0, 'its tmux client gone once the socket closed'); // (the pty's exit follows the close)
  });

  it('measures the key → echo round trip (p50 of 50 keys)', async () => {
    const c = new Client('con');
    await c.opened;
    c.send({ type: 'resize', rows: 24, cols: 80 });
    await c.waitText(/FAKE-AGENT/, 'the screen');
    await waitFor(() => pane('con', '#{pane_width}') === '80', 'width 80');
    // (a quiet moment: tmux's redraw after the resize is done)
    await new Promise((r) => setTimeout(r, 200));
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const key = String.fromCharCode(97 + (i % 26));
      const before = c.frames.length;
      const t0 = performance.now();
      c.type(key);
      await waitFor(
        () => c.frames.slice(before).some((f) => f.type === 'output' && Buffer.from(f.data, 'base64').toString().includes(key)),
        `the echo of ${key}`,
      );
      times.push(performance.now() - t0);
    }
    c.type('\r');
    times.sort((x, y) => x - y);
    const p = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2);
    console.log(`console key → echo round trip over loopback, 50 keys: p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${p(1)} ms`);
    expect(times).toHaveLength(50);
    await c.close();
  });

  describe.skipIf(SKIP_BROWSER)('in a real browser (chromium)', () => {
    let browser: Browser | undefined;
    let other: Server | undefined;
    let otherPort = 0;
    beforeAll(async () => {
      other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title><p>another origin'));
      otherPort = await new Promise<number>((r) => other?.listen(0, '127.0.0.1', () => r((other?.address() as { port: number }).port)));
      browser = await launchChromium(['attacker.test']);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      other?.close();
    });

    /** In the page: open the console, type a marker; what the page could see. */
    const attempt = (url: string) => `new Promise((resolve) => {
      let opened = false; let seen = '';
      const ws = new WebSocket(${JSON.stringify(url)});
      ws.onopen = () => { opened = true; ws.send(JSON.stringify({ type: 'input', data: btoa('pwned-from-page\\r') })); };
      ws.onmessage = (m) => { const f = JSON.parse(m.data); if (f.type === 'output') seen += atob(f.data); if (seen.includes('FAKE-AGENT')) { ws.close(); resolve('read: ' + seen.length); } };
      ws.onerror = ws.onclose = (e) => resolve(opened ? 'opened' : 'refused ' + (e.code ?? ''));
      setTimeout(() => resolve(opened ? 'opened' : 'timeout'), 5000);
    })`;

    it('a page of another origin cannot open the console; a page of the daemon’s own origin can', async () => {
      const url = `ws://127.0.0.1:${env.httpPort}/ws/console/con`;
      const context = await (browser as Browser).newContext();
      const page = await context.newPage();
      for (const origin of [`http://127.0.0.1:${otherPort}`, `http://attacker.test:${otherPort}`]) {
        await page.goto(`${origin}/`);
        expect(await page.title()).toBe('elsewhere');
        expect(await page.evaluate<string>(attempt(url)), origin).toMatch(/^refused/);
      }
      expect(clients('con')).toEqual([]);
      expect(env.tmux('capture-pane', '-p', '-t', '=con:').stdout).not.toContain('pwned-from-page');
      // the control: the same script on a page of the daemon's origin opens it and reads the screen
      await page.goto(`http://127.0.0.1:${env.httpPort}/api/status`);
      expect(await page.evaluate<string>(attempt(url))).toMatch(/^read: \d+/);
      await context.close();
      await waitFor(() => clients('con').length === 0, 'the page’s console closed with its page');
      expect(show('con').status).toBe('running');
    });
  });

  it('daemon stop closes every console (1001) and leaves the session running', async () => {
    const c = new Client('con');
    await c.opened;
    await c.waitText(/FAKE-AGENT/, 'the screen');
    await waitFor(() => clients('con').length === 1, 'its tmux client');
    expect(env.run(['daemon', 'stop']).code).toBe(0);
    expect((await c.closed).code).toBe(1001);
    await waitFor(() => clients('con').length === 0, 'its tmux client gone');
    expect(env.tmux('has-session', '-t', '=con').code).toBe(0);
    expect(pane('con', '#{pane_dead}')).toBe('0');
  });
});

describe('/ws/console/:name on a zellij session (the double in fixtures/)', () => {
  let zenv: Env | undefined;
  afterAll(() => zenv?.cleanup());

  it('zellij attach in a PTY: the screen, typed keys echoed, closing leaves the session running', async () => {
    zenv = makeEnv({ zellij: true });
    const r = zenv.run(['create', '--backend', 'zellij', '--repo', zenv.repo, '--prompt', 'p', '--name', 'zcon']);
    expect(r.code, r.stderr).toBe(0);
    Client.port = zenv.httpPort;
    try {
      const c = new Client('zcon');
      await c.opened;
      c.send({ type: 'resize', rows: 24, cols: 100 });
      await c.waitText(/FAKE-AGENT session: zcon/, 'the agent’s screen');
      c.type('hello-zellij\r');
      await c.waitText(/hello-zellij[^]*hello-zellij/, 'the agent’s echo');
      expect((await c.close()).code).toBe(1005);
      expect(zenv.json<Session>(['show', 'zcon']).status).toBe('running');
      expect(zenv.run(['output', 'zcon']).stdout).toContain('hello-zellij');
    } finally {
      Client.port = env.httpPort;
    }
  });
});

describe.skipIf(!(dockerAvailable() || shouldRequireDocker()))('/ws/console/:name on a Docker session (real engine)', () => {
  let denv: Env | undefined;
  const D = dockerBinary();
  afterAll(() => {
    if (denv) for (const id of spawnSync(D, ['ps', '-aq', '--filter', `label=clauderon.home=${denv.home}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync(D, ['rm', '-f', id]);
    denv?.cleanup();
  });

  it('docker attach in a PTY: typed lines reach the agent, the size follows the resize, closing leaves the container running', async () => {
    const images = await ensureTestImages();
    denv = makeEnv();
    // an agent that answers each line with its terminal's size
    const agent = ['bash', '-c', 'echo READY; while read -r l; do echo "got $l at $(stty size)"; done', 'agent'];
    writeFileSync(join(denv.home, 'config.toml'), `${denv.portConfig}[docker]\nimage = "${images.full}"\nnetwork = "host"\n[agents.claude]\ncommand = ${JSON.stringify(agent)}\n`);
    const r = denv.run(['create', '--backend', 'docker', '--repo', denv.repo, '--prompt', 'p', '--name', 'dbox']);
    expect(r.code, r.stderr).toBe(0);
    Client.port = denv.httpPort;
    onTestFinished(() => {
      Client.port = env.httpPort;
    });
    const c = new Client('dbox');
    await c.opened;
    c.send({ type: 'resize', rows: 31, cols: 97 });
    // (docker attach shows what comes after it attached: poke until the agent answers)
    await waitFor(() => (c.type('ping\r'), /got ping at 31 97/.test(c.text)), `the agent's answer (got ${JSON.stringify(c.text.slice(-200))})`, 20_000);
    c.send({ type: 'resize', rows: 40, cols: 132 });
    await waitFor(() => (c.type('again\r'), /got again at 40 132/.test(c.text)), 'the answer at the new size', 20_000);
    await c.close();
    await waitFor(() => !spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.includes('attach') && l.includes('clauderon-dbox')), 'the docker attach process gone');
    expect(spawnSync(D, ['inspect', '-f', '{{.State.Running}}', 'clauderon-dbox'], { encoding: 'utf8' }).stdout.trim()).toBe('true');
    expect(denv.json<Session>(['show', 'dbox']).status).toBe('running');
  }, 60_000);
});
