// The Create dialog's state machine: a pure reducer with a tiny API, no rendering and no keys.
// `createFormMachine` drives it without React (unit tests); `useCreateFormState` with useReducer.
import { useMemo, useReducer } from 'react';
import { nameProblem } from '../../shared/names.js';
import { ACCESS_MODES, AGENTS, BACKENDS } from '../../shared/types.js';
import type { CreateFormValues } from '../services.js';

/** The fields in focus order; `create` is the Create button. */
export const FIELDS = ['prompt', 'repo', 'name', 'backend', 'agent', 'accessMode', 'skipChecks', 'planMode', 'create'] as const;
export type FieldName = (typeof FIELDS)[number];
export type TextField = 'prompt' | 'repo' | 'name';
export type ChoiceField = 'backend' | 'agent' | 'accessMode' | 'skipChecks' | 'planMode';
export type FieldErrors = Partial<Record<FieldName, string>>;

export const BACKEND_CHOICES = ['default', ...BACKENDS] as const;
/** The choices of each multiple-choice field, in the order ←/→ walk them. */
export const CHOICES = {
  backend: BACKEND_CHOICES,
  agent: AGENTS,
  accessMode: ACCESS_MODES,
} as const;

export const MAX_SUGGESTIONS = 5;

export interface CreateFormState {
  focus: FieldName;
  prompt: string;
  repo: string;
  name: string;
  backend: CreateFormValues['backend'];
  agent: CreateFormValues['agent'];
  accessMode: CreateFormValues['accessMode'];
  skipChecks: boolean;
  planMode: boolean;
  fieldErrors: FieldErrors;
  formError: string | null;
  /** Repository suggestions for what is typed (at most MAX_SUGGESTIONS). */
  suggestions: readonly string[];
  /** The highlighted suggestion; -1: none (the list is closed, keys edit the text). */
  highlight: number;
}

export type CreateFormAction =
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'focus'; field: FieldName }
  | { type: 'nextChoice' }
  | { type: 'prevChoice' }
  | { type: 'toggle' }
  | { type: 'insertText'; text: string }
  | { type: 'deleteBack' }
  | { type: 'setText'; field: TextField; value: string }
  | { type: 'setErrors'; fieldErrors: FieldErrors; formError: string | null }
  | { type: 'setSuggestions'; suggestions: readonly string[] }
  | { type: 'suggestNext' }
  | { type: 'suggestPrev' }
  | { type: 'acceptSuggestion' }
  | { type: 'closeSuggestions' };

export function isTextField(f: FieldName): f is TextField {
  return f === 'prompt' || f === 'repo' || f === 'name';
}

export function isChoiceField(f: FieldName): f is ChoiceField {
  return f === 'backend' || f === 'agent' || f === 'accessMode' || f === 'skipChecks' || f === 'planMode';
}

/** The repository's suggestion list is open: a suggestion is highlighted and takes the keys. */
export function pickerOpen(s: CreateFormState): boolean {
  return s.focus === 'repo' && s.highlight >= 0 && s.highlight < s.suggestions.length;
}

export function initialFormState(
  initial: Partial<CreateFormValues> = {},
  errors: { fieldErrors?: FieldErrors; formError?: string | null } = {},
): CreateFormState {
  const state: CreateFormState = {
    focus: 'prompt',
    prompt: initial.prompt ?? '',
    repo: initial.repoPath ?? '',
    name: initial.name ?? '',
    backend: initial.backend ?? 'default',
    agent: initial.agent ?? AGENTS[0],
    accessMode: initial.accessMode ?? 'read-write',
    skipChecks: initial.skipChecks ?? false,
    planMode: initial.planMode ?? true,
    fieldErrors: {},
    formError: null,
    suggestions: [],
    highlight: -1,
  };
  const { fieldErrors = {}, formError = null } = errors;
  return Object.keys(fieldErrors).length > 0 || formError !== null
    ? createFormReducer(state, { type: 'setErrors', fieldErrors, formError })
    : state;
}

function withoutError(errors: FieldErrors, field: FieldName): FieldErrors {
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
  if (!isChoiceField(f)) return s;
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
  }
}

