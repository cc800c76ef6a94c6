// The parts of relaying HTTP that both of a session proxy's paths share (requests inside an
// intercepted tunnel, and plaintext absolute-form requests): which headers are the connection's
// own, how an upstream's answer is handed on — or refused when it cannot be (an upstream may send
// any status line at all: Node's writeHead throws on `000`, and that must never reach the process)
// — and how the proxy answers by itself.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Headers of one connection, never forwarded (RFC 9110 §7.6.1), plus the proxy's own auth. */
const HOP_BY_HOP = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

export function endToEndHeaders(h: IncomingHttpHeaders, drop: readonly string[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k) && !drop.includes(k)) out[k] = v;
  return out;
}

/**
 * Hand an upstream response to the client. Only a status an HTTP/1.1 client can be given is
 * relayed; when the head cannot be written, nothing is, the upstream response is dropped, and the
 * reason returned (the caller answers 502).
 */
export function relayResponse(upRes: IncomingMessage, res: ServerResponse, flush: boolean): { status: number } | { invalid: string } {
  upRes.on('error', () => res.destroy());
  const code = upRes.statusCode;
  try {
    if (code === undefined || !Number.isInteger(code) || code < 200 || code > 599) throw new Error(`invalid status ${String(code)}`);
    res.writeHead(code, endToEndHeaders(upRes.headers));
  } catch (e) {
    upRes.destroy();
    return { invalid: e instanceof Error ? e.message : String(e) };
  }
  if (flush) res.flushHeaders(); // SSE: the client sees the stream start at once
  upRes.pipe(res);
  return { status: code };
}

/** A JSON error the agent's client can show: Anthropic-, OpenAI- and Google-style readers all find `error.message`. */
export function sendJson(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'error', error: { type: 'clauderon_proxy', message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-clauderon-blocked': '1' }).end(body);
}

/** Read a request body up to `limit` bytes; null when it is larger. */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', () => resolve(null));
  });
}
