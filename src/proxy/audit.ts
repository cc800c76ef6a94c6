// audit.jsonl (0600): one JSON line per proxied request — allowed, blocked or failed. It never
// holds a token, cookie or proxy credential: only the credential's NAME, a path whose query
// values are redacted, and, as a second line of defence, any known secret value is scrubbed.
import { createWriteStream, type WriteStream } from 'node:fs';
import { ensurePrivateFile } from '../config/paths.js';
import type { AuditEntry } from '../shared/events.js';

/** One line of audit.jsonl (the type is shared: the daemon pushes each line as a `proxy.audit` event). */
export type AuditRecord = AuditEntry;

/** Where a session's proxy writes its lines (an AuditLog, or a wrapper that also reports them). */
export interface AuditSink {
  write(rec: AuditRecord): unknown;
}

/** Keep the path and the query's parameter names; drop every value. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const names = path
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((p) => `${p.split('=')[0] ?? ''}=…`);
  return `${path.slice(0, q)}?${names.join('&')}`;
}

/**
 * What the audit keeps of a request target the proxy could not parse (a refused CONNECT, a bad
 * absolute URL): the host part only — no userinfo, path, query or fragment, no control bytes,
 * bounded — since a malformed target can carry a token anywhere.
 */
export function auditTarget(raw: string): string {
  // eslint-disable-next-line no-control-regex
  let t = raw.replace(/[\u0000-\u001f\u007f]/g, '');
  t = t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''); // a scheme
  t = t.slice(t.lastIndexOf('@') + 1); // userinfo
  const cut = t.search(/[/?#\\\s]/);
  if (cut >= 0) t = t.slice(0, cut);
  return t.length > 120 ? `${t.slice(0, 120)}…` : t;
}

export class AuditLog {
  private readonly out: WriteStream;

  /** `secrets()` returns the real values to scrub (read at each write: rotation-safe). */
  constructor(
    file: string,
    private readonly secrets: () => readonly string[],
  ) {
    ensurePrivateFile(file);
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => undefined);
  }

  /** Write one line; returns the entry exactly as written (redacted, scrubbed). */
  write(rec: AuditRecord): AuditRecord {
    let line = JSON.stringify({ ...rec, path: redactPath(rec.path) });
    let scrubbed = false;
    for (const s of this.secrets()) {
      if (s.length >= 4 && line.includes(s)) {
        line = line.split(s).join('[secret]');
        scrubbed = true;
      }
    }
    this.out.write(`${line}\n`);
    return scrubbed ? (JSON.parse(line) as AuditRecord) : { ...rec, path: redactPath(rec.path) };
  }

  /** Resolves once every line written so far is in the file (a reader then sees them all). */
  flushed(): Promise<void> {
    if (this.out.writableLength === 0 || this.out.destroyed || this.out.writableEnded) return Promise.resolve();
    return new Promise((r) => this.out.write('', () => r()));
  }

  close(): Promise<void> {
    return new Promise((r) => this.out.end(r));
  }
}
