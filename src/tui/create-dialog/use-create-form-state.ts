// The Create dialog's state machine: a pure reducer with a tiny API, no rendering and no keys.
// Its state lives in the TUI's store (`createDraft`) while the dialog is open and after it is left
// with Esc, so what was typed survives $EDITOR (the TUI is unmounted meanwhile) and comes back with
// the next `n`. Fields are derived: a backend's own options come from the backend registry and are
// fields only while that backend is chosen.
// (Over 400 lines: the reducer of the whole form — fields, suggestions, browser, errors by field —
// kept in one place so every transition is tested as one state machine.)
import fuzzysort from 'fuzzysort';
import { backendOptions, offeredBackends } from '../../backends/registry.js';
import type { BackendOption } from '../../backends/spec.js';
import { isClauderonError, errorMessage } from '../../shared/errors.js';
import { nameProblem } from '../../shared/names.js';
import { ACCESS_MODES, AGENTS, BACKENDS, type BackendName } from '../../shared/types.js';
import type { CreateFormValues, DirectoryListing } from '../services.js';
import { cleanText, textReducer, textState, type TextEdit, type TextInputState } from '../text-input/use-text-input-state.js';

export type OptionField = `option:${string}`;
export type FieldId = 'prompt' | 'repo' | 'name' | 'backend' | OptionField | 'agent' | 'model' | 'accessMode' | 'skipChecks' | 'planMode' | 'create';
export type TextFieldId = 'prompt' | 'repo' | 'name' | 'model' | OptionField;
export type FieldErrors = Readonly<Partial<Record<string, string>>>;

export type BackendChoice = 'default' | (typeof BACKENDS)[number];
/** (a backend bound to another platform, e.g. apple off macOS 26, is not offered) */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['default', ...offeredBackends()];
/** The choices of each multiple-choice field, in the order ←/→ walk them. */
export const CHOICES = { backend: BACKEND_CHOICES, agent: AGENTS, accessMode: ACCESS_MODES } as const;

/** Suggestions shown under the repository at most. */
export const MAX_SUGGESTIONS = 5;
const SHOWN = { open: true, highlight: -1 } as const;
const CLOSED = { open: false, highlight: -1 } as const;

export interface BrowserState {
  /** The directory asked for (resolved by the listing, which may differ: `~`, `..`, the home). */
  requested: string;
  /** The entry to highlight once the listing arrives (the directory we came up from). */
  select: string | null;
  listing: DirectoryListing | null;
  filter: TextInputState;
  highlight: number;
}

export interface CreateFormState {
  focus: FieldId;
  text: Readonly<Record<string, TextInputState>>;
  backend: BackendChoice;
  agent: CreateFormValues['agent'];
  accessMode: CreateFormValues['accessMode'];
  skipChecks: boolean;
  planMode: boolean;
  /** Choice options of backends (`option:<key>` → a choice, '' = the backend's default). */
  choice: Readonly<Record<string, string>>;
  fieldErrors: FieldErrors;
  formError: string | null;
  /** The repository's suggestions: shown (Esc hides them until the next edit), and the one highlighted (-1: none, keys edit the field). */
  suggest: { open: boolean; highlight: number };
  recent: readonly string[];
  /** Path completions of the repository's text (`for`: the text they complete). */
  completions: { for: string; items: readonly string[] };
  browser: BrowserState | null;
  /** The values the dialog opened with (leaving with anything else keeps a draft). */
  initial: CreateFormValues;
}

