// Reading and validating a TOML configuration file: cosmiconfig looks through the search places
// in order and reads the first that exists with a TOML loader (smol-toml); zod validates it.
// Errors name the file that was read and the line or the key, and say what to do; when no place
// holds a file, the result is the schema's defaults.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { parse as parsePath, relative, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ClauderonError } from '../shared/errors.js';

const FIX = 'fix the file or move it aside';

/**
 * Validate a parsed object against `schema`; the error names the file, the line when `text` (the
 * file's content) shows where the first bad key is, and the key: "<file>:<line>: <key>: <why> — …".
 */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, file: string, text?: string): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // an unknown key: reported at its table by zod; the key itself is what to fix, and where it is
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = (issue?.path ?? []).map(String);
  const keyPath = unknown !== undefined ? [...path, unknown] : path;
  const line = text === undefined ? null : lineOfKey(text, keyPath);
  // (zod's own words for an unknown key are replaced; a schema's own message, which names the key, is kept)
  const generic = issue?.code === 'unrecognized_keys' && /^Unrecognized keys?:/.test(issue.message);
  const shown = generic ? keyPath : path;
  const where = shown.length > 0 ? shown.join('.') : '(top level)';
  const why = generic ? `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}` : (issue?.message ?? 'invalid');
  throw new ClauderonError('config', `${file}${line !== null ? `:${line}` : ''}: ${where}: ${why} — ${FIX}`);
}

/**
 * The line (1-based) where the key at `path` is set in a TOML text, best effort: `key =` (bare or
 * quoted, or dotted from its table) under the `[table]` (or `[[table]]`) of the path's head, or the
 * table's own header for a path that names a table. Null when it cannot be seen.
 */
export function lineOfKey(text: string, path: readonly string[]): number | null {
  if (path.length === 0) return null;
  const lines = text.split(/\r?\n/);
  const key = (k: string) => `(?:${escape(k)}|"${escape(k)}"|'${escape(k)}')`;
  const keyPath = (ks: readonly string[]) => ks.map(key).join('\\s*\\.\\s*');
  let table: string[] = [];
  let headerOfPath: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(l);
    if (header) {
      table = (header[1] ?? '').split('.').map((p) => p.trim().replace(/^["']|["']$/g, ''));
      if (headerOfPath === null && table.length <= path.length && table.every((t, j) => t === path[j]) && table.length === path.length) headerOfPath = i + 1;
      continue;
    }
    // the rest of the path below the current table, as this line would set it
    if (table.length >= path.length || !table.every((t, j) => t === path[j])) continue;
    const rest = path.slice(table.length);
    for (let n = rest.length; n >= 1; n--) {
      if (new RegExp(`^\\s*${keyPath(rest.slice(0, n))}\\s*=`).test(l)) return i + 1;
    }
  }
  return headerOfPath;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
    if (e instanceof TomlError) throw new ClauderonError('config', `${file}:${e.line}: ${firstLine(e.message)} (column ${e.column}) — ${FIX}`);
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
  return { value: parseWith(schema, found?.config ?? {}, used ?? abs[0] ?? '', used !== null ? readText(used) : undefined), file: used, places: abs };
}

/** Load and validate a TOML file (or the first of several places); none gives the schema's defaults. */
export async function loadTomlFile<S extends z.ZodType>(schema: S, file: string | readonly string[]): Promise<z.output<S>> {
  return (await findTomlFile(schema, typeof file === 'string' ? [file] : file)).value;
}

/** The file's text, for the line of a bad key (undefined if it cannot be read again). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
