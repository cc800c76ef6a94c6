// An agent's transcript (Claude Code's JSONL), read for `GET /api/sessions/:id/history`. Where it
// is comes partly from the agent (a hook's transcript_path), and the agent may be hostile: a path
// to a FIFO would block a synchronous read — and with it the whole daemon — and a path (or a
// symlink) to any other file would hand its content out. So a transcript is read only when it is a
// regular `*.jsonl` file inside one of the places Claude Code keeps transcripts, opened without
// blocking or following a final symlink, checked again through the open descriptor, and read
// asynchronously, at most its last MAX_TRANSCRIPT_BYTES.
import { constants } from 'node:fs';
import { open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, posix, relative } from 'node:path';
import type { AgentSpec } from '../agents/spec.js';

/** At most this much of a transcript is read: its tail (the newest lines). */
export const MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024;


export interface Transcript {
  lines: unknown[];
  /** Bytes left out at the start (the file was larger than the bound); 0 when read whole. */
  omittedBytes: number;
}

export interface TranscriptRoot {
  dir: string;
  /** The agent controls this directory's tree: its real path must stay inside this one's. */
  within?: string;
}

/**
 * The directories a session's transcripts may live in, as its agent's spec names them: for an agent
 * on the host, the daemon user's (e.g. ~/.claude/projects) and the worktree's; for an agent in a
 * container, only the worktree's (its home is the worktree) — it never gets to name the host's.
 */
export function transcriptRoots(agent: AgentSpec, worktreePath: string, o: { container?: boolean; env?: NodeJS.ProcessEnv; configHome?: string } = {}): TranscriptRoot[] {
  const t = agent.transcripts;
  if (!t) return [];
  const roots: TranscriptRoot[] = o.container ? [] : t.dirs(homedir(), o.env ?? process.env).map((dir) => ({ dir }));
  // (a symlink the agent made to elsewhere in place of its directory is no root at all)
  if (t.homeDir) roots.push({ dir: join(worktreePath, t.homeDir), within: worktreePath });
  if (t.configDir && o.configHome) roots.push({ dir: join(o.configHome, t.configDir), within: o.configHome });
  return roots;
}

/** The most directories and entries looked at for the newest transcript (an agent makes the tree). */
const NEWEST_MAX_DEPTH = 5;
const NEWEST_MAX_ENTRIES = 5000;

/** The newest regular `*.jsonl` below `root` (Codex: sessions/YYYY/MM/DD/rollout-….jsonl), bounded; symlinks are not followed. */
async function newestJsonl(root: string): Promise<string | null> {
  let best: { file: string; mtime: number } | null = null;
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > NEWEST_MAX_DEPTH || seen > NEWEST_MAX_ENTRIES) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (++seen > NEWEST_MAX_ENTRIES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.jsonl')) {
        const st = await stat(p).catch(() => null);
        if (st && (!best || st.mtimeMs > best.mtime)) best = { file: p, mtime: st.mtimeMs };
      }
    }
  };
  await walk(root, 0);
  return (best as { file: string } | null)?.file ?? null;
}

/** Real paths of the roots that exist (and stay where they must). */
async function realRoots(roots: readonly TranscriptRoot[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    const real = await realpath(r.dir).catch(() => null);
    if (real === null) continue;
    if (r.within !== undefined) {
      const within = await realpath(r.within).catch(() => null);
      if (within === null || !inside(real, within)) continue;
    }
    out.push(real);
  }
  return out;
}

/**
 * The session's transcript: the file its hooks named (a container's workspace path maps to the
 * worktree), else `<root>/<project>/<session id>.jsonl` in one of `roots`; null when none is there
 * or none may be read.
 */
export async function readTranscript(o: {
  sessionId: string;
  worktreePath: string;
  /** The path its hooks reported, if any. */
  hinted: string | null;
  /** Where the worktree appears to the agent when not at its host path (a container's /workspace), else null. */
  workspace: string | null;
  roots: readonly TranscriptRoot[];
  /** How the session's file is found (its agent's spec; default by session id). */
  find?: 'session-id' | 'newest';
}): Promise<Transcript | null> {
  const roots = await realRoots(o.roots);
  if (roots.length === 0) return null;
  for (const file of await candidates(o, roots)) {
    const t = await readConfined(file, roots);
    if (t) return t;
  }
  return null;
}