function setText(s: CreateFormState, field: TextField, value: string): CreateFormState {
  if (s[field] === value) return s;
  return { ...s, [field]: value, fieldErrors: withoutError(s.fieldErrors, field), highlight: field === 'repo' ? -1 : s.highlight };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function createFormReducer(s: CreateFormState, a: CreateFormAction): CreateFormState {
  switch (a.type) {
    case 'focusNext':
    case 'focusPrev': {
      const i = FIELDS.indexOf(s.focus);
      const by = a.type === 'focusNext' ? 1 : -1;
      return { ...s, focus: FIELDS[(i + by + FIELDS.length) % FIELDS.length] ?? 'prompt', highlight: -1 };
    }
    case 'focus':
      return { ...s, focus: a.field, highlight: -1 };
    case 'nextChoice':
    case 'toggle':
      return changeChoice(s, 1);
    case 'prevChoice':
      return changeChoice(s, -1);
    case 'insertText': {
      const f = s.focus;
      if (!isTextField(f)) return s;
      // The prompt keeps line breaks (a paste may bring \r\n); the one-line fields drop them.
      const text = f === 'prompt' ? a.text.replace(/\r\n?/g, '\n') : a.text.replace(/[\r\n]/g, '');
      return text ? setText(s, f, s[f] + text) : s;
    }
    case 'deleteBack': {
      const f = s.focus;
      if (!isTextField(f)) return s;
      return setText(s, f, Array.from(s[f]).slice(0, -1).join(''));
    }
    case 'setText':
      return setText(s, a.field, a.value);
    case 'setErrors': {
      const first = FIELDS.find((f) => a.fieldErrors[f] !== undefined);
      return { ...s, fieldErrors: a.fieldErrors, formError: a.formError, focus: first ?? s.focus, highlight: -1 };
    }
    case 'setSuggestions': {
      const suggestions = a.suggestions.slice(0, MAX_SUGGESTIONS);
      if (sameList(suggestions, s.suggestions)) return s;
      return { ...s, suggestions, highlight: -1 };
    }
    case 'suggestNext':
    case 'suggestPrev': {
      // The highlight walks the list and "none" (what was typed) as one cycle.
      const n = s.suggestions.length;
      if (s.focus !== 'repo' || n === 0) return s;
      const by = a.type === 'suggestNext' ? 1 : -1;
      return { ...s, highlight: ((s.highlight + 1 + by + n + 1) % (n + 1)) - 1 };
    }
    case 'acceptSuggestion': {
      if (s.focus !== 'repo') return s;
      const pick = s.suggestions[s.highlight >= 0 ? s.highlight : 0];
      if (pick === undefined) return s;
      return { ...setText(s, 'repo', pick), highlight: -1 };
    }
    case 'closeSuggestions':
      return s.highlight === -1 ? s : { ...s, highlight: -1 };
  }
}

/** Field errors for the form as it is (empty: fine to submit). */
export function validate(s: CreateFormState): FieldErrors {
  const errors: FieldErrors = {};
  if (s.prompt.trim() === '') errors.prompt = 'enter a prompt: what should the agent do?';
  if (s.repo.trim() === '') errors.repo = 'enter the path of a git repository';
  if (s.name !== '') {
    const problem = nameProblem(s.name);
    if (problem) errors.name = problem;
  }
  return errors;
}

/** What the dialog submits. Prompt and repository lose surrounding whitespace; the rest is as chosen. */
export function formValues(s: CreateFormState): CreateFormValues {
  return {
    prompt: s.prompt.trim(),
    repoPath: s.repo.trim(),
    name: s.name,
    backend: s.backend,
    agent: s.agent,
    accessMode: s.accessMode,
    skipChecks: s.skipChecks,
    planMode: s.planMode,
  };
}

export interface CreateFormApi {
  focusNext: () => void;
  focusPrev: () => void;
  focus: (field: FieldName) => void;
  nextChoice: () => void;
  prevChoice: () => void;
  toggle: () => void;
  insertText: (text: string) => void;
  deleteBack: () => void;
  setText: (field: TextField, value: string) => void;
  setErrors: (fieldErrors: FieldErrors, formError: string | null) => void;
  setSuggestions: (suggestions: readonly string[]) => void;
  suggestNext: () => void;
  suggestPrev: () => void;
  acceptSuggestion: () => void;
  closeSuggestions: () => void;
}

function api(dispatch: (a: CreateFormAction) => void): CreateFormApi {
  return {
    focusNext: () => dispatch({ type: 'focusNext' }),
    focusPrev: () => dispatch({ type: 'focusPrev' }),
    focus: (field) => dispatch({ type: 'focus', field }),
    nextChoice: () => dispatch({ type: 'nextChoice' }),
    prevChoice: () => dispatch({ type: 'prevChoice' }),
    toggle: () => dispatch({ type: 'toggle' }),
    insertText: (text) => dispatch({ type: 'insertText', text }),
    deleteBack: () => dispatch({ type: 'deleteBack' }),
    setText: (field, value) => dispatch({ type: 'setText', field, value }),
    setErrors: (fieldErrors, formError) => dispatch({ type: 'setErrors', fieldErrors, formError }),
    setSuggestions: (suggestions) => dispatch({ type: 'setSuggestions', suggestions }),
    suggestNext: () => dispatch({ type: 'suggestNext' }),
    suggestPrev: () => dispatch({ type: 'suggestPrev' }),
    acceptSuggestion: () => dispatch({ type: 'acceptSuggestion' }),
    closeSuggestions: () => dispatch({ type: 'closeSuggestions' }),
  };
}

export interface CreateFormMachine extends CreateFormApi {
  readonly state: CreateFormState;
  validate(): FieldErrors;
  values(): CreateFormValues;
}

/** The state machine without React: for tests and anything that wants to drive it directly. */
export function createFormMachine(initial: CreateFormState = initialFormState()): CreateFormMachine {
  let state = initial;
  return {
    get state() {
      return state;
    },
    ...api((a) => {
      state = createFormReducer(state, a);
    }),
    validate: () => validate(state),
    values: () => formValues(state),
  };
}

/** The state machine in a component: state plus the same API. */
export function useCreateFormState(init: () => CreateFormState): CreateFormApi & { state: CreateFormState } {
  const [state, dispatch] = useReducer(createFormReducer, undefined, init);
  const actions = useMemo(() => api(dispatch), []);
  return { state, ...actions };
}
