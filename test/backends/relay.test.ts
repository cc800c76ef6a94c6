// The in-pod relay (src/backends/relay/relay.mjs) and its daemon end (link.ts), run for real: the
// relay is a child process whose stdin/stdout are the channel, exactly as under `kubectl exec`,
// and the targets are loopback servers started here (a plain HTTP server, a CONNECT proxy in front
// of an HTTPS server, byte sinks and sources). curl and Node's fetch play the agent.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as frames from '../../src/backends/relay/frames.js';
import { startRelayLink, type RelayLink, type RelayTarget } from '../../src/backends/relay/link.js';
import { relayScriptPath, relayScriptSource } from '../../src/backends/relay/script.js';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker } from '../../fixtures/docker/test-image.js';
import { makeTestPki } from '../../fixtures/upstreams/test-ca.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

// ---- harness ---------------------------------------------------------------------------------------

interface Relay {
  child: ChildProcess;
  link: RelayLink;
  listening: Record<string, string>;
  port(name: string): number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

function spawnRelay(listen: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; stderr: () => string; exited: Relay['exited'] } {
  const child = spawn(process.execPath, [relayScriptPath(), ...listen.flatMap((l) => ['--listen', l])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exited };
}

async function startRelay(
  listen: string[],
  targets: Record<string, RelayTarget | null>,
  opts?: Parameters<typeof startRelayLink>[2],
): Promise<Relay> {
  const { child, stderr, exited } = spawnRelay(listen);
  const link = startRelayLink({ input: child.stdout!, output: child.stdin! }, (name) => targets[name] ?? null, opts);
  const { listening } = await link.ready;
  return {
    child,
    link,
    listening,
    stderr,
    exited,
    port: (name) => Number(/:(\d+)$/.exec(listening[name] ?? '')?.[1]),
  };
}

async function serve(server: net.Server): Promise<RelayTarget> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(s));
    sockets.push(s);
    s.once('error', reject);
  });
}

const sha = (b: Buffer | Buffer[]): string => {
  const h = createHash('sha256');
  for (const part of Array.isArray(b) ? b : [b]) h.update(part);
  return h.digest('hex');
};

/** Reads a socket to its end: hash and length of what arrived. */
function drain(s: net.Socket): Promise<{ hash: string; length: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let length = 0;
    s.on('data', (d: Buffer) => {
      h.update(d);
      length += d.length;
    });
    s.once('end', () => resolve({ hash: h.digest('hex'), length }));
    s.once('error', reject);
    s.once('close', () => reject(new Error(`connection closed before its end, after ${length} bytes`)));
  });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

// ---- targets shared by the tests ------------------------------------------------------------------

let plain: RelayTarget; // HTTP: echoes method, url and body hash
let connectProxy: RelayTarget; // a CONNECT proxy, as the session proxy is
let httpsTarget: RelayTarget;
let caFile: string;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'relay-test-'));
  plain = await serve(
    http.createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (d: Buffer) => body.push(d));
      req.on('end', () => res.end(`${req.method} ${req.url} ${sha(body)}`));
    }),
  );
  const pki = makeTestPki(['localhost']);
  caFile = join(tmp, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  httpsTarget = await serve(https.createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => res.end(`tls ok ${req.url}`)));
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  connectProxy = await serve(proxy);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---- tests -----------------------------------------------------------------------------------------

