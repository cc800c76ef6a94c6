// The (context, namespace) places this backend's sessions are in, and the pod watch over them: one
// Kubernetes watch per place, on this home's label, so the daemon hears of a pod that changed or
// went away without polling. A place first used after the watch opened is watched from then on.
import type * as K8s from '@kubernetes/client-node';
import type { Apis } from './client.js';
import { formatId, homeSelector } from './objects.js';

export interface Place {
  context: string;
  namespace: string;
}

type On = { onChange(id: string): void; onOpen(): void; onError(e: unknown): void };

export class Places {
  private readonly known = new Map<string, Place>();
  private watching: ((p: Place) => void) | null = null;

  constructor(
    private readonly apis: Apis,
    private readonly home: string,
    /** Always among them: the configured namespace of the configured (or current) context. */
    private readonly fallback: Place,
  ) {}

  add(p: Place): void {
    const key = `${p.context}\n${p.namespace}`;
    if (this.known.has(key)) return;
    this.known.set(key, { context: p.context, namespace: p.namespace });
    this.watching?.(p);
  }

  all(): Place[] {
    const out = new Map(this.known);
    out.set(`${this.fallback.context}\n${this.fallback.namespace}`, this.fallback);
    return [...out.values()];
  }

  /** onChange with the session's object id when one of this home's pods changed; returns the stop. */
  watch(on: On): () => void {
    const aborts = new Map<string, AbortController>();
    let stopped = false;
    const add = (p: Place) => {
      const key = `${p.context}\n${p.namespace}`;
      if (aborts.has(key) || stopped) return;
      aborts.set(key, new AbortController()); // (a placeholder until the watch is open)
      void (async () => {
        const { kc, k8s } = await this.apis.get(p.context);
        const context = p.context || kc.getCurrentContext(); // (ids name the context they resolve to)
        const ctl = await new k8s.Watch(kc).watch(
          `/api/v1/namespaces/${p.namespace}/pods`,
          { labelSelector: homeSelector(this.home) },
          (_phase: string, obj: K8s.V1Pod) => {
            const name = obj.metadata?.name;
            if (name) on.onChange(formatId({ namespace: p.namespace, pod: name, context }));
          },
          (err: unknown) => {
            aborts.delete(key);
            if (!stopped) on.onError(err ?? new Error(`the pod watch of namespace ${p.namespace} ended`));
          },
        );
        if (stopped) return ctl.abort();
        aborts.set(key, ctl);
        on.onOpen();
      })().catch((e: unknown) => {
        aborts.delete(key);
        if (!stopped) on.onError(e);
      });
    };
    this.watching = add;
    for (const p of this.known.size > 0 ? this.known.values() : [this.fallback]) add(p);
    return () => {
      stopped = true;
      if (this.watching === add) this.watching = null;
      for (const a of aborts.values()) a.abort();
      aborts.clear();
    };
  }
}