export type CreateFormAction =
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'focus'; field: FieldId }
  | { type: 'nextChoice' }
  | { type: 'prevChoice' }
  | { type: 'edit'; edit: TextEdit }
  | { type: 'setText'; field: TextFieldId; value: string }
  /** The directory clauderon was started in, when it is inside a git repository: taken while the field is still empty. */
  | { type: 'defaultRepo'; path: string }
  | { type: 'setErrors'; fieldErrors: FieldErrors; formError: string | null }
  | { type: 'setRecent'; recent: readonly string[] }
  | { type: 'setCompletions'; for: string; items: readonly string[] }
  | { type: 'suggestClose' }
  | { type: 'suggestMove'; by: 1 | -1 }
  | { type: 'suggestAccept' }
  | { type: 'browserOpen'; path: string }
  | { type: 'browserListing'; requested: string; listing: DirectoryListing }
  | { type: 'browserEdit'; edit: TextEdit }
  | { type: 'browserMove'; by: number }
  | { type: 'browserOpenHighlighted' }
  | { type: 'browserParent' }
  | { type: 'browserChoose' }
  | { type: 'browserClose' };

// ------------------------------------------------------------------ fields

/** The backend's own options (from its registry spec), `[]` for the daemon's default. */
export function optionsFor(backend: BackendChoice): (BackendOption & { backends: BackendName[] })[] {
  return backend === 'default' ? [] : backendOptions().filter((o) => o.backends.includes(backend));
}

export const optionField = (key: string): OptionField => `option:${key}`;

/** The fields in focus order, for the backend chosen; `create` is the Create button. */
export function fieldsOf(s: Pick<CreateFormState, 'backend'>): FieldId[] {
  return ['prompt', 'repo', 'name', 'backend', ...optionsFor(s.backend).map((o) => optionField(o.key)), 'agent', 'model', 'accessMode', 'skipChecks', 'planMode', 'create'];
}

/** The registry's option behind an `option:<key>` field. */
export function optionOf(field: FieldId): (BackendOption & { backends: BackendName[] }) | undefined {
  if (!field.startsWith('option:')) return undefined;
  const key = field.slice('option:'.length);
  return backendOptions().find((o) => o.key === key);
}

export function isTextField(f: FieldId): f is TextFieldId {
  if (f === 'prompt' || f === 'repo' || f === 'name' || f === 'model') return true;
  const o = optionOf(f);
  return o !== undefined && !o.choices;
}

/** A field whose value is picked with ←/→ (or toggled with Space). */
export function isChoiceField(f: FieldId): boolean {
  return f === 'backend' || f === 'agent' || f === 'accessMode' || f === 'skipChecks' || f === 'planMode' || optionOf(f)?.choices !== undefined;
}

export function textOf(s: CreateFormState, f: TextFieldId): TextInputState {
  return s.text[f] ?? EMPTY_TEXT;
}
export const valueOf = (s: CreateFormState, f: TextFieldId): string => textOf(s, f).value;

const EMPTY_TEXT = textState('');

// ------------------------------------------------------------------ initial

export const DEFAULT_VALUES: CreateFormValues = {
  prompt: '',
  repoPath: '',
  name: '',
  backend: 'default',
  backendRequest: {},
  agent: AGENTS[0],
  model: '',
  accessMode: 'read-write',
  skipChecks: false,
  planMode: true,
};

export function initialFormState(init: Partial<CreateFormValues> = {}): CreateFormState {
  const v: CreateFormValues = { ...DEFAULT_VALUES, ...init };
  const text: Record<string, TextInputState> = { prompt: textState(v.prompt), repo: textState(v.repoPath), name: textState(v.name), model: textState(v.model) };
  const choice: Record<string, string> = {};
  for (const o of optionsFor(v.backend)) {
    const given = v.backendRequest[o.key];
    if (given === undefined) continue;
    if (o.choices) choice[optionField(o.key)] = String(given);
    else text[optionField(o.key)] = textState(String(given));
  }
  return {
    focus: 'prompt',
    text,
    backend: v.backend,
    agent: v.agent,
    accessMode: v.accessMode,
    skipChecks: v.skipChecks,
    planMode: v.planMode,
    choice,
    fieldErrors: {},
    formError: null,
    suggest: SHOWN,
    recent: [],
    completions: { for: '', items: [] },
    browser: null,
    initial: v,
  };
}

/** Anything typed or chosen since the dialog opened (leaving it keeps a draft). */
export function isDirty(s: CreateFormState): boolean {
  return JSON.stringify(formValues(s)) !== JSON.stringify(formValues(initialFormState(s.initial)));
}

