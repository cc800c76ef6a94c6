// Keys → the Create dialog's state machine, and the dialog's side effects (recent repositories,
// path completions, directory listings, $EDITOR, the create itself) through the services. Every
// command comes from the keymap: the browser's, then the suggestions', then the focused text
// field's edits (the one text-input widget), then the form's. Esc closes the innermost thing only:
// the browser, else the suggestions, else the dialog (what was typed is kept as a draft).
//
// The form's state lives in the store (`createDraft`), so every key reads the state the previous
// key left (a chunk of keys is handled in one go) and nothing is lost while $EDITOR has the
// terminal (the TUI is unmounted then).
import { useInput, type Key } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useStore } from 'zustand';
import { errorMessage } from '../../shared/errors.js';
import { commandFor, keyName, type KeyFlags } from '../keymap.js';
import { forEachKey } from '../keys.js';
import type { TuiServices } from '../services.js';
import { actions, type TuiStore } from '../store.js';
import { createPasteFilter, textEditFor } from '../text-input/use-text-input.js';
import { onFirstLine, onLastLine } from '../text-input/use-text-input-state.js';
import {
  createFormReducer,
  formValues,
  initialFormState,
  isChoiceField,
  isDirty,
  isTextField,
  picking,
  placeError,
  suggestionsShown,
  textOf,
  validate,
  valueOf,
  type CreateFormAction,
  type CreateFormState,
} from './use-create-form-state.js';

/** The store's draft, when it is a form (it is opaque to the store). */
export function formOf(store: TuiStore): CreateFormState | null {
  return asForm(store.getState().createDraft);
}

function asForm(d: unknown): CreateFormState | null {
  return typeof d === 'object' && d !== null && 'text' in d && 'initial' in d && 'focus' in d ? (d as CreateFormState) : null;
}

/** The state hook: the form as the store holds it, and a dispatch that runs the reducer on it. */
export function useCreateFormState(store: TuiStore) {
  const fallback = useRef<CreateFormState | null>(null);
  fallback.current ??= initialFormState();
  const stored = useStore(store, (s) => asForm(s.createDraft));
  const act = useMemo(() => actions(store), [store]);
  const current = useMemo(() => () => formOf(store) ?? fallback.current ?? initialFormState(), [store]);
  const dispatch = useMemo(
    () => (a: CreateFormAction) => {
      const cur = current();
      const next = createFormReducer(cur, a);
      if (next !== cur || formOf(store) === null) act.setDraft(next);
    },
    [store, act, current],
  );
  // A new dialog (no draft waiting) starts from the defaults.
  useLayoutEffect(() => {
    if (formOf(store) === null && fallback.current) act.setDraft(fallback.current);
  }, [store, act]);
  return { state: stored ?? fallback.current, dispatch, current };
}

/** Where the browser opens: the repository's text when it names a directory, else where clauderon started. */
function browseFrom(s: CreateFormState): string {
  return valueOf(s, 'repo').trim() || '.';
}

const looksLikePath = (t: string) => /^[/~.]/.test(t);