/** Where the transcript may be, in order: the hinted file, then `<root>/<project>/<session id>.jsonl`. */
async function candidates(o: { sessionId: string; worktreePath: string; hinted: string | null; workspace: string | null; find?: 'session-id' | 'newest' }, roots: readonly string[]): Promise<string[]> {
  const candidates: string[] = [];
  if (o.find === 'newest') {
    for (const root of roots) {
      const f = await newestJsonl(root);
      if (f) candidates.push(f);
    }
    return candidates;
  }
  const inside = o.workspace === null ? null : `${o.workspace.replace(/\/$/, '')}/`;
  if (o.hinted) candidates.push(inside !== null && o.hinted.startsWith(inside) ? join(o.worktreePath, o.hinted.slice(inside.length)) : o.hinted);
  for (const root of roots) {
    const dirs = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of dirs) if (d.isDirectory() || d.isSymbolicLink()) candidates.push(join(root, d.name, `${o.sessionId}.jsonl`));
  }
  return candidates;
}

/**
 * Where readTranscript would read (for a watcher, src/daemon/transcript-watch.ts): the file's real
 * path, and the real roots it must stay in (each read checks again, through openConfined); `file`
 * is null when there is no transcript yet (`roots` are then where one may appear).
 */
export async function locateTranscript(o: Parameters<typeof readTranscript>[0]): Promise<{ file: string | null; roots: string[] }> {
  const roots = await realRoots(o.roots);
  for (const file of roots.length > 0 ? await candidates(o, roots) : []) {
    const h = await openConfined(file, roots);
    if (!h) continue;
    await h.handle.close();
    return { file: h.real, roots };
  }
  return { file: null, roots };
}

/**
 * `file` opened for reading if it is a regular *.jsonl file inside one of `roots` (real paths) —
 * without blocking (a FIFO) or following a link out; null otherwise. The caller closes it.
 */
export async function openConfined(file: string, roots: readonly string[]): Promise<{ handle: FileHandle; real: string; size: number } | null> {
  if (!file.endsWith('.jsonl')) return null;
  const real = await realpath(file).catch(() => null);
  if (real === null || !real.endsWith('.jsonl') || !roots.some((r) => inside(real, r))) return null;
  let h: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO never waits for a writer; O_NOFOLLOW: the last component was not
    // swapped for a symlink since realpath
    h = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = await h.stat();
    if (st.isFile()) {
      // a directory above it may have been swapped for a symlink since realpath: ask the kernel
      // where the open file really is (Linux)
      const opened = process.platform === 'linux' ? await readlink(`/proc/self/fd/${h.fd}`).catch(() => null) : real;
      if (opened !== null && roots.some((r) => inside(opened, r))) return { handle: h, real, size: st.size };
    }
  } catch {
    // (closed below)
  }
  await h.close();
  return null;
}

/** `file` parsed line by line if it is a regular *.jsonl file inside one of `roots` (real paths); else null. */
export async function readConfined(file: string, roots: readonly string[]): Promise<Transcript | null> {
  const opened = await openConfined(file, roots);
  if (!opened) return null;
  const { handle: h, size } = opened;
  try {
    const start = Math.max(0, size - MAX_TRANSCRIPT_BYTES);
    const buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await h.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) break; // it shrank meanwhile
      got += bytesRead;
    }
    return fromTail(buf.subarray(0, got).toString('utf8'), start);
  } finally {
    await h.close();
  }
}

/** A transcript from the tail of its file (`text`), which began `start` bytes in: a cut first line is dropped. */
export function fromTail(text: string, start: number): Transcript {
  let omittedBytes = start;
  if (start > 0) {
    const nl = text.indexOf('\n');
    omittedBytes += nl < 0 ? Buffer.byteLength(text) : Buffer.byteLength(text.slice(0, nl + 1));
    text = nl < 0 ? '' : text.slice(nl + 1);
  }
  return { lines: parseLines(text), omittedBytes };
}

/**
 * For an agent in a remote runtime: its transcript directories as it sees them there (its home is
 * the workspace; its config home where the backend puts it).
 */
export function remoteTranscriptRoots(agent: AgentSpec, workspace: string, configHome: string | null): string[] {
  const t = agent.transcripts;
  if (!t) return [];
  const roots: string[] = [];
  if (t.configDir && configHome) roots.push(posix.join(configHome, t.configDir));
  if (t.homeDir) roots.push(posix.join(workspace, t.homeDir));
  return roots;
}

/** One parsed value per non-blank line; a line that is not JSON is `{ unparsed: line }`. */
export function parseLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as unknown);
    } catch {
      out.push({ unparsed: line });
    }
  }
  return out;
}

function inside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