// ------------------------------------------------------------------ suggestions

/** The repository's suggestions: recent repositories matched fuzzily, then path completions. */
export function suggestionItems(s: CreateFormState): string[] {
  const typed = valueOf(s, 'repo').trim();
  const recent = typed === '' ? s.recent.slice(0, MAX_SUGGESTIONS) : fuzzysort.go(typed, s.recent, { limit: MAX_SUGGESTIONS, threshold: 0 }).map((r) => r.target);
  const completions = s.completions.for === valueOf(s, 'repo') ? s.completions.items : [];
  const bare = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  return [...new Set([...recent, ...completions])].filter((x) => bare(x) !== bare(typed)).slice(0, MAX_SUGGESTIONS);
}

/** Suggestions are drawn under the repository (it is focused, they were not closed, there are some). */
export function suggestionsShown(s: CreateFormState): boolean {
  return s.focus === 'repo' && s.browser === null && s.suggest.open && suggestionItems(s).length > 0;
}

/** A suggestion is highlighted: the list has ↑/↓/Enter. */
export function picking(s: CreateFormState): boolean {
  return suggestionsShown(s) && s.suggest.highlight >= 0 && s.suggest.highlight < suggestionItems(s).length;
}


// ------------------------------------------------------------------ browser

export interface BrowserItem {
  /** '.' is the directory shown itself. */
  name: string;
  path: string;
  repo: boolean;
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** The browser's rows: this directory (while nothing is typed), then the subdirectories matching the filter. */
export function browserItems(b: BrowserState): BrowserItem[] {
  const l = b.listing;
  if (!l) return [];
  const filter = b.filter.value.trim();
  const entries = filter === '' ? l.entries : fuzzysort.go(filter, l.entries, { key: 'name', threshold: 0, limit: 0 }).map((r) => r.obj);
  const self: BrowserItem[] = filter === '' ? [{ name: '.', path: l.path, repo: l.repoRoot === l.path }] : [];
  return [...self, ...entries.map((e) => ({ name: e.name, path: joinPath(l.path, e.name), repo: e.repo }))];
}

function browserAt(path: string, select: string | null = null): BrowserState {
  return { requested: path, select, listing: null, filter: textState(''), highlight: 0 };
}

function browserReducer(b: BrowserState, a: CreateFormAction): BrowserState {
  const items = browserItems(b);
  const clamp = (i: number) => Math.max(0, Math.min(items.length - 1, i));
  switch (a.type) {
    case 'browserListing': {
      if (a.requested !== b.requested) return b;
      const next = { ...b, listing: a.listing, filter: textState(''), highlight: 0 };
      const i = b.select ? browserItems(next).findIndex((x) => x.name === b.select) : -1;
      return i >= 0 ? { ...next, highlight: i } : next;
    }
    case 'browserEdit': {
      const filter = textReducer(b.filter, a.edit);
      return filter === b.filter ? b : { ...b, filter, highlight: 0 };
    }
    case 'browserMove':
      return items.length === 0 ? b : { ...b, highlight: clamp(b.highlight + a.by) };
    case 'browserOpenHighlighted': {
      const it = items[clamp(b.highlight)];
      return !it || it.name === '.' ? b : browserAt(it.path);
    }
    case 'browserParent': {
      const l = b.listing;
      if (!l?.parent) return b;
      return browserAt(l.parent, l.path.slice(l.path.lastIndexOf('/') + 1));
    }
    default:
      return b;
  }
}

// ------------------------------------------------------------------ reducer

function withoutError(errors: FieldErrors, field: string): FieldErrors {
  if (!(field in errors)) return errors;
  const rest = { ...errors };
  delete rest[field];
  return rest;
}

function cycle<T>(list: readonly T[], current: T, by: number): T {
  const i = list.indexOf(current);
  return list[(i + by + list.length) % list.length] ?? current;
}

function changeChoice(s: CreateFormState, by: 1 | -1): CreateFormState {
  const f = s.focus;
  const fieldErrors = withoutError(s.fieldErrors, f);
  switch (f) {
    case 'backend':
      return { ...s, fieldErrors, backend: cycle(CHOICES.backend, s.backend, by) };
    case 'agent':
      return { ...s, fieldErrors, agent: cycle(CHOICES.agent, s.agent, by) };
    case 'accessMode':
      return { ...s, fieldErrors, accessMode: cycle(CHOICES.accessMode, s.accessMode, by) };
    case 'skipChecks':
      return { ...s, fieldErrors, skipChecks: !s.skipChecks };
    case 'planMode':
      return { ...s, fieldErrors, planMode: !s.planMode };
    default: {
      const o = optionOf(f);
      if (!o?.choices) return s;
      // '' (the backend's default) is the first choice
      return { ...s, fieldErrors, choice: { ...s.choice, [f]: cycle(['', ...o.choices], s.choice[f] ?? '', by) } };
    }
  }
}

function setText(s: CreateFormState, field: TextFieldId, next: TextInputState): CreateFormState {
  const before = textOf(s, field);
  if (before === next || (before.value === next.value && before.cursor === next.cursor)) return s;
  const changed = before.value !== next.value;
  return {
    ...s,
    text: { ...s.text, [field]: next },
    fieldErrors: changed ? withoutError(s.fieldErrors, field) : s.fieldErrors,
    // editing the repository shows its suggestions again (and leaves the list)
    suggest: field === 'repo' && changed ? SHOWN : s.suggest,
  };
}

function moveFocus(s: CreateFormState, field: FieldId): CreateFormState {
  return field === s.focus ? s : { ...s, focus: field, suggest: SHOWN };
}

export function createFormReducer(s: CreateFormState, a: CreateFormAction): CreateFormState {
  switch (a.type) {
    case 'focusNext':
    case 'focusPrev': {
      const fields = fieldsOf(s);
      const i = fields.indexOf(s.focus);
      const by = a.type === 'focusNext' ? 1 : -1;
      return moveFocus(s, fields[(i + by + fields.length) % fields.length] ?? 'prompt');
    }
    case 'focus':
      return fieldsOf(s).includes(a.field) ? moveFocus(s, a.field) : s;
    case 'nextChoice':
      return changeChoice(s, 1);
    case 'prevChoice':
      return changeChoice(s, -1);
    case 'edit': {
      const f = s.focus;
      if (!isTextField(f)) return s;
      return setText(s, f, textReducer(textOf(s, f), a.edit, { multiline: f === 'prompt' }));
    }
    case 'setText':
      // from outside the keyboard ($EDITOR): control characters never get into a field
      return setText(s, a.field, textState(cleanText(a.value, a.field === 'prompt')));
    case 'defaultRepo':
      if (valueOf(s, 'repo') !== '' || s.initial.repoPath !== '') return s;
      return { ...s, text: { ...s.text, repo: textState(cleanText(a.path, false)) }, initial: { ...s.initial, repoPath: cleanText(a.path, false) } };
    case 'setErrors': {
      const fields = fieldsOf(s);
      const first = fields.find((f) => a.fieldErrors[f] !== undefined);
      return { ...s, fieldErrors: a.fieldErrors, formError: a.formError, focus: first ?? s.focus, suggest: CLOSED };
    }
    case 'setRecent':
      return { ...s, recent: a.recent };
    case 'setCompletions':
      return a.for === valueOf(s, 'repo') ? { ...s, completions: { for: a.for, items: a.items } } : s;
    case 'suggestClose':
      return s.suggest.open ? { ...s, suggest: CLOSED } : s;
    case 'suggestMove': {
      // the highlight walks the list and "none" (the field) as one line: ↑ from the first is the field
      const n = suggestionItems(s).length;
      if (!suggestionsShown(s)) return s;
      const highlight = Math.max(-1, Math.min(n - 1, s.suggest.highlight + a.by));
      return highlight === s.suggest.highlight ? s : { ...s, suggest: { open: true, highlight } };
    }
    case 'suggestAccept': {
      const items = suggestionItems(s);
      const pick = items[s.suggest.highlight >= 0 ? s.suggest.highlight : 0];
      if (pick === undefined || s.focus !== 'repo') return s;
      return { ...setText(s, 'repo', textState(cleanText(pick, false))), suggest: CLOSED };
    }
    case 'browserOpen':
      return { ...s, focus: 'repo', browser: browserAt(a.path), suggest: CLOSED };
    case 'browserClose':
      return s.browser ? { ...s, browser: null } : s;
    case 'browserChoose': {
      const b = s.browser;
      if (!b?.listing) return s;
      const items = browserItems(b);
      const it = items[Math.max(0, Math.min(items.length - 1, b.highlight))];
      const path = it?.path ?? b.listing.path;
      return { ...setText(s, 'repo', textState(cleanText(path, false))), browser: null, suggest: CLOSED };
    }
    case 'browserListing':
    case 'browserEdit':
    case 'browserMove':
    case 'browserOpenHighlighted':
    case 'browserParent': {
      if (!s.browser) return s;
      const b = browserReducer(s.browser, a);
      return b === s.browser ? s : { ...s, browser: b };
    }
  }
}

// ------------------------------------------------------------------ submit

/** Field errors for the form as it is (empty: fine to submit). */
export function validate(s: CreateFormState): Record<string, string> {
  const errors: Record<string, string> = {};
  if (valueOf(s, 'prompt').trim() === '') errors.prompt = 'enter a prompt: what should the agent do?';
  if (valueOf(s, 'repo').trim() === '') errors.repo = 'enter the path of a git repository';
  const name = valueOf(s, 'name');
  if (name !== '') {
    const problem = nameProblem(name);
    if (problem) errors.name = problem;
  }
  for (const o of optionsFor(s.backend)) {
    if (o.type !== 'number') continue;
    const raw = valueOf(s, optionField(o.key)).trim();
    if (raw === '') continue;
    const n = Number(raw);
    if (!(Number.isFinite(n) && n > 0)) errors[optionField(o.key)] = `"${raw}" is not ${o.expects ?? 'a number above 0'}`;
  }
  return errors;
}

/** What the dialog submits. Prompt, repository and model lose surrounding whitespace; options only when set. */
export function formValues(s: CreateFormState): CreateFormValues {
  const backendRequest: Record<string, string | number> = {};
  for (const o of optionsFor(s.backend)) {
    const f = optionField(o.key);
    const raw = (o.choices ? (s.choice[f] ?? '') : valueOf(s, f)).trim();
    if (raw === '') continue;
    backendRequest[o.key] = o.type === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return {
    prompt: valueOf(s, 'prompt').trim(),
    repoPath: valueOf(s, 'repo').trim(),
    name: valueOf(s, 'name'),
    backend: s.backend,
    backendRequest,
    agent: s.agent,
    model: valueOf(s, 'model').trim(),
    accessMode: s.accessMode,
    skipChecks: s.skipChecks,
    planMode: s.planMode,
  };
}

/**
 * Where the daemon's refusal goes: on the field its error names (`ClauderonError.field`, on the
 * wire as `error.field`), when the dialog shows that field; otherwise under the form.
 */
export function placeError(s: CreateFormState, e: unknown): { fieldErrors: Record<string, string>; formError: string | null } {
  const message = errorMessage(e);
  const field = isClauderonError(e) ? e.field : undefined;
  if (field && (fieldsOf(s) as string[]).includes(field)) return { fieldErrors: { [field]: message }, formError: null };
  return { fieldErrors: {}, formError: message };
}

// ------------------------------------------------------------------ driving it

export interface CreateFormMachine {
  readonly state: CreateFormState;
  dispatch(a: CreateFormAction): void;
}

/** The state machine without React: for tests and anything that wants to drive it directly. */
export function createFormMachine(initial: CreateFormState = initialFormState()): CreateFormMachine {
  let state = initial;
  return {
    get state() {
      return state;
    },
    dispatch(a) {
      state = createFormReducer(state, a);
    },
  };
}
