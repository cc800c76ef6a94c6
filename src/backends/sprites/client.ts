// The Sprites API (api.sprites.dev) as this backend uses it: REST for the sprites themselves, their
// checkpoints and network policy, and exec over WebSocket for everything that runs inside one. Node
// 20 has no global WebSocket client and Fly's own SDK (@fly/sprites) needs Node 24, so this speaks
// the documented API with node's fetch and `ws`. The token goes only in the Authorization header
// to the API URL, never into a sprite. Endpoints, bodies and framing, and where each was read:
// fixtures/sprites/server.ts's header (the double holds to the same list).
import { PassThrough, Writable, type Readable } from 'node:stream';
import WebSocket from 'ws';
import { ClauderonError } from '../../shared/errors.js';

export interface Sprite {
  id: string;
  name: string;
  /** Documented values: cold, warm, running. */
  status: string;
}

export interface NetworkRule {
  domain?: string;
  action?: 'allow' | 'deny';
  include?: string;
}

/** Non-TTY exec frames: the first byte names the stream (the SDK's StreamID). */
export const STREAM = { stdin: 0, stdout: 1, stderr: 2, exit: 3, stdinEof: 4 } as const;

export interface SpriteExec {
  stdout: Readable;
  stderrText(): string;
  /** The command's stdin (when opened with stdin); end() sends the stdin-EOF frame. */
  stdin: Writable;
  /** Its exit code, once it ended; rejects when the stream broke before saying. */
  exit: Promise<number>;
  close(): void;
}

const STDERR_KEEP = 16 * 1024;
/** A REST call with no answer in this long fails (a checkpoint included: the double's take ~1 s). */
const REST_TIMEOUT_MS = 120_000;
/** An exec's WebSocket that does not open in this long fails. */
const HANDSHAKE_TIMEOUT_MS = 30_000;
const HIGH_WATER = 1 << 20;

function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300);
}

