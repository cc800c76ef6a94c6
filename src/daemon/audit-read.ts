// sessions.audit: a session's lines of audit.jsonl, newest first, read backwards from the end of
// the file in chunks (bounded: at most SCAN_MAX bytes are read however large the file has grown),
// so the answer costs the same for a fresh file and a year-old one. A session's lines are those
// with its name written since it was created (a deleted session of the same name is not it).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AuditEntry } from '../shared/events.js';
import type { Session } from '../shared/types.js';

const CHUNK = 64 * 1024;
/** How much of the file's end is read at most. */
const SCAN_MAX = 32 * 1024 * 1024;

function parse(line: string): AuditEntry | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && typeof (v as AuditEntry).session === 'string' && typeof (v as AuditEntry).ts === 'string' ? (v as AuditEntry) : null;
  } catch {
    return null; // a line cut by a crash
  }
}

/** The session's last `limit` audit lines, newest first ([] when there is no audit file yet). */
export function readSessionAudit(file: string, s: Pick<Session, 'name' | 'createdAt'>, limit: number): AuditEntry[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: AuditEntry[] = [];
  try {
    const size = fstatSync(fd).size;
    const stop = Math.max(0, size - SCAN_MAX);
    let pos = size;
    let rest = Buffer.alloc(0); // the start of a line whose beginning is not read yet
    // (names are JSON strings: a quick byte test before parsing)
    const needle = Buffer.from(`"session":${JSON.stringify(s.name)}`);
    const take = (line: Buffer): boolean => {
      if (line.length === 0 || !line.includes(needle)) return false;
      const e = parse(line.toString('utf8'));
      if (!e || e.session !== s.name) return false;
      if (e.ts < s.createdAt) return true; // older than the session: nothing before it is its
      out.push(e);
      return out.length >= limit;
    };
    while (pos > stop) {
      const len = Math.min(CHUNK, pos - stop);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      let data = Buffer.concat([buf, rest]);
      let nl = data.lastIndexOf(10);
      while (nl >= 0) {
        if (take(data.subarray(nl + 1))) return out;
        data = data.subarray(0, nl);
        nl = data.lastIndexOf(10);
      }
      rest = Buffer.from(data);
    }
    if (stop === 0) take(rest);
    return out;
  } finally {
    closeSync(fd);
  }
}
