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
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
