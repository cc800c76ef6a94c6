// The Kubernetes API as this backend uses it: @kubernetes/client-node loaded on first use (it costs
// ~1 s), a kubeconfig per context, and the API's own messages (its Status) in clauderon's errors.
import type * as K8s from '@kubernetes/client-node';
import { ClauderonError, errorMessage } from '../../shared/errors.js';

/** Where a session's pod is. */
export interface Ref {
  namespace: string;
  pod: string;
  context: string;
}

export interface Api {
  kc: K8s.KubeConfig;
  core: K8s.CoreV1Api;
  authz: K8s.AuthorizationV1Api;
  k8s: typeof K8s;
}

/** The user's kubeconfig (KUBECONFIG or ~/.kube/config), set to `context` ('' : its current one). */
export async function loadKubeConfig(context: string): Promise<{ kc: K8s.KubeConfig; k8s: typeof K8s }> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new ClauderonError('backend', `cannot read the kubeconfig: ${errorMessage(e)}`);
  }
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new ClauderonError('invalid_input', `no context "${context}" in the kubeconfig (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, { field: 'option:context' });
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new ClauderonError('backend', 'the kubeconfig has no current context — pass --context or set [kubernetes] context');
  return { kc, k8s };
}

/** The clients of one context, made once (and again after a failure). */
export class Apis {
  private readonly byContext = new Map<string, Promise<Api>>();
  /** The kubeconfig's current context, once it has been read. */
  current: string | null = null;

  get(context: string): Promise<Api> {
    let p = this.byContext.get(context);
    if (!p) {
      p = loadKubeConfig(context).then(({ kc, k8s }) => {
        if (!context) this.current = kc.getCurrentContext();
        return { kc, core: kc.makeApiClient(k8s.CoreV1Api), authz: kc.makeApiClient(k8s.AuthorizationV1Api), k8s };
      });
      p.catch(() => this.byContext.delete(context));
      this.byContext.set(context, p);
    }
    return p;
  }
}

export function statusCode(e: unknown): number | null {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : null;
}

/** The message of the API's answer (its Status), or of the error itself. */
export function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown } | null)?.body;
  let message: string | null = null;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? null;
    } catch {
      message = body.trim() || null;
    }
  } else if (body && typeof body === 'object') message = (body as { message?: string }).message ?? null;
  return message ?? errorMessage(e).split('\n')[0] ?? 'failed';
}

/** The API's own message, with the call it answered. */
export function apiError(what: string, e: unknown): ClauderonError {
  if (e instanceof ClauderonError) return e;
  const hint = statusCode(e) === 401 ? " — your kubeconfig's credentials were refused (log in to the cluster again)" : '';
  return new ClauderonError('backend', `kubernetes: cannot ${what}: ${apiMessage(e)}${hint}`);
}

export async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw apiError(what, e);
  }
}

/** Whether an object is there: a read that resolves, false on 404 (anything else is an error). */
export function found(what: string, read: Promise<unknown>): Promise<boolean> {
  return read.then(
    () => true,
    (e: unknown) => (statusCode(e) === 404 ? false : Promise.reject(apiError(`read ${what}`, e))),
  );
}
