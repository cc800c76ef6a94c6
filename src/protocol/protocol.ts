// The daemon's socket protocol: newline-delimited JSON.
//   request      {"id": 1, "method": "sessions.list", "params": {...}}
//   response     {"id": 1, "result": ...}  |  {"id": 1, "error": {"code": "...", "message": "...", "field"?: "..."}}
//   progress     {"id": 1, "progress": {...}}            (for a request still under way)
//   event        {"event": {...}}                         (after events.subscribe)
// Requests are validated at the edge: the framing here, each method's params by the operations
// table (operations.ts), which also says what each method returns.
import { z } from 'zod';

export { isMethod, operations, parseParams, type DaemonInfo, type Method, type Params, type ParsedParams, type Result } from './operations.js';

export const MAX_LINE_BYTES = 1024 * 1024;

export const requestSchema = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().min(1),
    params: z.unknown().optional(),
  })
  .strict();

export interface WireError {
  code: string;
  message: string;
  /** The input the error belongs to (ClauderonError.field: `repo`, `name`, `option:<key>` …), when it belongs to one. */
  field?: string;
}
