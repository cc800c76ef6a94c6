// Reading and validating a TOML configuration file: cosmiconfig looks through the search places
// in order and reads the first that exists with a TOML loader (smol-toml); zod validates it.
// Errors name the file that was read and the line or the key, and say what to do; when no place
// holds a file, the result is the schema's defaults.
import { accessSync, constants, statSync } from 'node:fs';
import { parse as parsePath, relative, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ClauderonError } from '../shared/errors.js';

const FIX = 'fix the file or move it aside';

/** Validate a parsed object against `schema`; the error names the file and the first bad key. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  throw new ClauderonError('config', `${file}: ${where}: ${issue ? issue.message : 'invalid'} — ${FIX}`);
}

export interface FoundToml<T> {
  value: T;
  /** The file that was read, or null when no search place holds one (the value is the defaults). */
  file: string | null;
  /** Where it was looked for, in order (absolute). */
  places: readonly string[];
}

function tomlLoader(file: string, content: string): unknown {
  try {
    return parse(content);
  } catch (e) {
    if (e instanceof TomlError) throw new ClauderonError('config', `${file}: line ${e.line}, column ${e.column}: ${firstLine(e.message)} — ${FIX}`);
    throw e;
  }
}

type Explorer = ReturnType<typeof cosmiconfig>;
const explorers = new Map<string, Explorer>();

/**
 * One explorer per list of places. The places are absolute, so they are given relative to the
 * filesystem root and searched from there alone (searchStrategy "none"). No cache: the file is
 * read again on every load, so an edit applies to the next operation. An empty file counts as
 * found (it is the defaults), so it still hides the places after it.
 */
function explorerFor(root: string, places: readonly string[]): Explorer {
  const key = places.join('\0');
  let explorer = explorers.get(key);
  if (explorer === undefined) {
    explorer = inDirectory(root, () =>
      cosmiconfig('clauderon', {
        searchPlaces: places.map((p) => relative(root, p)),
        searchStrategy: 'none',
        ignoreEmptySearchPlaces: false,
        cache: false,
        loaders: { '.toml': tomlLoader },
      }),
    );
    explorers.set(key, explorer);
  }
  return explorer;
}

/**
 * Run `fn` (synchronous) with `dir` as the working directory. cosmiconfig(), when called, looks in
 * the working directory for a "meta configuration" of its own — which may change the search
 * places, and which it runs when it is a .config/config.js (.cjs, .mjs, .ts). The working directory
 * may be an untrusted repository, so the explorer is made in the filesystem root instead. (Where
 * the working directory cannot change — a worker thread — it is made where it is.)
 */
function inDirectory<T>(dir: string, fn: () => T): T {
  let back: string | null = null;
  try {
    const cwd = process.cwd();
    process.chdir(dir);
    back = cwd;
  } catch {
    // no chdir here
  }
  try {
    return fn();
  } finally {
    if (back !== null) process.chdir(back);
  }
}

/** Why an existing search place could not be read (cosmiconfig passes over such a place), or null. */
function readProblem(file: string): string | null {
  try {
    if (statSync(file).isDirectory()) return 'it is a directory';
    accessSync(file, constants.R_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : firstLine(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Load and validate the first of `places` that exists (TOML). None gives the schema's defaults.
 * A place that exists but cannot be read is an error, not skipped.
 */
export async function findTomlFile<S extends z.ZodType>(schema: S, places: readonly string[]): Promise<FoundToml<z.output<S>>> {
  const abs = [...new Set(places.map((p) => resolve(p)))];
  const root = parsePath(abs[0] ?? '/').root;
  let found: { config: unknown; filepath: string } | null;
  try {
    found = await explorerFor(root, abs).search(root);
  } catch (e) {
    if (e instanceof ClauderonError) throw e;
    const file = (e as { filepath?: unknown; path?: unknown }).filepath ?? (e as { path?: unknown }).path;
    throw new ClauderonError('config', `cannot read ${typeof file === 'string' ? file : abs.join(' or ')}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  const used = found?.filepath ?? null;
  for (const place of abs) {
    if (place === used) break;
    const problem = readProblem(place);
    if (problem !== null) throw new ClauderonError('config', `cannot read ${place}: ${problem}`);
  }
  return { value: parseWith(schema, found?.config ?? {}, used ?? abs[0] ?? ''), file: used, places: abs };
}

/** Load and validate a TOML file (or the first of several places); none gives the schema's defaults. */
export async function loadTomlFile<S extends z.ZodType>(schema: S, file: string | readonly string[]): Promise<z.output<S>> {
  return (await findTomlFile(schema, typeof file === 'string' ? [file] : file)).value;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