export class SpritesClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REST_TIMEOUT_MS),
      });
    } catch (e) {
      const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${REST_TIMEOUT_MS / 1000} s` : e instanceof Error ? e.message : String(e);
      throw new ClauderonError('backend', `cannot reach the Sprites API at ${this.baseUrl}: ${why}`);
    }
    const text = await res.text();
    if (res.status === 401) throw new ClauderonError('backend', 'the Sprites API refused the token (401): set SPRITE_TOKEN to a valid token (sprites.dev/account, or `sprite org auth`)');
    return { status: res.status, text };
  }

  private async json<T>(method: string, path: string, body: unknown, what: string, missingOk = false): Promise<T | null> {
    const r = await this.call(method, path, body);
    if (r.status === 404 && missingOk) return null;
    if (r.status < 200 || r.status > 299) throw new ClauderonError('backend', `${what}: Sprites API ${r.status}: ${errorText(r.text)}`);
    return r.text.trim() === '' ? ({} as T) : (JSON.parse(r.text) as T);
  }

  async create(name: string): Promise<Sprite> {
    const s = await this.json<Sprite>('POST', '/v1/sprites', { name, wait_for_capacity: true, url_settings: { auth: 'sprite' } }, `creating sprite ${name}`);
    return s as Sprite;
  }

  get(name: string): Promise<Sprite | null> {
    return this.json<Sprite>('GET', `/v1/sprites/${encodeURIComponent(name)}`, undefined, `reading sprite ${name}`, true);
  }

  /** Idempotent: a sprite already gone is fine. */
  async destroy(name: string): Promise<void> {
    await this.json('DELETE', `/v1/sprites/${encodeURIComponent(name)}`, undefined, `destroying sprite ${name}`, true);
  }

  /** Every sprite whose name starts with `prefix` (all pages). */
  async list(prefix: string): Promise<Sprite[]> {
    const out: Sprite[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const q = new URLSearchParams({ prefix, max_results: '50', ...(token ? { continuation_token: token } : {}) });
      const r = await this.json<{ sprites?: Sprite[]; has_more?: boolean; next_continuation_token?: string }>('GET', `/v1/sprites?${q.toString()}`, undefined, 'listing sprites');
      out.push(...(r?.sprites ?? []));
      if (!r?.has_more || !r.next_continuation_token) break;
      token = r.next_continuation_token;
    }
    return out;
  }

  async setNetworkPolicy(name: string, rules: NetworkRule[]): Promise<void> {
    await this.json('POST', `/v1/sprites/${encodeURIComponent(name)}/policy/network`, { rules }, `setting sprite ${name}'s network policy`);
  }

  /** A checkpoint (NDJSON progress; an `error` event fails it). */
  async checkpoint(name: string, comment: string): Promise<void> {
    const r = await this.call('POST', `/v1/sprites/${encodeURIComponent(name)}/checkpoint`, { comment });
    if (r.status !== 200) throw new ClauderonError('backend', `checkpointing sprite ${name}: Sprites API ${r.status}: ${errorText(r.text)}`);
    for (const line of r.text.split('\n')) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as { type?: string; error?: string };
      if (ev.type === 'error') throw new ClauderonError('backend', `checkpointing sprite ${name}: ${ev.error ?? 'failed'}`);
    }
  }

  /** Run `cmd` in the sprite (non-TTY), streams wired with backpressure. `env` replaces the sprite's default environment when given. */
  async exec(name: string, cmd: readonly string[], o: { stdin?: boolean; env?: Record<string, string>; maxRunAfterDisconnect?: string } = {}): Promise<SpriteExec> {
    const q = new URLSearchParams();
    for (const c of cmd) q.append('cmd', c);
    q.set('tty', 'false');
    q.set('stdin', o.stdin ? 'true' : 'false');
    if (o.maxRunAfterDisconnect) q.set('max_run_after_disconnect', o.maxRunAfterDisconnect);
    for (const [k, v] of Object.entries(o.env ?? {})) q.append('env', `${k}=${v}`);
    const url = `${this.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/sprites/${encodeURIComponent(name)}/exec?${q.toString()}`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.token}` }, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          reject(
            res.statusCode === 401
              ? new ClauderonError('backend', 'the Sprites API refused the token (401): set SPRITE_TOKEN to a valid token')
              : new ClauderonError('backend', `exec in sprite ${name}: Sprites API ${res.statusCode ?? '?'}: ${errorText(body)}`),
          ),
        );
      });
      ws.once('error', (e) => reject(new ClauderonError('backend', `exec in sprite ${name}: ${e.message}`)));
    });
    const stdout = new PassThrough({ highWaterMark: HIGH_WATER });
    let stderr = '';
    let code: number | null = null;
    let exited: (code: number) => void = () => undefined;
    stdout.on('drain', () => ws.resume());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!isBinary || buf.length === 0) return; // text frames (notifications) carry nothing we need
      const id = buf[0];
      const payload = buf.subarray(1);
      if (code !== null) return; // nothing comes after EXIT (stdout is ended)
      if (id === STREAM.stdout) {
        if (!stdout.write(payload)) ws.pause();
      } else if (id === STREAM.stderr) stderr = (stderr + payload.toString('utf8')).slice(-STDERR_KEEP);
      else if (id === STREAM.exit) {
        // the command ended: what it wrote came before this frame. The server would hold the stream
        // open ~5 s more before closing it (so the SDK closes it here too).
        code = payload[0] ?? 0;
        stdout.end();
        exited(code);
        ws.close(1000);
      }
    });
    const exit = new Promise<number>((resolve, reject) => {
      exited = resolve;
      ws.once('close', () => {
        stdout.end();
        if (code === null) reject(new ClauderonError('backend', `exec in sprite ${name}: the stream closed before the command's exit${stderr.trim() ? `: ${stderr.trim().slice(-300)}` : ''}`));
      });
    });
    exit.catch(() => undefined);
    const stdin = new Writable({
      highWaterMark: HIGH_WATER,
      write(chunk: Buffer, _enc, cb) {
        if (code !== null) return cb(); // the command ended: what it did not read goes nowhere (as a pipe's reader exiting)
        if (ws.readyState !== ws.OPEN) return cb(new Error('the exec stream is closed'));
        ws.send(Buffer.concat([Buffer.from([STREAM.stdin]), chunk]), (e) => cb(e ?? null));
      },
      final(cb) {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.from([STREAM.stdinEof]), () => cb());
        else cb();
      },
    });
    return { stdout, stderrText: () => stderr, stdin, exit, close: () => ws.close() };
  }

  /** exec, collecting stdout (bounded) and stderr; stdin from `input` when given. */
  async run(name: string, cmd: readonly string[], o: { input?: Readable | Buffer; maxOutput?: number; sink?: Writable; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const ex = await this.exec(name, cmd, { stdin: o.input !== undefined, env: o.env });
    let timedOut = false;
    const timer = o.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          ex.close();
        }, o.timeoutMs)
      : null;
    let out = '';
    const max = o.maxOutput ?? 1 << 20;
    if (o.sink) ex.stdout.pipe(o.sink);
    else ex.stdout.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(0, max)));
    if (o.input !== undefined) {
      if (Buffer.isBuffer(o.input)) ex.stdin.end(o.input);
      else o.input.pipe(ex.stdin);
    }
    const code = await ex.exit
      .catch((e: unknown) => {
        throw timedOut ? new ClauderonError('backend', `exec in sprite ${name}: no exit within ${(o.timeoutMs ?? 0) / 1000} s`) : e;
      })
      .finally(() => timer && clearTimeout(timer));
    if (o.sink) await new Promise<void>((r) => (o.sink?.writableFinished ? r() : o.sink?.once('finish', () => r())));
    return { code, stdout: out, stderr: ex.stderrText() };
  }
}
