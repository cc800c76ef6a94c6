// Create a session: every option of the CLI, the backend's own options from GET /api/catalog,
// the creation steps as /ws/events reports them, and errors shown on the field they belong to.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ProgressEvent } from '../shared/events.js';
import type { RecentRepo } from '../shared/types.js';
import type { Catalog, DirectoryListing } from '../shared/results.js';
import { api, ApiError, errorText, type CreateBody } from './api';
import { href, navigate } from './router';
import { onEvent, setFlash, upsert } from './store';

interface Form {
  repoPath: string;
  prompt: string;
  name: string;
  backend: string;
  agent: string;
  model: string;
  accessMode: 'read-only' | 'read-write';
  planMode: boolean;
  skipChecks: boolean;
  options: Record<string, string>;
}

const EMPTY: Form = { repoPath: '', prompt: '', name: '', backend: '', agent: '', model: '', accessMode: 'read-write', planMode: true, skipChecks: false, options: {} };

/** The form's field for an error's `field` (`repo`, `option:<key>`…); unknown ones go to the form. */
function Field({ label, id, error, children, hint }: { label: string; id: string; error?: string | undefined; hint?: string | undefined; children: ReactNode }) {
  return (
    <div className={`field${error ? ' has-error' : ''}`} data-field={id}>
      <label htmlFor={`f-${id}`}>{label}</label>
      {children}
      {hint && !error && <div className="hint">{hint}</div>}
      {error && <div className="error" role="alert" data-testid={`error-${id}`}>{error}</div>}
    </div>
  );
}

