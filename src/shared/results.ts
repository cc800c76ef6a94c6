// Result types of the operations the clients read — the daemon's answers as the CLI, the TUI and
// the web UI (src/web, which may import types from src/shared only: no Node in its typecheck) all
// see them. Defined here once; the modules that do the work (backends/spec.ts, shared/directories.ts,
// core/worktree-files.ts, protocol/operations.ts) import them from here. Types only: nothing of
// this module exists at run time. (A proxied request's audit line, AuditEntry, is in ./events.ts.)

/** One create option a backend declares (its registry spec): `backendRequest.<key>`, `--flag` on the CLI. */
export interface BackendOption {
  /** The field of the create request (`backendRequest.<key>`). */
  key: string;
  /** The CLI flag with its value name, e.g. `--cpu-limit <cpus>`. */
  flag: string;
  description: string;
  type: 'string' | 'number';
  choices?: readonly string[];
  /** What a number option expects, for the error on a value that is not one (e.g. "a number of CPUs above 0"). */
  expects?: string;
}

/** `catalog.get` (GET /api/catalog): what a create form offers, from the registries and config.toml (nothing hard-coded in a page). */
export interface Catalog {
  /** Every backend, with its own create options (`backendRequest.<key>`). */
  backends: { name: string; options: BackendOption[] }[];
  /** Every agent, with the models it knows (aliases first; any other name is passed on verbatim). */
  agents: { name: string; displayName: string; models: { id: string; about: string }[] }[];
  /** config.toml's general.default_backend (null: the daemon picks by its fallback order) and default_agent. */
  defaults: { backend: string | null; agent: string };
}

/** `directories.browse` (POST /api/browse-directory): one directory of the directory browser. */
export interface DirectoryListing {
  /** Absolute, resolved. */
  path: string;
  /** null at / */
  parent: string | null;
  /** The git repository the directory is in (itself or an ancestor), or null. */
  repoRoot: string | null;
  /** Subdirectories, sorted; `repo`: a git repository (has .git). Hidden ones left out. */
  entries: { name: string; repo: boolean }[];
  /** Why it could not be read (permission…), or null. */
  error: string | null;
}

/** One entry of `sessions.files`. */
export interface WorktreeEntry {
  /** Relative to the worktree, `/`-separated. */
  path: string;
  type: 'file' | 'dir';
  /** Changed against the commit the session started from (a directory: something under it is). */
  changed: boolean;
}

/** `sessions.files` (GET /api/sessions/:name/files): the session's worktree, `.git` left out, bounded. */
export interface WorktreeListing {
  entries: WorktreeEntry[];
  /** More entries than the daemon lists (or deeper than it goes): the rest are left out. */
  truncated: boolean;
}

/** `sessions.file` (GET /api/sessions/:name/file?path=REL): one file of the worktree, read-only. */
export interface WorktreeFile {
  path: string;
  /** UTF-8 text ('' for a binary file). */
  content: string;
  binary: boolean;
  /** The file is over the daemon's size limit: only its start is here. */
  truncated: boolean;
}
