// The HTTP API's limits, seen by real clients: a body over 1 MB gets a 413 the client actually
// reads (curl, with and without Expect: 100-continue, declared or chunked), a client that holds a
// connection without finishing its request is dropped within the server's timeouts, and a throw
// outside a handler's own error handling costs that connection only.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApi, type ApiFixture } from './api-fixture.js';

let fx: ApiFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

function curl(args: string[], input?: Buffer): Promise<{ code: number; status: string; body: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--max-time', '10', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 }, (e, stdout, stderr) => {
      const i = stdout.lastIndexOf('\n');
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, status: stdout.slice(i + 1), body: stdout.slice(0, i), stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** Bytes from a raw connection until the server closes it (or `ms` pass: then not `closed`). */
function rawUntilClosed(port: number, send: string, ms: number): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ got, closed: false });
    }, ms);
    s.on('data', (d: Buffer) => (got += d.toString('utf8')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ got, closed: true });
    });
    if (send) s.write(send);
  });
}

const big = Buffer.alloc(2 * 1024 * 1024, 'a');

describe('HTTP API limits', () => {
  it('a 2 MB body gets a 413 JSON answer that curl reads: declared, with Expect: 100-continue, chunked', async () => {
    fx = await startApi();
    const url = `http://127.0.0.1:${fx.api.port}/api/sessions`;
    for (const extra of [[], ['-H', 'Expect:'], ['-H', 'Transfer-Encoding: chunked'], ['-H', 'Expect:', '-H', 'Transfer-Encoding: chunked']]) {
      const r = await curl(['-H', 'content-type: application/json', '--data-binary', '@-', ...extra, url], big);
      expect(r.status, `${extra.join(' ')}: ${r.stderr}`).toBe('413');
      expect(JSON.parse(r.body), extra.join(' ')).toEqual({ error: { code: 'invalid_input', message: expect.stringContaining('over the limit of 1048576 bytes') as string } });
    }
    // the hooks endpoint has the same limit
    const hook = await curl(['-H', 'content-type: application/json', '--data-binary', '@-', `http://127.0.0.1:${fx.api.port}/api/hooks?session=x`], big);
    expect(hook.status).toBe('413');
    // and the API still answers
    expect((await curl([`http://127.0.0.1:${fx.api.port}/api/status`])).status).toBe('200');
  });

  it('drops a connection that sends nothing, or never finishes its headers or its body, within the timeouts', async () => {
    fx = await startApi({ timeouts: { headersTimeout: 400, requestTimeout: 800, connectionsCheckingInterval: 100 } });
    const port = fx.api.port;
    const [idle, headers, body] = await Promise.all([
      rawUntilClosed(port, '', 5_000),
      rawUntilClosed(port, `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `, 5_000),
      rawUntilClosed(port, `POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"repoPath":`, 5_000),
    ]);
    // closed by the server (its 400 / 800 ms timeouts), not left open until our 5 s deadline
    for (const [what, r] of [['idle', idle], ['headers', headers], ['body', body]] as const) expect(r.closed, what).toBe(true);
    expect(headers.got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a throw outside a handler’s own error handling (the WebSocket hello) is logged and costs that connection only', async () => {
    let fail = true;
    fx = await startApi({}, () => {
      if (fail) throw new Error('status exploded');
      return { ok: true };
    });
    const url = `ws://127.0.0.1:${fx.api.port}/ws/events`;
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on('error', () => undefined);
      ws.on('close', (code) => resolve(code));
      setTimeout(() => {
        ws.terminate();
        resolve(-1); // left hanging
      }, 5_000);
    });
    expect(closed).toBe(1006); // terminated, no hello
    expect(fx.errors.join('\n')).toContain('unhandled error in a request handler (bug)');
    expect(fx.errors.join('\n')).toContain('status exploded');
    fail = false;
    const hello = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('message', (d: Buffer) => {
        resolve(d.toString('utf8'));
        ws.terminate();
      });
      ws.once('error', reject);
    });
    expect(JSON.parse(hello)).toEqual({ type: 'hello', ok: true });
  });
});
