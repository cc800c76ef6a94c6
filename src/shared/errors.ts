// One error type for every failure a user can act on. The message says what
// happened and what to do; the CLI prints it as one line (stack only with --debug).

export const ERROR_CODES = [
  'invalid_input', // bad arguments: path missing, not a repo, bad name…
  'not_found', // no such session
  'conflict', // duplicate name, wrong state for the operation
  'limit', // session limits
  'backend_unavailable', // multiplexer / engine missing
  'agent_unavailable', // agent CLI missing
  'config', // config file unreadable or invalid
  'store', // database problems (e.g. newer schema)
  'git', // git failed
  'backend', // the backend failed while doing something
  'daemon', // daemon unreachable / protocol problems
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ClauderonError extends Error {
  override readonly name = 'ClauderonError';
  /**
   * The input the error belongs to, when it belongs to one: `repo`, `prompt`, `name`, `backend`,
   * `agent`, `model`, `accessMode`, or `option:<key>` for a backend's own option. It travels on the
   * wire (socket and HTTP `error.field`), so each surface words its own hint and places the error
   * on its own field — no surface parses another's English.
   */
  readonly field?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.field !== undefined) this.field = options.field;
  }
}

export function isClauderonError(e: unknown): e is ClauderonError {
  return e instanceof ClauderonError;
}

/** Best-effort one-line text for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * An error as both transports send it (`{"error": …}` on the socket and in HTTP bodies): its code,
 * its message and, when it belongs to an input, its field. Anything but a ClauderonError is
 * `internal`.
 */
export function errorBody(e: unknown): { code: ErrorCode; message: string; field?: string } {
  if (!isClauderonError(e)) return { code: 'internal', message: errorMessage(e) };
  return e.field === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, field: e.field };
}
