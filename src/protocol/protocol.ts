// The daemon's socket protocol: newline-delimited JSON.
//   request      {"id": 1, "method": "sessions.list", "params": {...}}
//   response     {"id": 1, "result": ...}  |  {"id": 1, "error": {"code": "...", "message": "..."}}
//   progress     {"id": 1, "progress": {...}}            (for a request still under way)
//   event        {"event": {...}}                         (after events.subscribe)
// Requests are validated here, once, at the edge.
import { z } from 'zod';
import { ACCESS_MODES, AGENTS, BACKENDS } from '../shared/types.js';

export const MAX_LINE_BYTES = 1024 * 1024;

const name = z.object({ name: z.string().min(1).max(200) }).strict();

export const methodSchemas = {
  'daemon.info': z.object({}).strict(),
  'daemon.stop': z.object({}).strict(),
  'events.subscribe': z.object({}).strict(),
  'sessions.list': z.object({ filter: z.enum(['active', 'archived', 'all']).default('active') }).strict(),
  'sessions.get': name,
  'sessions.create': z
    .object({
      repoPath: z.string().min(1).refine((p) => p.startsWith('/'), 'repoPath must be absolute'),
      prompt: z.string().max(100_000),
      name: z.string().min(1).max(200).optional(),
      backend: z.enum(BACKENDS).optional(),
      agent: z.enum(AGENTS).optional(),
      model: z.string().min(1).max(200).optional(),
      accessMode: z.enum(ACCESS_MODES).default('read-write'),
      skipChecks: z.boolean().default(false),
      planMode: z.boolean().default(true),
      backendRequest: z
        .object({
          image: z.string().min(1).max(500).optional(),
          pullPolicy: z.enum(['always', 'if-not-present', 'never']).optional(),
          cpuLimit: z.number().positive().max(1024).optional(),
          memoryLimit: z.string().min(1).max(40).optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  'sessions.archive': name,
  'sessions.unarchive': name,
  'sessions.refresh': name,
  'sessions.delete': z.object({ name: z.string().min(1).max(200), force: z.boolean().default(false) }).strict(),
  'sessions.attach': name,
  'sessions.output': z.object({ name: z.string().min(1).max(200), lines: z.number().int().min(1).max(10_000).default(50) }).strict(),
  'sessions.events': name,
  'sessions.env': name,
  'sessions.setAccessMode': z.object({ name: z.string().min(1).max(200), mode: z.enum(ACCESS_MODES) }).strict(),
  reconcile: z.object({}).strict(),
  'config.show': z.object({}).strict(),
  'credentials.describe': z.object({}).strict(),
  'ca.show': z.object({}).strict(),
  'ca.rotate': z.object({}).strict(),
  'repos.recent': z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(),
} as const;

export type Method = keyof typeof methodSchemas;
export type Params<M extends Method> = z.input<(typeof methodSchemas)[M]>;

export const requestSchema = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().min(1),
    params: z.unknown().optional(),
  })
  .strict();

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: string;
  socketPath: string;
  httpPort: number | null;
}

export interface WireError {
  code: string;
  message: string;
}
