// The console server (src/daemon/console.ts) on its own: a real PTY (node-pty) running small
// shell commands in place of a backend's attach, behind a plain HTTP server, a stub session
// manager. What the whole-binary test cannot easily show: the PTY is sized by the first resize
// (80×24 without one), output is relayed in order and the exit code follows, closing the
// WebSocket ends the process, a client that stops reading is dropped (its PTY paused first, the
// daemon's memory bounded), and frames are parsed strictly.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConsoleServer, parseFrame, type ConsoleLimits } from '../../src/daemon/console.js';
import { ClauderonError } from '../../src/shared/errors.js';
import type { Session } from '../../src/shared/types.js';
import { waitFor } from '../helpers/wait.js';
import { processGone } from '../helpers/e2e.js';
import { startApi } from './api-fixture.js';

interface Fixture {
  port: number;
  consoles: ConsoleServer;
  logs: { msg: string; data?: Record<string, unknown> }[];
  close(): Promise<void>;
}

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function start(argv: string[], limits: Partial<ConsoleLimits> = {}, status = 'running'): Promise<Fixture> {
  const logs: Fixture['logs'] = [];
  const log = { info: (msg: string, data?: Record<string, unknown>) => logs.push({ msg, ...(data ? { data } : {}) }), warn: (msg: string, data?: Record<string, unknown>) => logs.push({ msg, ...(data ? { data } : {}) }), error: (msg: string, data?: Record<string, unknown>) => logs.push({ msg, ...(data ? { data } : {}) }) };
  const session = { id: 'id-1', name: 's1', status, backend: 'tmux' } as unknown as Session;
  const manager = {
    get: (n: string) => {
      if (n !== 's1' && n !== 'id-1') throw new ClauderonError('not_found', `no session ${n}`);
      return session;
    },
    attachCommand: () => Promise.resolve({ argv, detachHint: '', detachExitCodes: [], session }),
  };
  const consoles = new ConsoleServer({ manager, log, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, limits });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const name = ConsoleServer.nameOf((req.url ?? '').split('/').slice(1));
    if (name === null) return socket.destroy();
    consoles.upgrade(req, socket, head, name);
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
  return {
    port,
    consoles,
    logs,
    close: async () => {
      await consoles.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function client(port: number, name = 's1') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/console/${name}`);
  const frames: { type: string; data?: string; code?: number; message?: string }[] = [];
  let text = '';
  ws.on('message', (m: Buffer) => {
    const f = JSON.parse(m.toString()) as (typeof frames)[number];
    frames.push(f);
    if (f.type === 'output') text += Buffer.from(f.data ?? '', 'base64').toString();
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((r) => ws.on('open', () => r()));
  return { ws, frames, text: () => text, closed, opened };
}

const ptyPid = (f: Fixture): number => Number(f.logs.find((l) => l.msg === 'console opened')?.data?.pid ?? 0);

describe('console server', () => {
  it('sizes the PTY by the first resize (80×24 without one), relays output in order, then the exit code', async () => {
    // (the sleep: on Linux, output still unread when a PTY's last process exits can be lost — node-pty
    // issues #72/#726; an attach client's last bytes before it ends are nothing the user needs)
    fx = await start(['bash', '-c', 'stty size; for i in $(seq 1 2000); do echo "line $i"; done; sleep 0.5; exit 3']);
    const c = client(fx.port);
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'resize', rows: 33, cols: 77 }));
    expect(await c.closed).toBe(1000);
    expect(c.text()).toMatch(/^33 77\r\n/);
    const lines = c.text().split('\r\n').filter((l) => l.startsWith('line '));
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i + 1}`));
    expect(c.frames.at(-1)).toEqual({ type: 'exit', code: 3 });
    // small chunks were coalesced into fewer frames
    expect(c.frames.length).toBeLessThan(2000);

    const d = client(fx.port);
    expect(await d.closed).toBe(1000);
    expect(d.text()).toMatch(/^24 80\r\n/);
  });

  it('closing the WebSocket ends the attach process (SIGHUP), and only it', async () => {
    fx = await start(['sleep', '300']);
    const a = client(fx.port);
    const b = client(fx.port);
    await Promise.all([a.opened, b.opened]);
    await waitFor(() => fx && fx.logs.filter((l) => l.msg === 'console opened').length === 2, 'two PTYs');
    const [pa, pb] = fx.logs.filter((l) => l.msg === 'console opened').map((l) => Number(l.data?.pid));
    a.ws.close();
    await waitFor(() => processGone(pa ?? 0), 'a’s process gone');
    expect(processGone(pb ?? 0)).toBe(false);
    expect(fx.consoles.open).toBe(1);
    await fx.close();
    expect(await b.closed).toBe(1001);
    await waitFor(() => processGone(pb ?? 0), 'b’s process gone at close');
    fx = undefined;
  });

  it('drops a client that stops reading: its PTY paused, then the console closed, the process ended', async () => {
    fx = await start(['bash', '-c', 'exec yes 0123456789abcdef0123456789abcdef0123456789abcdef'], { highWater: 64 << 10, lowWater: 16 << 10, stallMs: 300 });
    // a raw client: the handshake, then it never reads again
    const sock = connect(fx.port, '127.0.0.1');
    sock.on('error', () => undefined);
    sock.write(`GET /ws/console/s1 HTTP/1.1\r\nHost: 127.0.0.1:${fx.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise<void>((r) => sock.once('data', () => r()));
    sock.pause();
    await waitFor(() => fx && ptyPid(fx) > 0, 'the PTY', 5_000);
    const pid = ptyPid(fx);
    await waitFor(() => fx?.logs.some((l) => l.msg === 'console dropped: its client stopped reading'), 'the drop', 20_000);
    expect(fx.consoles.open).toBe(0);
    await waitFor(() => processGone(pid), 'its process gone');
    sock.destroy();
  });

  it('refuses an unknown session (4404) and one that is not running (4409) with an error frame', async () => {
    fx = await start(['true'], {}, 'completed');
    const u = client(fx.port, 'nope');
    expect(await u.closed).toBe(4404);
    expect(u.frames).toEqual([{ type: 'error', message: 'no session nope' }]);
    const c = client(fx.port);
    expect(await c.closed).toBe(4409);
    expect(c.frames).toEqual([{ type: 'error', message: expect.stringMatching(/session s1 is completed: its agent has exited/) as string }]);
  });

  it('an attach command that is not there: an error frame saying so', async () => {
    fx = await start(['/nonexistent/attach-binary']);
    const c = client(fx.port);
    expect(await c.closed).toBe(4500);
    expect(c.frames).toEqual([{ type: 'error', message: 'cannot attach to s1: /nonexistent/attach-binary was not found' }]);
    await fx.close();
    fx = await start(['no-such-attach-tool']);
    const d = client(fx.port);
    expect(await d.closed).toBe(4500);
    expect(d.frames).toEqual([{ type: 'error', message: expect.stringContaining("no-such-attach-tool was not found on the daemon's PATH") as string }]);
  });

  it('sits behind the HTTP API’s gate: the token on a bind that needs auth, Host, Origin', async () => {
    // (::ffff:127.0.0.1 is loopback in truth, but not by the name the API checks: auth is required)
    const api = await startApi({ bind: '::ffff:127.0.0.1', token: 'tok-123' });
    try {
      const port = api.api.port;
      const open = (headers: Record<string, string>) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/console/nope`, { headers: { host: `[::ffff:127.0.0.1]:${port}`, ...headers } });
          ws.on('unexpected-response', (_q, res) => resolve(`HTTP ${res.statusCode ?? 0}`));
          ws.on('message', (m: Buffer) => resolve(m.toString()));
          ws.on('error', (e) => resolve(`error ${e.message}`));
        });
      expect(await open({})).toBe('HTTP 401');
      expect(await open({ authorization: 'Bearer wrong' })).toBe('HTTP 401');
      expect(await open({ authorization: 'Bearer tok-123', origin: 'http://evil.example' })).toBe('HTTP 403');
      expect(await open({ authorization: 'Bearer tok-123', host: `localhost:${port}` })).toBe('HTTP 421');
      // past the gate: the console itself answers (no such session)
      expect(JSON.parse(await open({ authorization: 'Bearer tok-123' }))).toEqual({ type: 'error', message: expect.stringContaining('nope') as string });
    } finally {
      await api.close();
    }
  });

  it('parses frames strictly', () => {
    const ok = (s: string) => parseFrame(Buffer.from(s), false);
    expect(ok('{"type":"input","data":"aGk="}')).toEqual({ ok: true, frame: { type: 'input', data: 'aGk=' } });
    expect(ok('{"type":"input","data":""}')).toEqual({ ok: true, frame: { type: 'input', data: '' } });
    expect(ok('{"type":"resize","rows":1,"cols":1000}')).toEqual({ ok: true, frame: { type: 'resize', rows: 1, cols: 1000 } });
    for (const bad of ['', 'null', '"input"', '{"type":"input","data":"aGk"}', '{"type":"input","data":"a b="}', '{"type":"resize","rows":1}', '{"type":"resize","rows":-1,"cols":5}', '{"type":"resize","rows":1e9,"cols":5}', '{"type":"__proto__"}']) {
      expect(ok(bad).ok, bad).toBe(false);
    }
    expect(parseFrame(Buffer.from('{"type":"input","data":""}'), true).ok).toBe(false);
  });
});
