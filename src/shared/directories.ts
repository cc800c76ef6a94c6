// The directory browser, on the file system (pure fs, no process spawned): one directory's
// subdirectories, hidden ones left out, git repositories marked, and the repository a directory is
// inside. The clauderon home (worktrees, uploads, secrets) is never listed, nor anything inside it.
// Used by the TUI's create dialog (on the user's machine) and by the daemon's directories.browse
// (POST /api/browse-directory, for the web UI): what is listed is what the user may read.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DirectoryListing } from './results.js';

export type { DirectoryListing };

/** `~` and `~/x` to the home directory; relative paths against `cwd`. */
export function resolveDir(path: string, cwd: string, home: string = homedir()): string {
  const p = path.trim() || '.';
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return resolve(cwd, p);
}

function isInside(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** A git repository's top: a `.git` directory or file (worktrees and submodules have a file). */
function hasGit(dir: string): boolean {
  return existsSync(join(dir, '.git'));
}

/** The repository `dir` is in (itself or the nearest ancestor with `.git`), or null. */
export function enclosingRepo(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (hasGit(d)) return d;
    if (dirname(d) === d) return null;
  }
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface ListOptions {
  cwd: string;
  /** The clauderon home: neither it nor anything inside it is listed. */
  clauderonHome: string;
  home?: string;
}

/** One directory's subdirectories (sorted, hidden ones out), for the browser. Never throws. */
export function listDirectory(path: string, opts: ListOptions): DirectoryListing {
  const asked = resolveDir(path, opts.cwd, opts.home);
  const clauderonHome = realOr(resolve(opts.clauderonHome));
  // inside the clauderon home: show the directory that holds it instead
  let dir = realOr(asked);
  if (isInside(dir, clauderonHome)) dir = dirname(clauderonHome);
  const parent = dirname(dir) === dir ? null : dirname(dir);
  const base: Omit<DirectoryListing, 'entries' | 'error'> = { path: dir, parent, repoRoot: enclosingRepo(dir) };
  try {
    if (!statSync(dir).isDirectory()) return { ...base, entries: [], error: `${dir} is not a directory` };
    const entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ e, full: join(dir, e.name) }))
      .filter(({ e, full }) => {
        if (e.isDirectory()) return true;
        if (!e.isSymbolicLink()) return false;
        try {
          return statSync(full).isDirectory();
        } catch {
          return false; // a dangling link
        }
      })
      // (the home itself, and a link that leads into it)
      .filter(({ full }) => !isInside(realOr(full), clauderonHome))
      .map(({ e, full }) => ({ name: e.name, repo: hasGit(full) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { ...base, entries, error: null };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : 'cannot be read';
    return { ...base, entries: [], error: `${dir} ${why}` };
  }
}