describe('relay frame codec', () => {
  interface MjsCodec {
    T: Record<string, number>;
    encodeFrame(type: number, id: number, payload?: Uint8Array): Buffer;
    FrameDecoder: new () => { push(chunk: Buffer, onFrame: (f: frames.Frame) => void): void };
    STREAM_WINDOW: number;
    MAX_PAYLOAD: number;
    MAX_STREAMS: number;
    HEADER_BYTES: number;
    PROTOCOL_VERSION: number;
  }
  const load = async (): Promise<MjsCodec> => (await import(pathToFileURL(relayScriptPath()).href)) as MjsCodec;

  it('relay.mjs and frames.ts agree on constants, encoding and decoding', async () => {
    const mjs = await load();
    expect(mjs.T).toEqual(frames.FrameType);
    expect([mjs.STREAM_WINDOW, mjs.MAX_PAYLOAD, mjs.MAX_STREAMS, mjs.HEADER_BYTES, mjs.PROTOCOL_VERSION]).toEqual([
      frames.STREAM_WINDOW,
      frames.MAX_PAYLOAD,
      frames.MAX_STREAMS,
      frames.HEADER_BYTES,
      frames.PROTOCOL_VERSION,
    ]);
    const sample: [frames.FrameTypeCode, number, Buffer | undefined][] = [
      [frames.FrameType.HELLO, 0, Buffer.from('{"relay":"clauderon"}')],
      [frames.FrameType.OPEN, 1, Buffer.from('proxy')],
      [frames.FrameType.DATA, 0xfffffffe, randomBytes(frames.MAX_PAYLOAD)],
      [frames.FrameType.END, 7, undefined],
      [frames.FrameType.ACK, 7, Buffer.from([0, 1, 0, 0])],
      [frames.FrameType.RESET, 9, undefined],
      [frames.FrameType.PING, 0, Buffer.from('x')],
    ];
    const tsBytes = Buffer.concat(sample.map(([t, id, p]) => frames.encodeFrame(t, id, p)));
    const mjsBytes = Buffer.concat(sample.map(([t, id, p]) => mjs.encodeFrame(t, id, p)));
    expect(mjsBytes.equals(tsBytes)).toBe(true);

    // each decoder reads the other's bytes, cut at awkward places
    for (const Decoder of [frames.FrameDecoder, mjs.FrameDecoder]) {
      const got: frames.Frame[] = [];
      const d = new Decoder();
      for (let at = 0; at < tsBytes.length; ) {
        const n = 1 + ((at * 7919) % 9000);
        d.push(tsBytes.subarray(at, at + n), (f) => got.push({ ...f, payload: Buffer.from(f.payload) }));
        at += n;
      }
      expect(got.map((f) => [f.type, f.id, sha(f.payload)])).toEqual(sample.map(([t, id, p]) => [t, id, sha(p ?? Buffer.alloc(0))]));
    }
  });

  it('both decoders refuse garbage at once, before buffering a payload', async () => {
    const mjs = await load();
    const huge = Buffer.alloc(9);
    huge.writeUInt8(frames.FrameType.DATA, 0);
    huge.writeUInt32BE(1, 1);
    huge.writeUInt32BE(0xffffffff, 5);
    for (const bad of [Buffer.from('sh: node: not found\n'), huge, frames.encodeFrame(frames.FrameType.ACK, 1, Buffer.from('xx'))]) {
      expect(() => new frames.FrameDecoder().push(bad, () => {})).toThrow(frames.FrameError);
      expect(() => new mjs.FrameDecoder().push(bad, () => {})).toThrow(/frame/i);
    }
  });

  it('relayScriptSource is the relay program', () => {
    const src = relayScriptSource();
    expect(src).toContain('clauderon-relay');
    expect(src).not.toMatch(/^import .* from '(?!node:)/m); // node built-ins only
  });
});

describe('relay through a real child process', () => {
  it('carries curl and fetch to a plain HTTP target and curl through a CONNECT proxy to HTTPS', async () => {
    const relay = await startRelay(['proxy=127.0.0.1:0', 'hooks=127.0.0.1:0'], { proxy: connectProxy, hooks: plain });
    expect(Object.keys(relay.listening).sort()).toEqual(['hooks', 'proxy']);

    const direct = await run('curl', ['-sS', '--max-time', '10', '--data-binary', 'hello', `http://127.0.0.1:${relay.port('hooks')}/hook?x=1`]);
    expect(direct.stdout).toBe(`POST /hook?x=1 ${sha(Buffer.from('hello'))}`);

    const tls = await run('curl', [
      '-sS', '--max-time', '10', '--cacert', caFile,
      '--proxy', `http://127.0.0.1:${relay.port('proxy')}`,
      `https://127.0.0.1:${httpsTarget.port}/secret`,
    ]);
    expect(tls.stdout).toBe('tls ok /secret');

    const res = await fetch(`http://127.0.0.1:${relay.port('hooks')}/fetched`, { method: 'PUT', body: 'abc' });
    expect(await res.text()).toBe(`PUT /fetched ${sha(Buffer.from('abc'))}`);

    expect(relay.link.stats().total).toBeGreaterThanOrEqual(3);
    relay.link.close();
    expect((await relay.exited).code).toBe(0);
  });

  it('moves 20 parallel connections × 5 MiB both ways intact', async () => {
    const block = randomBytes(5 * MiB);
    const serverSent = new Set<string>();
    const serverGot = new Set<string>();
    const source = await serve(
      net.createServer({ allowHalfOpen: true }, (s) => {
        const mine = [randomBytes(32), block];
        serverSent.add(sha(mine));
        for (const part of mine) s.write(part);
        s.end();
        void drain(s).then((r) => serverGot.add(`${r.hash}:${r.length}`));
      }),
    );
    const relay = await startRelay(['bulk=127.0.0.1:0'], { bulk: source });
    const clientSent = new Set<string>();
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const s = await connect(relay.port('bulk'));
        const mine = [randomBytes(32), block];
        clientSent.add(`${sha(mine)}:${32 + block.length}`);
        const got = drain(s);
        for (const part of mine) s.write(part);
        s.end();
        return got;
      }),
    );
    expect(new Set(results.map((r) => r.hash))).toEqual(serverSent);
    expect(results.every((r) => r.length === 32 + block.length)).toBe(true);
    await waitFor(() => serverGot.size === 20, 'the target to receive every upload');
    expect(serverGot).toEqual(clientSent);
    const stats = relay.link.stats();
    expect(stats.bytesIn).toBe(20 * (32 + block.length));
    expect(stats.bytesOut).toBe(20 * (32 + block.length));
    relay.link.close();
    await relay.exited;
  });

  it('a target that reads nothing holds bounded memory on both ends and does not stall other streams', async () => {
    const stalled: net.Socket[] = [];
    let sunk = 0;
    const sink = await serve(
      net.createServer((s) => {
        s.pause();
        stalled.push(s);
        s.on('data', (d: Buffer) => (sunk += d.length));
      }),
    );
    const echo = await serve(net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s)));
    const relay = await startRelay(['sink=127.0.0.1:0', 'echo=127.0.0.1:0'], { sink, echo });
    const pid = relay.child.pid!;
    const rssBefore = rssBytes(pid);

    const total = 50 * MiB;
    const chunk = randomBytes(MiB);
    const client = await connect(relay.port('sink'));
    let offered = 0;
    const writer = (async () => {
      while (offered < total && !client.destroyed) {
        offered += chunk.length;
        if (!client.write(chunk)) await new Promise((r) => client.once('drain', r));
      }
    })();

    // wait until the client can hand over nothing more (progress stops): the stall reached it
    let last = -1;
    let still = 0;
    await waitFor(() => {
      still = offered === last ? still + 1 : 0;
      last = offered;
      return still >= 20;
    }, 'the stalled upload to stop advancing', 30_000);
    const stalledAt = offered;
    expect(stalledAt).toBeLessThan(total);

    const linkBuffered = relay.link.stats().buffered;
    const rssGrowth = rssBytes(pid) - rssBefore;
    expect(linkBuffered).toBeLessThanOrEqual(frames.STREAM_WINDOW + 2 * frames.MAX_PAYLOAD);
    expect(rssGrowth).toBeLessThan(64 * MiB);

    // another stream flows meanwhile
    const other = await connect(relay.port('echo'));
    const payload = randomBytes(5 * MiB);
    const echoed = drain(other);
    other.end(payload);
    expect(await echoed).toEqual({ hash: sha(payload), length: payload.length });

    // and the stalled one completes once its target reads again
    for (const s of stalled) s.resume();
    await writer;
    await waitFor(() => sunk === total, 'the sink to receive all 50 MiB', 30_000);
    relay.link.close();
    await relay.exited;
    console.log(`backpressure: client stalled after ${stalledAt / MiB} MiB offered; link buffered ${linkBuffered} B; relay RSS +${(rssGrowth / MiB).toFixed(1)} MiB`);
  });

  it('a client that reads nothing stalls its download without the relay buffering it', async () => {
    const total = 50 * MiB;
    const chunk = randomBytes(MiB);
    let offered = 0;
    const source = await serve(
      net.createServer((s) => {
        s.on('error', () => {});
        void (async () => {
          while (offered < total && !s.destroyed) {
            offered += chunk.length;
            if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
          }
          s.end();
        })();
      }),
    );
    const relay = await startRelay(['src=127.0.0.1:0'], { src: source });
    const rssBefore = rssBytes(relay.child.pid!);
    const client = await connect(relay.port('src'));
    client.pause();
    let last = -1;
    let still = 0;
    await waitFor(() => {
      still = offered === last && offered > 0 ? still + 1 : 0;
      last = offered;
      return still >= 20;
    }, 'the stalled download to stop advancing', 30_000);
    const stalledAt = offered;
    expect(stalledAt).toBeLessThan(total);
    expect(relay.link.stats().buffered).toBeLessThanOrEqual(frames.MAX_PAYLOAD * 2);
    expect(rssBytes(relay.child.pid!) - rssBefore).toBeLessThan(64 * MiB);
    const got = drain(client);
    client.resume();
    expect((await got).length).toBe(total);
    relay.link.close();
    await relay.exited;
  });

  it('half-close: a client that ends its side still gets the whole response', async () => {
    const response = randomBytes(3 * MiB);
    const target = await serve(
      net.createServer({ allowHalfOpen: true }, (s) => {
        void drain(s).then((r) => {
          s.write(`${r.hash}:${r.length}\n`);
          s.end(response);
        });
      }),
    );
    const relay = await startRelay(['t=127.0.0.1:0'], { t: target });
    const request = randomBytes(MiB + 17);
    const s = await connect(relay.port('t'));
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((resolve, reject) => {
      s.once('end', resolve);
      s.once('close', () => reject(new Error('connection closed without the whole response')));
    });
    s.end(request);
    await ended;
    const all = Buffer.concat(chunks);
    const nl = all.indexOf(10);
    expect(all.subarray(0, nl).toString()).toBe(`${sha(request)}:${request.length}`);
    expect(all.subarray(nl + 1).equals(response)).toBe(true);
    await waitFor(() => relay.link.stats().open === 0, 'the stream to close');
    relay.link.close();
    await relay.exited;
  });

  it('a target that resolves to null, or refuses, closes the client connection at once', async () => {
    const refused = await serve(net.createServer());
    await new Promise((r) => servers.pop()!.close(r)); // nothing listens there any more
    const relay = await startRelay(['none=127.0.0.1:0', 'dead=127.0.0.1:0'], { none: null, dead: refused });
    for (const name of ['none', 'dead']) {
      const s = await connect(relay.port(name));
      s.on('error', () => {});
      const closed = new Promise((r) => s.once('close', r));
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      expect(s.destroyed).toBe(true);
    }
    await waitFor(() => relay.link.stats().open === 0, 'no streams left');
    relay.link.close();
    await relay.exited;
  });

  it('when the channel ends the relay exits 0 and frees its ports; a new relay binds them (retrying while busy) and works', async () => {
    const first = await startRelay(['hooks=127.0.0.1:0'], { hooks: plain });
    const port = first.port('hooks');
    const open = await connect(port);
    // (allowHalfOpen: the relay's exit shows as 'end', or as 'close' on a reset)
    const openClosed = new Promise((r) => {
      open.once('end', r);
      open.once('close', r);
    });
    open.on('error', () => {});

    // the next relay starts while the first still holds the port: it must retry, not fail
    const next = spawnRelay([`hooks=127.0.0.1:${port}`]);
    const nextLink = startRelayLink({ input: next.child.stdout!, output: next.child.stdin! }, () => plain);
    await waitFor(() => next.stderr().includes('is in use; retrying'), 'the second relay to find the port busy');
    first.link.close();
    expect((await first.exited).code).toBe(0);
    await openClosed; // its carried connection went with it
    expect(await first.link.closed).toEqual({ reason: 'closed by the daemon' });

    const { listening } = await nextLink.ready;
    expect(listening.hooks).toBe(`127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/again`);
    expect(await res.text()).toBe(`GET /again ${sha([])}`);

    // the relay dying ends the link on the daemon side too
    next.child.kill('SIGKILL');
    expect((await nextLink.closed).reason).toMatch(/relay channel (ended|closed)/);
  });

  it('refuses connections beyond MAX_STREAMS and takes new ones once some close', async () => {
    const held: net.Socket[] = [];
    const holder = await serve(net.createServer((s) => held.push(s)));
    const relay = await startRelay(['h=127.0.0.1:0'], { h: holder });
    const clients = await Promise.all(Array.from({ length: frames.MAX_STREAMS }, () => connect(relay.port('h'))));
    await waitFor(() => relay.link.stats().open === frames.MAX_STREAMS && held.length === frames.MAX_STREAMS, 'every stream to open');
    // (the relay may reset it before or after the connect completes: either way it closes)
    const extra = net.connect(relay.port('h'), '127.0.0.1');
    extra.on('error', () => {});
    await new Promise((r) => extra.once('close', r));
    expect(relay.stderr()).toMatch(/refusing a connection on h: 1024 already open/);
    expect(relay.link.stats().open).toBe(frames.MAX_STREAMS);

    clients[0]!.destroy();
    await waitFor(() => relay.link.stats().open < frames.MAX_STREAMS, 'a stream to close');
    // (the relay frees the slot when the close reaches it, a moment after the link side: a
    // connection refused in between is retried, as a client would)
    await waitFor(async () => {
      const again = net.connect(relay.port('h'), '127.0.0.1', () => again.write('ping'));
      again.on('error', () => {});
      await new Promise((r) => setTimeout(r, 100));
      return relay.link.stats().total === frames.MAX_STREAMS + 1;
    }, 'the new connection to be carried');
    for (const s of held) s.destroy();
    relay.link.close();
    await relay.exited;
  });

  it('keepalive: the relay answers PINGs; a silent channel ends the link', async () => {
    // (an interval a loaded CI machine keeps: the link gives up after 3 silent ones)
    const relay = await startRelay(['a=127.0.0.1:0'], {}, { pingIntervalMs: 250 });
    let pongs = 0;
    const tap = new frames.FrameDecoder();
    relay.child.stdout!.on('data', (d: Buffer) => tap.push(d, (f) => (pongs += f.type === frames.FrameType.PONG ? 1 : 0)));
    let ended = false;
    void relay.link.closed.then(() => (ended = true));
    // well past 3 intervals of nothing but keepalives
    await waitFor(() => pongs >= 5, 'five PONGs');
    expect(ended).toBe(false);
    relay.link.close();
    await relay.exited;

    const input = new PassThrough();
    const link = startRelayLink({ input, output: new PassThrough() }, () => null, { pingIntervalMs: 20 });
    input.write(frames.encodeFrame(frames.FrameType.HELLO, 0, Buffer.from(JSON.stringify({ relay: 'clauderon', v: 1, listening: {} }))));
    await link.ready;
    expect((await link.closed).reason).toMatch(/the relay stopped answering keepalives/);
  });

  it('a port that stays busy: exit 2 with a clear stderr line', async () => {
    const busy = await serve(net.createServer());
    // (the 10 s a relay waits for its predecessor, shortened: the message and the exit are the same)
    const r = spawnRelay([`proxy=127.0.0.1:${busy.port}`], { ...process.env, CLAUDERON_RELAY_BIND_WAIT_MS: '1500' });
    const { code } = await r.exited;
    expect(code).toBe(2);
    expect(r.stderr()).toMatch(new RegExp(`cannot listen for proxy on 127\\.0\\.0\\.1:${busy.port}: address still in use after 1.5 s`));
  }, 30_000);

  it('garbage on the channel: the relay exits non-zero with a stderr line; the link ends with a reason', async () => {
    // daemon → relay direction
    const r = spawnRelay(['a=127.0.0.1:0']);
    r.child.stdin!.write('GET / HTTP/1.1\r\n\r\n');
    const { code } = await r.exited;
    expect(code).toBe(3);
    expect(r.stderr()).toMatch(/protocol error on the channel: unknown frame type/);

    // relay → daemon direction, before the HELLO (what a shell's error would look like)
    const early = new PassThrough();
    const earlyLink = startRelayLink({ input: early, output: new PassThrough() }, () => null);
    early.write('sh: 1: node: not found\n');
    await expect(earlyLink.ready).rejects.toThrow(/the relay did not start: the channel carried "sh: 1: node: not found\." instead of its HELLO/);
    expect((await earlyLink.closed).reason).toMatch(/did not start/);

    // after the HELLO
    const input = new PassThrough();
    const output = new PassThrough();
    const link = startRelayLink({ input, output }, () => null);
    input.write(frames.encodeFrame(frames.FrameType.HELLO, 0, Buffer.from(JSON.stringify({ relay: 'clauderon', v: 1, listening: { a: '127.0.0.1:1' } }))));
    expect(await link.ready).toEqual({ listening: { a: '127.0.0.1:1' } });
    const huge = Buffer.alloc(9, 0xff);
    input.write(huge);
    expect((await link.closed).reason).toMatch(/^protocol error on the relay channel: unknown frame type 0xff/);
    expect(output.writableEnded).toBe(true);

    // a stream overrunning its window is garbage too (a peer ignoring flow control)
    const input2 = new PassThrough();
    const sinkTarget = await serve(net.createServer((s) => s.pause()));
    const link2 = startRelayLink({ input: input2, output: new PassThrough() }, () => sinkTarget);
    input2.write(frames.encodeFrame(frames.FrameType.HELLO, 0, Buffer.from(JSON.stringify({ relay: 'clauderon', v: 1, listening: {} }))));
    input2.write(frames.encodeFrame(frames.FrameType.OPEN, 1, Buffer.from('x')));
    const big = randomBytes(frames.MAX_PAYLOAD);
    for (let i = 0; i <= frames.STREAM_WINDOW / frames.MAX_PAYLOAD; i++) input2.write(frames.encodeFrame(frames.FrameType.DATA, 1, big));
    expect((await link2.closed).reason).toMatch(/stream 1 overran its window/);
  });
});

