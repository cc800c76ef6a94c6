// Keys → the Create dialog's state machine. Every command comes from the keymap's `create`
// context. The text fields take what is typed themselves (Backspace deletes; in the prompt Enter
// adds a line), and the repository's suggestion list, once a suggestion is highlighted, takes the
// keys before the form does.
//
// All keys go through this one useInput, subscribed once for the dialog's life. (ink-text-input
// was tried for the repository: it types the letter of every Ctrl chord, so Ctrl-N adds "n", and it
// subscribes anew on each render, so a key that comes right after a focus change or a suggestion
// being taken is lost or applied to the old text.)
import { useInput, type Key } from 'ink';
import { createKeyQueue } from '../keys.js';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { commandFor } from '../keymap.js';
import type { CreateFormValues, TuiServices } from '../services.js';
import {
  formValues,
  initialFormState,
  isTextField,
  pickerOpen,
  useCreateFormState,
  validate,
  type CreateFormState,
  type FieldErrors,
} from './use-create-form-state.js';

export interface CreateFormOptions {
  services: TuiServices;
  initial?: Partial<CreateFormValues> | undefined;
  submitting: boolean;
  formError: string | null;
  fieldErrors?: FieldErrors | undefined;
  onSubmit: (values: CreateFormValues) => void;
  onCancel: () => void;
}

// The TUI unmounts while $EDITOR has the terminal (run.ts hands it over), which would lose what was
// typed. So Ctrl-E leaves the form here, per services object; a dialog mounted meanwhile takes it
// back, and the editor's result goes to whichever dialog is mounted when the editor returns.
type EditResult = { type: 'setText'; field: 'prompt'; value: string } | { type: 'setErrors'; fieldErrors: FieldErrors; formError: string };
interface EditorHandOff {
  snapshot: CreateFormState;
  deliver: ((r: EditResult) => void) | null;
  result: EditResult | null;
}
const editorHandOffs = new WeakMap<TuiServices, EditorHandOff>();

