// sessions.files and sessions.file: a session's worktree as a tree, and one file of it read-only.
// Everything in the worktree is the agent's to write, so every path is untrusted: a path asked for
// must be relative, without `..`, and what it names — after every symlink is followed — must still
// be inside the worktree, checked on the file descriptor actually read (/proc/self/fd on Linux), so
// a link swapped in between the check and the read leads nowhere either. The listing never follows
// a link; `.git` is left out; both are bounded.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ClauderonError } from '../shared/errors.js';
import type { WorktreeEntry, WorktreeFile, WorktreeListing } from '../shared/results.js';

// (the result types are src/shared's, which the web UI reads too; `truncated`: over MAX_ENTRIES or
// MAX_DEPTH for a listing, over MAX_FILE_BYTES for a file)
export type { WorktreeEntry, WorktreeFile, WorktreeListing };

export const MAX_ENTRIES = 5000;
const MAX_DEPTH = 32;
export const MAX_FILE_BYTES = 1024 * 1024;

function inside(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** The worktree, depth first with names sorted (directories and files together), `.git` left out. */
export function listWorktree(root: string, changedPaths: Iterable<string>): WorktreeListing {
  const changed = new Set<string>();
  for (const p of changedPaths) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) changed.add(parts.slice(0, i).join('/'));
  }
  const entries: WorktreeEntry[] = [];
  let truncated = false;
  const walk = (rel: string, depth: number): void => {
    let names: { name: string; dir: boolean }[];
    try {
      names = readdirSync(rel ? join(root, rel) : root, { withFileTypes: true })
        .filter((e) => !(rel === '' && e.name === '.git'))
        // (a link is listed as a file and never followed)
        .map((e) => ({ name: e.name, dir: e.isDirectory() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return; // unreadable or gone meanwhile: nothing of it
    }
    for (const { name, dir } of names) {
      if (entries.length >= MAX_ENTRIES) {
        truncated = true;
        return;
      }
      const path = rel ? `${rel}/${name}` : name;
      entries.push({ path, type: dir ? 'dir' : 'file', changed: changed.has(path) });
      if (dir) {
        if (depth >= MAX_DEPTH) truncated = true;
        else walk(path, depth + 1);
      }
    }
  };
  walk('', 0);
  return { entries, truncated };
}

const refuse = (message: string) => new ClauderonError('invalid_input', message, { field: 'path' });

/** Refuse what is not a plain relative path inside the worktree (before touching the disk). */
export function checkRelativePath(path: string): string[] {
  if (path === '' || path.trim() === '') throw refuse('path is empty: give a path relative to the worktree, e.g. src/index.ts');
  if (path.includes('\0')) throw refuse('path may not hold a NUL byte');
  if (isAbsolute(path) || path.startsWith('\\')) throw refuse(`path ${JSON.stringify(path)} is absolute: give a path relative to the worktree`);
  const parts = path.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse(`path ${JSON.stringify(path)} has a .. segment: only paths inside the worktree are read`);
  if (parts.length === 0) throw refuse('path names the worktree itself, not a file in it');
  return parts;
}

/** One file of the worktree, read-only; refuses anything that leads out of it. */
export function readWorktreeFile(root: string, path: string): WorktreeFile {
  const parts = checkRelativePath(path);
  const shown = parts.join('/');
  const realRoot = realpathSync(root);
  const full = join(realRoot, ...parts);
  let real: string;
  try {
    real = realpathSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // a link whose target is gone (wherever it pointed): nothing to show
    if (code === 'ENOENT') {
      let link = false;
      try {
        link = lstatSync(full).isSymbolicLink();
      } catch {
        // no such entry at all
      }
      if (link) throw refuse(`${shown} is a symbolic link to nothing that exists`);
      throw new ClauderonError('not_found', `no file ${shown} in the worktree`);
    }
    throw refuse(`${shown} cannot be read (${code ?? 'error'})`);
  }
  if (!inside(real, realRoot)) throw refuse(`${shown} leads outside the worktree (a symbolic link): it is not read`);
  const rel = relative(realRoot, real).split(sep);
  if (rel[0] === '.git') throw refuse(`${shown} is inside .git, which is not shown`);
  let fd: number;
  try {
    // (O_NONBLOCK: a FIFO an agent left there does not hang the open; refused just below)
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refuse(`${shown} was changed into a symbolic link while being read: it is not read`);
    if (code === 'ENOENT') throw new ClauderonError('not_found', `no file ${shown} in the worktree`);
    throw refuse(`${shown} cannot be read (${code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw refuse(`${shown} is a directory: sessions.files lists it`);
    if (!st.isFile()) throw refuse(`${shown} is not a regular file (a FIFO, socket or device is never read)`);
    // what was opened, by the kernel's own account: still inside the worktree
    let opened: string | null = null;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // no /proc (macOS): the realpath check above stands
    }
    if (opened !== null && !inside(opened, realRoot)) throw refuse(`${shown} leads outside the worktree: it is not read`);
    const want = Math.min(st.size, MAX_FILE_BYTES);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    const data = buf.subarray(0, got);
    const binary = data.subarray(0, 8192).includes(0);
    return { path: shown, content: binary ? '' : data.toString('utf8'), binary, truncated: st.size > MAX_FILE_BYTES };
  } finally {
    closeSync(fd);
  }
}