// The real shape of the thing: a container with no network at all (`--network none`, as a pod with
// no route to the daemon), the relay delivered as a ConfigMap-style symlinked file and run through
// `docker exec -i` (an exec stream, as kubectl exec is), the agent's curl inside the container.
describe.skipIf(!dockerAvailable() && !shouldRequireDocker())('relay inside a container, over docker exec (needs Docker)', () => {
  const docker = dockerBinary();
  const name = `clauderon-relay-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const inCtr = (...cmd: string[]) => run(docker, ['exec', name, ...cmd], { timeout: 20_000 });

  beforeAll(async () => {
    const images = await ensureTestImages();
    // ConfigMap volume layout: relay.mjs -> ..data/relay.mjs, ..data -> ..<timestamp>/
    const cm = join(tmp, 'cm');
    mkdirSync(join(cm, '..2026_12_01_00_00_00.000'), { recursive: true });
    writeFileSync(join(cm, '..2026_12_01_00_00_00.000', 'relay.mjs'), relayScriptSource());
    symlinkSync('..2026_12_01_00_00_00.000', join(cm, '..data'));
    symlinkSync('..data/relay.mjs', join(cm, 'relay.mjs'));
    await run(docker, [
      'run', '-d', '--name', name, '--label', 'clauderon.test=relay', '--network', 'none',
      '-v', `${cm}:/etc/clauderon:ro`, '-v', `${caFile}:/ca.pem:ro`, images.full, 'sleep', 'infinity',
    ]);
  }, 600_000);

  afterAll(async () => {
    await run(docker, ['rm', '-f', name]).catch(() => {});
  });

  function execRelay(): { child: ChildProcess; link: RelayLink; exited: Promise<number | null> } {
    const child = spawn(
      docker,
      ['exec', '-i', name, 'node', '/etc/clauderon/relay.mjs', '--listen', 'proxy=127.0.0.1:18080', '--listen', 'hooks=127.0.0.1:18081'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    children.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const link = startRelayLink({ input: child.stdout, output: child.stdin }, (n) => (n === 'proxy' ? connectProxy : n === 'hooks' ? plain : null));
    return { child, link, exited };
  }

  it('carries the agent\'s HTTPS (CONNECT) and hook traffic out of a network-less container', async () => {
    // without the relay the container cannot reach the daemon's loopback at all
    await expect(inCtr('curl', '-sS', '--max-time', '3', `http://127.0.0.1:${plain.port}/`)).rejects.toThrow();

    const first = execRelay();
    expect((await first.link.ready).listening).toEqual({ proxy: '127.0.0.1:18080', hooks: '127.0.0.1:18081' });
    const tls = await inCtr('curl', '-sS', '--max-time', '10', '--cacert', '/ca.pem', '--proxy', 'http://127.0.0.1:18080', `https://127.0.0.1:${httpsTarget.port}/in-pod`);
    expect(tls.stdout).toBe('tls ok /in-pod');
    const up = await inCtr('sh', '-c', 'head -c 5000000 /dev/urandom > /tmp/b && sha256sum < /tmp/b | cut -d" " -f1 && curl -sS --max-time 20 --data-binary @/tmp/b http://127.0.0.1:18081/up');
    const [localHash, reply] = up.stdout.split('\n');
    expect(reply).toBe(`POST /up ${localHash}`);

    // the daemon goes away: the in-container relay exits 0 and a new exec can take the same ports
    first.link.close();
    expect(await first.exited).toBe(0);
    const second = execRelay();
    await second.link.ready;
    const again = await inCtr('curl', '-sS', '--max-time', '10', 'http://127.0.0.1:18081/again');
    expect(again.stdout).toBe(`GET /again ${sha([])}`);
    second.link.close();
    expect(await second.exited).toBe(0);
  });
});