function errorsKey(fieldErrors: FieldErrors | undefined, formError: string | null): string {
  return JSON.stringify([Object.entries(fieldErrors ?? {}).sort(), formError]);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function useCreateForm(opts: CreateFormOptions) {
  const { services, initial, submitting, formError, fieldErrors, onSubmit, onCancel } = opts;
  const form = useCreateFormState(() => {
    const h = editorHandOffs.get(services);
    return h && !h.deliver ? h.snapshot : initialFormState(initial, { fieldErrors: fieldErrors ?? {}, formError });
  });
  const { state } = form;

  // Errors the parent passes (the daemon's answer) replace the shown ones; what was typed stays.
  const errKey = errorsKey(fieldErrors, formError);
  const [shownErrKey, setShownErrKey] = useState(errKey);
  if (shownErrKey !== errKey) {
    setShownErrKey(errKey);
    form.setErrors(fieldErrors ?? {}, formError);
  }

  // --- $EDITOR hand-off -------------------------------------------------------------------
  const stateRef = useRef(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  });
  const deliverRef = useRef<((r: EditResult) => void) | null>(null);
  const { setText, setErrors } = form; // stable: they may be called after this render
  const adopt = useCallback(
    (h: EditorHandOff) => {
      const deliver = (r: EditResult) => {
        editorHandOffs.delete(services);
        if (r.type === 'setText') setText(r.field, r.value);
        else setErrors(r.fieldErrors, r.formError);
      };
      if (h.result) return deliver(h.result);
      h.deliver = deliver;
      deliverRef.current = deliver;
    },
    [services, setText, setErrors],
  );
  useEffect(() => {
    // A dialog unmounted while the editor ran left its form here: carry on with it.
    const h = editorHandOffs.get(services);
    if (h && !h.deliver) adopt(h);
    return () => {
      const mine = editorHandOffs.get(services);
      if (mine?.deliver && mine.deliver === deliverRef.current) {
        mine.deliver = null;
        mine.snapshot = stateRef.current;
      }
    };
  }, [services, adopt]);

  const openEditor = () => {
    if (editorHandOffs.has(services)) return; // already open
    form.focus('prompt');
    const h: EditorHandOff = { snapshot: { ...state, focus: 'prompt', highlight: -1 }, deliver: null, result: null };
    editorHandOffs.set(services, h);
    adopt(h);
    const finish = (r: EditResult) => {
      if (editorHandOffs.get(services) !== h) return;
      if (h.deliver) h.deliver(r);
      else h.result = r;
    };
    services.editText(state.prompt).then(
      (value) => finish({ type: 'setText', field: 'prompt', value }),
      (e: unknown) => finish({ type: 'setErrors', fieldErrors: {}, formError: messageOf(e) }),
    );
  };

  // --- repository suggestions ---------------------------------------------------------------
  const [recent, setRecent] = useState<readonly string[]>([]);
  useEffect(() => {
    let live = true;
    services.recentRepos().then(
      (repos) => live && setRecent(repos),
      () => undefined, // no recent repositories is fine
    );
    return () => {
      live = false;
    };
  }, [services]);

  const repoFocused = state.focus === 'repo';
  const { setSuggestions } = form;
  useEffect(() => {
    if (!repoFocused) return;
    const text = state.repo;
    const needle = text.trim().toLowerCase();
    const fromRecent = recent.filter((r) => r.toLowerCase().includes(needle));
    let live = true;
    const show = (completions: readonly string[]) => {
      if (!live) return;
      setSuggestions([...new Set([...fromRecent, ...completions])].filter((s) => s !== text));
    };
    if (needle === '') show([]);
    else services.completePath(text).then(show, () => show([]));
    return () => {
      live = false;
    };
  }, [repoFocused, state.repo, recent, services, setSuggestions]);

  // --- keys -------------------------------------------------------------------------------
  const submit = () => {
    const errors = validate(state);
    if (Object.keys(errors).length > 0) return form.setErrors(errors, null);
    form.setErrors({}, null);
    onSubmit(formValues(state));
  };

  const typed = (input: string, key: Key) => input !== '' && !key.ctrl && !key.meta;

  const handleKey = (input: string, key: Key) => {
    const cmd = commandFor('create', input, key);
    const focus = state.focus;

    if (pickerOpen(state)) {
      switch (cmd) {
        case 'create.suggestNext':
        case 'create.nextField':
          return form.suggestNext();
        case 'create.suggestPrev':
        case 'create.prevField':
          return form.suggestPrev();
        case 'create.acceptSuggestion':
        case 'create.submit':
        case 'create.next':
          return form.acceptSuggestion();
        case 'create.cancel':
          return form.closeSuggestions();
        case 'create.editor':
          return openEditor();
      }
      // Editing again closes the list (the reducer does that when the text changes).
      if (key.backspace || key.delete) return form.deleteBack();
      if (typed(input, key)) return form.insertText(input);
      return;
    }

    // The text fields take what is typed first; only Tab, Esc and chords are commands there.
    if (isTextField(focus)) {
      if (focus === 'prompt' && cmd === 'create.submit') return form.insertText('\n');
      if (key.upArrow || key.downArrow) {
        // No lines to move between in the prompt; in the one-line fields ↑/↓ move focus.
        if (focus === 'prompt') return;
      } else if (key.backspace || key.delete) {
        return form.deleteBack();
      } else if (!key.tab && !key.escape && typed(input, key)) {
        return form.insertText(input);
      }
    }

    switch (cmd) {
      case 'create.nextField':
        return form.focusNext();
      case 'create.prevField':
        return form.focusPrev();
      case 'create.next':
        return form.nextChoice();
      case 'create.prev':
        return form.prevChoice();
      case 'create.toggle':
        return form.toggle();
      case 'create.editor':
        return openEditor();
      case 'create.suggestNext':
        return form.suggestNext();
      case 'create.suggestPrev':
        return form.suggestPrev();
      case 'create.acceptSuggestion':
        return form.acceptSuggestion();
      case 'create.submit':
        if (focus === 'create') submit();
        return;
      case 'create.cancel':
        return onCancel();
      default:
        return;
    }
  };
  // One stable subscription that always runs the latest handler: the ref is set in the commit,
  // before the next key can arrive, so a key never meets the state of an earlier render.
  const handlerRef = useRef(handleKey);
  useLayoutEffect(() => {
    handlerRef.current = handleKey;
  });
  // A chunk of keys that arrived in one read (fast typing, a paste) is fed one key per render.
  const push = useMemo(() => createKeyQueue<Key>((input, key) => handlerRef.current(input, key)), []);
  useInput(push, { isActive: !submitting });

  return {
    state,
    /** Show the repository's suggestions (the field is focused and there are some). */
    showSuggestions: repoFocused && !submitting && state.suggestions.length > 0,
  };
}
