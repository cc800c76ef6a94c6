// The daemon's HTTP API, as the page uses it: same origin, JSON, errors `{"error":{code,message,field}}`.
// Result types of the operations the page calls: src/shared's, the same the daemon answers with
// (types only: the page imports nothing else of the project).
import type { AuditEntry, BlockedTarget } from '../shared/events.js';
import type { Catalog, DirectoryListing, WorktreeFile, WorktreeListing } from '../shared/results.js';
import type { CreateResult, DeleteResult, RecentRepo, Session, SessionDiff } from '../shared/types.js';
import type { UploadResult } from '../shared/images.js';
import { signInNeeded } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

export interface CreateBody {
  repoPath: string;
  prompt: string;
  name?: string;
  backend?: string;
  agent?: string;
  model?: string;
  accessMode: 'read-only' | 'read-write';
  skipChecks: boolean;
  planMode: boolean;
  backendRequest?: Record<string, string | number>;
}

/** sessions.egress: the session's egress policy, what the agent needs, the targets blocked so far (src/protocol/operations.ts EgressReport). */
export interface EgressReport {
  session: string;
  policy: 'open' | 'allow-list' | 'locked';
  allow: string[];
  agentHosts: string[];
  blocked: BlockedTarget[];
  live: boolean;
}

/** sessions.egressAllow's answer: the report after the change, and what changed in words. */
export interface EgressChange extends EgressReport {
  note: string;
}

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      // every write carries JSON (the daemon refuses any other write with 415)
      headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError(0, 'daemon', 'the daemon is unreachable', null);
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the status says what happened
  }
  if (res.status === 401) signInNeeded(); // passkey sign-in is on and this page is not signed in
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`, e?.field ?? null);
  }
  return data as T;
}

const s = (name: string) => `/api/sessions/${encodeURIComponent(name)}`;

/**
 * sessions.upload: the image's raw bytes with its own Content-Type (image/png, jpeg, gif, webp —
 * which, like JSON, no page of another origin can send without a preflight), the name in the query.
 */
async function uploadImage(name: string, file: Blob, filename: string): Promise<UploadResult> {
  let res: Response;
  try {
    res = await fetch(`${s(name)}/uploads?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers: { 'content-type': file.type || 'application/octet-stream' }, body: file });
  } catch {
    throw new ApiError(0, 'daemon', 'the daemon is unreachable', null);
  }
  const data = (await res.json().catch(() => null)) as (UploadResult & { error?: { code?: string; message?: string; field?: string } }) | null;
  if (res.status === 401) signInNeeded();
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'internal', data?.error?.message ?? `${res.status} ${res.statusText}`, data?.error?.field ?? null);
  return data as UploadResult;
}

export const api = {
  sessions: () => call<Session[]>('GET', '/api/sessions?filter=all'),
  session: (name: string) => call<Session>('GET', s(name)),
  create: (body: CreateBody) => call<CreateResult>('POST', '/api/sessions', body),
  archive: (name: string) => call<Session>('POST', `${s(name)}/archive`),
  unarchive: (name: string) => call<CreateResult>('POST', `${s(name)}/unarchive`),
  remove: (name: string, force: boolean) => call<DeleteResult>('DELETE', `${s(name)}${force ? '?force=true' : ''}`),
  setAccessMode: (name: string, mode: 'read-only' | 'read-write') => call<Session>('POST', `${s(name)}/access-mode`, { mode }),
  diff: (name: string) => call<SessionDiff>('GET', `${s(name)}/diff`),
  history: (name: string) => call<{ lines: unknown[] }>('GET', `${s(name)}/history`),
  files: (name: string) => call<WorktreeListing>('GET', `${s(name)}/files`),
  file: (name: string, path: string) => call<WorktreeFile>('GET', `${s(name)}/file?path=${encodeURIComponent(path)}`),
  audit: (name: string, limit = 200) => call<AuditEntry[] | { entries: AuditEntry[] }>('GET', `${s(name)}/audit?limit=${limit}`),
  egress: (name: string) => call<EgressReport>('GET', `${s(name)}/egress`),
  /** Allow a host (no port: 443 and 80 both) in the session's egress policy; the running proxy applies it to the next request. */
  egressAllow: (name: string, host: string, port?: number) => call<EgressChange>('POST', `${s(name)}/egress`, port === undefined ? { host } : { host, port }),
  recentRepos: () => call<RecentRepo[]>('GET', '/api/recent-repos'),
  catalog: () => call<Catalog>('GET', '/api/catalog'),
  browse: (path: string) => call<DirectoryListing>('POST', '/api/browse-directory', { path }),
  upload: uploadImage,
  // Web Push (src/web/push.ts): the daemon's VAPID key, this browser's subscription
  pushKey: () => call<{ publicKey: string }>('GET', '/api/push/key'),
  pushSubscribe: (subscription: PushSubscriptionJSON) => call<{ subscribed: true }>('POST', '/api/push/subscriptions', subscription),
  pushUnsubscribe: (endpoint: string) => call<{ unsubscribed: boolean }>('DELETE', '/api/push/subscriptions', { endpoint }),
};

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
