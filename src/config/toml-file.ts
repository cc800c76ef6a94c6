// Reading and validating a TOML configuration file (cosmiconfig with a TOML loader, zod schema).
// Errors name the file and the line or the key, and say what to do; a missing file is the
// schema's defaults.
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

/** Load and validate a TOML file; an absent file gives the schema's defaults. */
export async function loadTomlFile<S extends z.ZodType>(schema: S, file: string): Promise<z.output<S>> {
  const explorer = cosmiconfig('clauderon', {
    searchPlaces: [],
    cache: false,
    loaders: {
      '.toml': (_path: string, content: string) => {
        try {
          return parse(content);
        } catch (e) {
          if (e instanceof TomlError) throw new ClauderonError('config', `${file}: line ${e.line}, column ${e.column}: ${firstLine(e.message)} — ${FIX}`);
          throw e;
        }
      },
    },
  });
  let result: { config: unknown } | null;
  try {
    result = await explorer.load(file);
  } catch (e) {
    if (e instanceof ClauderonError) throw e;
    if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT') return parseWith(schema, {}, file);
    throw new ClauderonError('config', `cannot read ${file}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  return parseWith(schema, result?.config ?? {}, file);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
