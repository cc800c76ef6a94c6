// The CLI's own words for an error: the daemon's messages name no surface (no flag, no key), and
// an error that belongs to an input carries its field (ClauderonError.field), so the CLI adds the
// flag to use. The TUI places the same errors at its dialog's fields.
import { backendOptions } from '../backends/registry.js';
import type { ClauderonError } from '../shared/errors.js';

/** What to pass, by field and code; `*` for any code. */
const HINTS: Record<string, Partial<Record<ClauderonError['code'] | '*', string>>> = {
  repo: { '*': 'pass --repo a directory inside a git repository' },
  name: { not_found: 'see clauderon list --all', '*': 'pass another --name' },
  prompt: { '*': 'pass --prompt TEXT or --prompt-file FILE' },
  backend: { '*': 'pick another --backend' },
  agent: { '*': 'pick another --agent' },
  model: { '*': 'pass another --model' },
  accessMode: { '*': 'pass --access-mode read-only or read-write' },
  force: { '*': 'pass --force' },
};

/** " (pass --repo …)" for an error that belongs to an input, else "". */
export function cliHint(e: ClauderonError): string {
  const field = e.field;
  if (field === undefined) return '';
  if (field.startsWith('option:')) {
    const key = field.slice('option:'.length);
    const flag = backendOptions().find((o) => o.key === key)?.flag.split(' ')[0];
    return flag ? ` (check ${flag})` : '';
  }
  const hint = HINTS[field]?.[e.code] ?? HINTS[field]?.['*'];
  return hint ? ` (${hint})` : '';
}
