// What the commands print: with --json one JSON value on stdout (the same shape and indentation
// for every command), otherwise text for people; notes and errors go to stderr.
import { errorBody, errorMessage, isClauderonError } from '../shared/errors.js';
import { cliHint } from './hints.js';
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

/**
 * A reader that stops early (`clauderon list | head -1`) closes the pipe: the writes after that
 * fail with EPIPE, which would otherwise end the process with a stack trace. Nothing more can be
 * said to that reader, so the rest of the output is dropped and the command ends as it would have
 * (exit 0 when it succeeded) — the same for every command, stdout and stderr alike.
 */
export function quietClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') process.exitCode ??= 1;
    });
  }
}

/** A config.toml the daemon cannot use, said the same way by every command (see context.ts withClient). */
export function warnConfig(configError: string): void {
  process.stderr.write(`warning: ${configError}; until it is fixed, what needs the configuration (create, attach, output…) refuses\n`);
}

/** `note:` lines on stderr (things the daemon wants the user to know). */
export function note(lines: readonly string[]): void {
  for (const l of lines) process.stderr.write(`note: ${l}\n`);
}

/**
 * A failed command: one line on stderr — the daemon's message plus the CLI's hint for the input it
 * belongs to (cli/hints.ts) — the stack with --debug and for an unexpected error; with --json also
 * `{"error":{"code","message","field"?}}` on stdout (the message as the daemon said it).
 */
export function printError(e: unknown, o: { debug: boolean; json: boolean }): void {
  if (o.debug || !isClauderonError(e)) {
    if (o.debug) process.setSourceMapsEnabled(true);
    const hint = isClauderonError(e) ? cliHint(e) : '';
    process.stderr.write(`clauderon: ${o.debug && e instanceof Error ? (e.stack ?? e.message) : errorMessage(e)}${hint}\n`);
  } else {
    process.stderr.write(`clauderon: ${e.message}${cliHint(e)}\n`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify({ error: errorBody(e) })}\n`);
}
