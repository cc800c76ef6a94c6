// One guard for every entry point Node calls from an event listener: an HTTP request, a WebSocket
// upgrade, a client error, a socket connection, a chunk or line read from it, a proxied request
// or an upstream's response to it. Nobody awaits such a
// handler, so its throw or rejection would be an uncaught error, which ends Node 20 — the daemon,
// and every session's proxy with it. The guard turns it into one log line and a last answer for
// that connection only (a 500 / `internal` error, or a destroyed socket).
import { errorMessage } from './errors.js';

/** Where a caught error is reported. */
export interface GuardLog {
  error(msg: string, data?: Record<string, unknown>): void;
}

/** What the log says when a guard catches an error: each one is a bug to fix. */
export const GUARD_MESSAGE = 'unhandled error in a request handler (bug)';

/**
 * `fn` wrapped so that nothing it throws or rejects escapes: the error is logged (with where it
 * happened and its stack) and `onError` gets the same arguments to answer or drop the connection.
 */
export function guarded<A extends unknown[]>(log: GuardLog, where: string, fn: (...args: A) => unknown, onError: (error: unknown, ...args: A) => void): (...args: A) => void {
  const fail = (e: unknown, args: A): void => {
    try {
      log.error(GUARD_MESSAGE, { where, error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined });
      onError(e, ...args);
    } catch {
      // the last answer failed too: the connection is lost, the process is not
    }
  };
  return (...args: A): void => {
    try {
      const r = fn(...args);
      if (r instanceof Promise) r.catch((e: unknown) => fail(e, args));
    } catch (e) {
      fail(e, args);
    }
  };
}
