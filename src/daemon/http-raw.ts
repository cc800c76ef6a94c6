// Routes whose body is raw bytes rather than JSON (the operations table's `raw`: sessions.upload's
// image). The gate is http-guard.ts's for everything else — Host, Origin, Sec-Fetch-Site, then the
// sign-in — and these two stand in for its JSON rules on such a route only: the declared length
// against the route's own limit before anything is read, and the Content-Type must be one the
// route names (which no cross-origin page can send without a preflight, never approved: the same
// defence as application/json), checked once the caller is known and before the body is read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawBody } from '../protocol/operations.js';
import { awaitingContinue, httpError, type HttpError } from './http-guard.js';

/** Before the sign-in is asked for: only a declared length over the route's limit (413). */
export function checkRawLength(req: IncomingMessage, raw: RawBody): HttpError | null {
  const declared = Number(req.headers['content-length'] ?? 0);
  return declared > raw.limit ? httpError(413, 'invalid_input', `request body of ${declared} bytes is over the limit of ${raw.limit} bytes`) : null;
}

/** The Content-Type, when it is one of the route's (415 otherwise, naming those accepted). */
export function rawType(req: IncomingMessage, raw: RawBody): string {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!raw.types.includes(type)) {
    const got = req.headers['content-type'] === undefined ? 'none' : JSON.stringify(req.headers['content-type'].slice(0, 100));
    throw httpError(415, 'invalid_input', `${req.method ?? 'POST'} ${req.url?.split('?')[0] ?? ''} takes the raw bytes of an image with Content-Type ${raw.types.join(', ')} (got ${got}): nothing was written`);
  }
  return type;
}

/** The whole body, at most `limit` bytes (413 over it, 400 when cut off). */
export function readRaw(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(httpError(413, 'invalid_input', `request body of ${declared} bytes is over the limit of ${limit} bytes`));
  if (awaitingContinue.has(req)) {
    awaitingContinue.delete(req);
    res.writeContinue();
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done(); // the rest is drained by sendJson after the 413 is out
        reject(httpError(413, 'invalid_input', `request body over the limit of ${limit} bytes: nothing was written`));
        return;
      }
      parts.push(c);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(parts));
    };
    const onError = (e: Error) => {
      done();
      reject(httpError(400, 'invalid_input', `the request body could not be read: ${e.message}`));
    };
    const onClose = () => {
      done();
      reject(httpError(400, 'invalid_input', 'the client closed the connection before the body was complete'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