export function CreateForm() {
  const [form, setForm] = useState<Form>(EMPTY);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [catalogError, setCatalogError] = useState<string | null>(null);
  const [recent, setRecent] = useState<RecentRepo[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [steps, setSteps] = useState<ProgressEvent[]>([]);
  const [browsing, setBrowsing] = useState(false);
  const since = useRef(false);

  useEffect(() => {
    api.catalog().then(setCatalog, (e: unknown) => setCatalogError(errorText(e)));
    api.recentRepos().then(setRecent, () => setRecent([]));
    return onEvent((e) => {
      if (e.type === 'create.progress' && since.current) setSteps((s) => [...s, e]);
    });
  }, []);

  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setErrors((e) => {
      const field = k === 'repoPath' ? 'repo' : k;
      if (!(field in e)) return e;
      const { [field]: _gone, ...rest } = e;
      return rest;
    });
  };

  const backendName = form.backend || catalog?.defaults.backend || '';
  const options = catalog?.backends.find((b) => b.name === backendName)?.options ?? [];

  const submit = async (ev: { preventDefault(): void }) => {
    ev.preventDefault();
    setErrors({});
    setFormError(null);
    setSteps([]);
    const repoPath = form.repoPath.trim();
    if (!repoPath.startsWith('/')) {
      setErrors({ repo: 'an absolute path to a directory inside a git repository' });
      return;
    }
    const backendRequest: Record<string, string | number> = {};
    for (const o of options) {
      const v = (form.options[o.key] ?? '').trim();
      if (v) backendRequest[o.key] = o.type === 'number' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    const body: CreateBody = {
      repoPath,
      prompt: form.prompt,
      accessMode: form.accessMode,
      planMode: form.planMode,
      skipChecks: form.skipChecks,
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.backend ? { backend: form.backend } : {}),
      ...(form.agent ? { agent: form.agent } : {}),
      ...(form.model.trim() ? { model: form.model.trim() } : {}),
      ...(Object.keys(backendRequest).length ? { backendRequest } : {}),
    };
    setBusy(true);
    since.current = true;
    try {
      const r = await api.create(body);
      upsert(r.session);
      // (the warnings go along to the session page, which shows them above its tabs)
      setFlash(r.session.id, r.warnings);
      navigate(href({ page: 'session', name: r.session.name, tab: 'terminal' }));
    } catch (e) {
      if (e instanceof ApiError && e.field) setErrors({ [e.field]: e.message });
      else setFormError(errorText(e));
    } finally {
      since.current = false;
      setBusy(false);
    }
  };
  const knownFields = new Set(['repo', 'prompt', 'name', 'backend', 'agent', 'model', 'accessMode', ...options.map((o) => `option:${o.key}`)]);
  const stray = Object.entries(errors).filter(([k]) => !knownFields.has(k));

  return (
    <section className="create">
      <h1>New session</h1>
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="create-form">
        <Field label="Repository" id="repo" error={errors.repo} hint="a directory inside a git repository (absolute path)">
          <div className="inline">
            <input id="f-repo" list="recent-repos" value={form.repoPath} onChange={(e) => set('repoPath', e.target.value)} placeholder="/path/to/repo" autoComplete="off" spellCheck={false} />
            <button type="button" onClick={() => setBrowsing((b) => !b)} aria-expanded={browsing}>Browse…</button>
          </div>
          <datalist id="recent-repos">
            {recent.map((r) => (
              <option key={r.path} value={r.path} />
            ))}
          </datalist>
          {recent.length > 0 && (
            <div className="chips" aria-label="Recent repositories">
              {recent.slice(0, 5).map((r) => (
                <button type="button" className="chip" key={r.path} title={r.path} onClick={() => set('repoPath', r.path)}>{r.path.split('/').filter(Boolean).pop() ?? r.path}</button>
              ))}
            </div>
          )}
          {browsing && <DirectoryBrowser start={form.repoPath || '~'} onPick={(p) => { set('repoPath', p); setBrowsing(false); }} />}
        </Field>
        <Field label="Prompt" id="prompt" error={errors.prompt}>
          <textarea id="f-prompt" rows={5} value={form.prompt} onChange={(e) => set('prompt', e.target.value)} placeholder="What should the agent do?" />
        </Field>
        <div className="grid">
          <Field label="Name (optional)" id="name" error={errors.name}>
            <input id="f-name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="from the prompt" autoComplete="off" />
          </Field>
          <Field label="Backend" id="backend" error={errors.backend ?? catalogError ?? undefined}>
            <select id="f-backend" value={form.backend} onChange={(e) => set('backend', e.target.value)}>
              <option value="">default{catalog?.defaults.backend ? ` (${catalog.defaults.backend})` : ''}</option>
              {catalog?.backends.map((b) => (
                <option key={b.name} value={b.name}>{b.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Agent" id="agent" error={errors.agent}>
            <select id="f-agent" value={form.agent} onChange={(e) => set('agent', e.target.value)}>
              <option value="">default{catalog ? ` (${catalog.defaults.agent})` : ''}</option>
              {catalog?.agents.map((a) => (
                <option key={a.name} value={a.name}>{a.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Model (optional)" id="model" error={errors.model}>
            <input id="f-model" list="f-model-known" value={form.model} onChange={(e) => set('model', e.target.value)} placeholder="the agent's default" autoComplete="off" />
            <datalist id="f-model-known">
              {catalog?.agents
                .find((a) => a.name === (form.agent || catalog.defaults.agent))
                ?.models.map((m) => (
                  <option key={m.id} value={m.id}>{m.about}</option>
                ))}
            </datalist>
          </Field>
          <Field label="Access mode" id="accessMode" error={errors.accessMode}>
            <select id="f-accessMode" value={form.accessMode} onChange={(e) => set('accessMode', e.target.value as Form['accessMode'])}>
              <option value="read-write">read-write</option>
              <option value="read-only">read-only</option>
            </select>
          </Field>
          {options.map((o) => (
            <Field key={o.key} label={o.key} id={`option:${o.key}`} error={errors[`option:${o.key}`]} hint={o.description}>
              {o.choices ? (
                <select id={`f-option:${o.key}`} value={form.options[o.key] ?? ''} onChange={(e) => set('options', { ...form.options, [o.key]: e.target.value })}>
                  <option value="">default</option>
                  {o.choices.map((c) => (
                    <option key={c} value={c}>{c}</option>
                  ))}
                </select>
              ) : (
                <input id={`f-option:${o.key}`} inputMode={o.type === 'number' ? 'decimal' : undefined} value={form.options[o.key] ?? ''} onChange={(e) => set('options', { ...form.options, [o.key]: e.target.value })} placeholder={o.expects ?? ''} autoComplete="off" />
              )}
            </Field>
          ))}
        </div>
        <div className="checks">
          <label><input type="checkbox" checked={form.planMode} onChange={(e) => set('planMode', e.target.checked)} /> Plan mode</label>
          <label><input type="checkbox" checked={form.skipChecks} onChange={(e) => set('skipChecks', e.target.checked)} /> Skip checks (the agent runs without asking permission)</label>
        </div>
        {stray.map(([k, m]) => (
          <div key={k} className="error" role="alert">{k}: {m}</div>
        ))}
        {formError && <div className="error" role="alert" data-testid="form-error">{formError}</div>}
        <div className="submit">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create session'}</button>
        </div>
      </form>
      {steps.length > 0 && <Steps events={steps} />}
    </section>
  );
}

/** One line per step (its latest state), then the warnings the steps gave. */
function Steps({ events }: { events: ProgressEvent[] }) {
  const last = new Map<string, ProgressEvent>();
  for (const e of events) if (e.state !== 'warning') last.set(e.step, e);
  const warnings = events.filter((e) => e.state === 'warning' && e.message);
  return (
    <div className="steps" data-testid="steps" aria-live="polite">
      <ol>
        {[...last.values()].map((p) => (
          <li key={p.step} className={`step-${p.state}`}>
            <span className="step-name">{p.step}</span> <span>{p.state === 'started' ? '…' : p.state.replace('_', ' ')}</span>
            {p.ms !== null && <span className="muted"> {p.ms} ms</span>}
            {p.message && <div className="small">{p.message}</div>}
          </li>
        ))}
      </ol>
      {warnings.map((w, i) => (
        <div key={i} className="notice small">{w.message}</div>
      ))}
    </div>
  );
}

function DirectoryBrowser({ start, onPick }: { start: string; onPick: (path: string) => void }) {
  const [at, setAt] = useState<DirectoryListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const go = (path: string) => {
    setError(null);
    api.browse(path).then(setAt, (e: unknown) => setError(errorText(e)));
  };
  useEffect(() => {
    let live = true;
    api.browse(start).then(
      (b) => live && setAt(b),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
    // (opened once per click on Browse…)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div className="browser" data-testid="browser">
      {error && <div className="error">{error}</div>}
      {at && (
        <>
          <div className="inline">
            <button type="button" disabled={at.parent === null} onClick={() => at.parent !== null && go(at.parent)}>Up</button>
            <code className="path">{at.path}</code>
            <button type="button" className="primary" onClick={() => onPick(at.path)}>Use this</button>
          </div>
          {at.error && <div className="error">{at.error}</div>}
          <ul>
            {at.entries.map((e) => (
              <li key={e.name}>
                <button type="button" className="link" onClick={() => go(`${at.path.replace(/\/$/, '')}/${e.name}`)}>{e.name}/</button>
                {e.repo && <button type="button" className="chip" onClick={() => onPick(`${at.path.replace(/\/$/, '')}/${e.name}`)}>use repo</button>}
              </li>
            ))}
            {at.entries.length === 0 && <li className="muted">no subdirectories</li>}
          </ul>
        </>
      )}
    </div>
  );
}
