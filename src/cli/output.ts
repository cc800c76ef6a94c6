// What the commands print: with --json one JSON value on stdout (the same shape and indentation
// for every command), otherwise text for people; notes and errors go to stderr.
import { errorMessage, isClauderonError } from '../shared/errors.js';
import { SESSION_FIELDS, type Session } from '../shared/types.js';

export interface JsonOption {
  json?: boolean;
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

/** With --json print `json()`, else the text `text()` returns (as is: it ends its own lines). */
export function printResult(o: JsonOption, json: () => unknown, text: () => string): void {
  if (o.json) printJson(json());
  else process.stdout.write(text());
}

/** A session with exactly the public field names, in order. */
export function publicSession(s: Session): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SESSION_FIELDS) out[f] = s[f];
  return out;
}

/** `note:` lines on stderr (things the daemon wants the user to know). */
export function note(lines: readonly string[]): void {
  for (const l of lines) process.stderr.write(`note: ${l}\n`);
}

/**
 * A failed command: one line on stderr (the stack with --debug, and for an unexpected error), and
 * with --json also `{"error":{"code","message"}}` on stdout.
 */
export function printError(e: unknown, o: { debug: boolean; json: boolean }): void {
  if (o.debug || !isClauderonError(e)) {
    if (o.debug) process.setSourceMapsEnabled(true);
    process.stderr.write(`clauderon: ${o.debug && e instanceof Error ? (e.stack ?? e.message) : errorMessage(e)}\n`);
  } else {
    process.stderr.write(`clauderon: ${e.message}\n`);
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ error: { code: isClauderonError(e) ? e.code : 'internal', message: errorMessage(e) } })}\n`);
  }
}