export function useCreateForm(opts: { store: TuiStore; services: TuiServices }) {
  const { store, services } = opts;
  const { state, dispatch, current } = useCreateFormState(store);
  const act = useMemo(() => actions(store), [store]);
  const submitting = useStore(store, (s) => s.create.submitting);
  /** The directory clauderon was started in, when inside a git repository (the CLI's `.`). */
  const startRepo = useRef<string | null>(null);

  // --- what the dialog needs to know, once ---------------------------------------------------
  useEffect(() => {
    let live = true;
    services.recentRepos().then(
      (recent) => live && dispatch({ type: 'setRecent', recent }),
      () => undefined, // no recent repositories is fine
    );
    services.listDirectory('.').then(
      (l) => {
        if (!live || l.repoRoot === null) return;
        startRepo.current = l.path;
        dispatch({ type: 'defaultRepo', path: l.path });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [services, dispatch]);

  // --- path completions of what is typed in the repository ---------------------------------------
  const repoText = valueOf(state, 'repo');
  const repoFocused = state.focus === 'repo';
  useEffect(() => {
    if (!repoFocused || !looksLikePath(repoText)) return;
    let live = true;
    services.completePath(repoText).then(
      (items) => live && dispatch({ type: 'setCompletions', for: repoText, items }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [repoFocused, repoText, services, dispatch]);

  // --- the directory browser's listing ----------------------------------------------------------
  const requested = state.browser && !state.browser.listing ? state.browser.requested : null;
  useEffect(() => {
    if (requested === null) return;
    let live = true;
    const show = (listing: Awaited<ReturnType<TuiServices['listDirectory']>>) => live && dispatch({ type: 'browserListing', requested, listing });
    services.listDirectory(requested).then(
      (l) => (l.error && l.entries.length === 0 && requested !== '.' ? services.listDirectory('.').then(show) : show(l)),
      (e: unknown) => live && dispatch({ type: 'setErrors', fieldErrors: { repo: errorMessage(e) }, formError: null }),
    );
    return () => {
      live = false;
    };
  }, [requested, services, dispatch]);

  // --- commands ----------------------------------------------------------------------------------
  const editing = useRef(false);
  const openEditor = () => {
    if (editing.current) return;
    editing.current = true;
    dispatch({ type: 'focus', field: 'prompt' });
    // The TUI is unmounted while the editor runs; the form waits in the store and the result goes
    // to it, whichever dialog shows it by then.
    services
      .editText(valueOf(current(), 'prompt'))
      .then(
        (value) => dispatch({ type: 'setText', field: 'prompt', value }),
        (e: unknown) => dispatch({ type: 'setErrors', fieldErrors: {}, formError: errorMessage(e) }),
      )
      .finally(() => (editing.current = false));
  };

  const cancel = () => {
    const s = current();
    // Something typed is kept for the next `n`; an untouched form is not a draft.
    act.setDraft(isDirty(s) ? { ...s, browser: null, suggest: { open: false, highlight: -1 } } : null);
    act.closeModal();
  };

  const reset = () => {
    const fresh = { ...initialFormState(), recent: current().recent };
    act.setDraft(startRepo.current ? createFormReducer(fresh, { type: 'defaultRepo', path: startRepo.current }) : fresh);
    act.setCreate({ formError: null, fieldErrors: {}, steps: [], warnings: [] });
  };

  const submit = () => {
    const s = current();
    const errors = validate(s);
    if (Object.keys(errors).length > 0) return dispatch({ type: 'setErrors', fieldErrors: errors, formError: null });
    dispatch({ type: 'setErrors', fieldErrors: {}, formError: null });
    act.setCreate({ submitting: true, steps: [], warnings: [], formError: null, fieldErrors: {} });
    services
      .createSession(formValues(s), (p) => {
        // a warning is shown in the dialog at once (the agent is not started yet), then in the status line
        if (p.state === 'warning') act.setCreate({ warnings: [...store.getState().create.warnings, p.message ?? ''] });
        else act.createStep(p);
      })
      .then(
        ({ session, warnings }) => {
          act.setDraft(null);
          act.setCreate({ submitting: false });
          act.closeModal();
          act.selectId(session.id);
          act.setStatus([`Created ${session.name}`, ...warnings].join(' — '), 'ok');
        },
        (e: unknown) => {
          const placed = placeError(current(), e);
          act.setCreate({ submitting: false, ...placed });
          dispatch({ type: 'setErrors', ...placed });
        },
      );
  };

  // --- keys --------------------------------------------------------------------------------------
  const browserKey = (input: string, key: KeyFlags) => {
    const s = current();
    switch (commandFor('browser', input, key)) {
      case 'browser.down':
        return dispatch({ type: 'browserMove', by: 1 });
      case 'browser.up':
        return dispatch({ type: 'browserMove', by: -1 });
      case 'browser.open':
        return dispatch({ type: 'browserOpenHighlighted' });
      case 'browser.parent':
        return dispatch({ type: 'browserParent' });
      case 'browser.choose':
        return dispatch({ type: 'browserChoose' });
      case 'browser.close':
        return dispatch({ type: 'browserClose' });
      default:
        break;
    }
    if (keyName(input, key) === 'backspace' && s.browser?.filter.value === '') return dispatch({ type: 'browserParent' });
    const edit = textEditFor(input, key, { except: ['left', 'right'] });
    if (edit) dispatch({ type: 'browserEdit', edit });
  };

  const onKey = (input: string, key: KeyFlags) => {
    if (store.getState().create.submitting) return;
    const s = current();
    if (s.browser) return browserKey(input, key);
    const cmd = commandFor('create', input, key);
    switch (cmd) {
      case 'create.cancel':
        return suggestionsShown(s) ? dispatch({ type: 'suggestClose' }) : cancel();
      case 'create.editor':
        return openEditor();
      case 'create.browse':
        return dispatch({ type: 'browserOpen', path: browseFrom(s) });
      case 'create.reset':
        return reset();
      default:
        break;
    }
    if (suggestionsShown(s)) {
      // the list takes ↑/↓/Enter while a suggestion is highlighted; from the field only ↓, Ctrl-N, Ctrl-Y
      const sc = commandFor('suggest', input, key);
      const inList = picking(s);
      if (sc === 'suggest.next') return dispatch({ type: 'suggestMove', by: 1 });
      if (sc === 'suggest.prev' && inList) return dispatch({ type: 'suggestMove', by: -1 });
      if ((sc === 'suggest.accept' && inList) || sc === 'suggest.first') return dispatch({ type: 'suggestAccept' });
    }
    if (isTextField(s.focus)) {
      const multiline = s.focus === 'prompt';
      const edit = textEditFor(input, key, { multiline });
      if (edit) {
        // ↑ on the prompt's first line and ↓ on its last leave the field
        if (edit.type === 'lineUp' && onFirstLine(textOf(s, 'prompt'))) return dispatch({ type: 'focusPrev' });
        if (edit.type === 'lineDown' && onLastLine(textOf(s, 'prompt'))) return dispatch({ type: 'focusNext' });
        return dispatch({ type: 'edit', edit });
      }
    }
    switch (cmd) {
      case 'create.nextField':
        return dispatch({ type: 'focusNext' });
      case 'create.prevField':
        return dispatch({ type: 'focusPrev' });
      case 'create.next':
      case 'create.toggle':
        return isChoiceField(s.focus) ? dispatch({ type: 'nextChoice' }) : undefined;
      case 'create.prev':
        return isChoiceField(s.focus) ? dispatch({ type: 'prevChoice' }) : undefined;
      case 'create.submit':
        return s.focus === 'create' ? submit() : dispatch({ type: 'focusNext' });
      default:
        return;
    }
  };

  // Bracketed paste arrives as one insert (its line breaks are text, not Enter), before keys are split.
  const onPaste = (text: string) => {
    const s = current();
    if (s.browser) return dispatch({ type: 'browserEdit', edit: { type: 'insert', text } });
    if (isTextField(s.focus)) dispatch({ type: 'edit', edit: { type: 'insert', text } });
  };

  // One stable subscription running the latest handlers (set in the commit, before the next key).
  const handlers = useRef({ onKey, onPaste });
  useLayoutEffect(() => {
    handlers.current = { onKey, onPaste };
  });
  const handle = useMemo(() => {
    const paste = createPasteFilter((text) => handlers.current.onPaste(text));
    return (input: string, key: Key) => {
      if (paste(input, key)) return;
      forEachKey(input, key, (i, k) => handlers.current.onKey(i, k));
    };
  }, []);
  useInput(handle, { isActive: !submitting });

  return { state, submitting };
}
