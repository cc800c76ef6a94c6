// `exec` into a pod's container over the Kubernetes WebSocket stream protocol, with backpressure
// both ways. client-node's own Exec sends stdin as fast as it is read and writes stdout without
// waiting for the reader, so a git bundle or a tar archive of tens of MB would sit in memory; the
// relay's link (one exec carrying every connection of the agent) needs a stream that keeps pace.
// Frames: one channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, 255 close in
// v5.channel.k8s.io) then the payload. Authentication is the kubeconfig's, applied by client-node.
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { ClauderonError } from '../../shared/errors.js';

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecStream {
  /** What the command writes on stdout. */
  stdout: Readable;
  /** What it writes on stderr (kept, bounded, for error messages). */
  stderrText(): string;
  /** The command's stdin; end() closes it (v5), or the whole stream (older protocols). */
  stdin: Writable;
  /** Its exit status (0 on success), once it ended; rejects when the stream broke first. */
  exit: Promise<number>;
  /** Set the TTY's size (attach). */
  resize(cols: number, rows: number): void;
  close(): void;
}

const STDERR_KEEP = 16 * 1024;
/** Stop reading from stdin while this much is queued on the socket. */
const HIGH_WATER = 1 << 20;

export async function execStream(kc: KubeConfig, t: ExecTarget, command: readonly string[], o: { stdin?: boolean; attach?: boolean } = {}): Promise<ExecStream> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClauderonError('backend', 'the kubeconfig has no current cluster');
  // attach: the container's own TTY (stdout only; stderr is not separate on a TTY)
  const q = o.attach
    ? new URLSearchParams({ container: t.container, stdout: 'true', stdin: o.stdin ? 'true' : 'false', tty: 'true' })
    : new URLSearchParams({ container: t.container, stdout: 'true', stderr: 'true', stdin: o.stdin ? 'true' : 'false', tty: 'false' });
  for (const c of command) q.append('command', c);
  const url = `${cluster.server.replace(/^http/, 'ws').replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.pod)}/${o.attach ? 'attach' : 'exec'}?${q.toString()}`;
  const opts: WebSocket.ClientOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], opts);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(new ClauderonError('backend', `exec in ${t.namespace}/${t.pod}: ${statusMessage(body) ?? `HTTP ${res.statusCode ?? '?'}`}`)));
    });
    ws.once('error', (e) => reject(new ClauderonError('backend', `exec in ${t.namespace}/${t.pod}: ${e.message}`)));
  });
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const stdout = new PassThrough({ highWaterMark: HIGH_WATER });
  let stderr = '';
  let status: unknown = null;
  const exit = new Promise<number>((resolve, reject) => {
    ws.on('close', () => {
      stdout.end();
      if (status === null) return reject(new ClauderonError('backend', `exec in ${t.namespace}/${t.pod} ended without a status${stderr ? `: ${stderr.trim()}` : ''}`));
      resolve(exitCodeOf(status));
    });
    ws.on('error', (e) => reject(new ClauderonError('backend', `exec in ${t.namespace}/${t.pod}: ${e.message}`)));
  });
  exit.catch(() => undefined); // (a caller that only reads stdout still learns through it)
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const ch = buf[0];
    const payload = buf.subarray(1);
    if (ch === 1) {
      if (!stdout.write(payload)) {
        ws.pause();
        stdout.once('drain', () => ws.resume());
      }
    } else if (ch === 2) {
      if (stderr.length < STDERR_KEEP) stderr += payload.toString('utf8');
    } else if (ch === 3) {
      try {
        status = JSON.parse(payload.toString('utf8'));
      } catch {
        status = { status: 'Failure', message: payload.toString('utf8') };
      }
    }
  });
  const stdin = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb(new Error('the exec stream is closed'));
      ws.send(Buffer.concat([Buffer.from([0]), chunk]), (err) => {
        if (err) return cb(err);
        // the socket's own queue bounds what is in flight
        if (ws.bufferedAmount < HIGH_WATER) return cb();
        const wait = () => (ws.bufferedAmount < HIGH_WATER || ws.readyState !== WebSocket.OPEN ? cb() : setTimeout(wait, 5));
        wait();
      });
    },
    final(cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb();
      if (v5) ws.send(Buffer.from([255, 0]), () => cb());
      else cb(); // (v4 cannot close stdin alone: the command must end by itself)
    },
  });
  stdin.on('error', () => undefined);
  const resize = (cols: number, rows: number) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: cols, Height: rows }))]));
  };
  return { stdout, stdin, exit, stderrText: () => stderr, resize, close: () => ws.terminate() };
}

/** Run a command to its end, with `input` on its stdin; its stdout collected (bounded) or piped to `sink`. */
export async function execRun(
  kc: KubeConfig,
  t: ExecTarget,
  command: readonly string[],
  o: { input?: Readable | Buffer | string; sink?: Writable; maxOutput?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const s = await execStream(kc, t, command, { stdin: o.input !== undefined });
  const chunks: Buffer[] = [];
  let size = 0;
  const max = o.maxOutput ?? 4 << 20;
  const collected = new Promise<void>((resolve, reject) => {
    if (o.sink) {
      s.stdout.pipe(o.sink);
      o.sink.on('finish', resolve);
      o.sink.on('error', reject);
      return;
    }
    s.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= max) chunks.push(d);
    });
    s.stdout.on('end', resolve);
  });
  if (o.input !== undefined) {
    if (typeof o.input === 'string' || Buffer.isBuffer(o.input)) s.stdin.end(o.input);
    else o.input.pipe(s.stdin);
  }
  const code = await s.exit;
  await collected;
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr: s.stderrText() };
}

function exitCodeOf(status: unknown): number {
  const st = status as { status?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } } | null;
  if (st?.status === 'Success') return 0;
  const cause = st?.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  return 1;
}

function statusMessage(body: string): string | null {
  try {
    const s = JSON.parse(body) as { message?: unknown };
    return typeof s.message === 'string' ? s.message : null;
  } catch {
    return body.trim() || null;
  }
}
