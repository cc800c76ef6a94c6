// Keys → the Attach-an-image dialog's state machine, and its one side effect (the upload, through
// the services). Every command comes from the keymap's `attach` context, then the focused field's
// edits (the one text-input widget). Esc closes at any time — even while the upload is under way:
// its answer then comes in the status line. A refusal is shown in the dialog, with what was typed;
// so is an image attached whose path could not be typed into the agent (Enter or Esc closes).
import { useInput, type Key } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useStore } from 'zustand';
import { errorMessage } from '../../shared/errors.js';
import type { UploadResult } from '../../shared/images.js';
import { commandFor, keyName, type KeyFlags } from '../keymap.js';
import { forEachKey } from '../keys.js';
import type { TuiServices } from '../services.js';
import { actions, type TuiStore } from '../store.js';
import { createPasteFilter, textEditFor } from '../text-input/use-text-input.js';
import { attachParams, attachProblem, attachReducer, type AttachAction, type AttachForm } from './use-attach-state.js';

/** The status line after an upload: the path the agent reads it at, first (a narrow line cuts the end). */
export function attachedText(name: string, r: UploadResult): { text: string; tone: 'ok' | 'warn' } {
  if (r.sendError !== null) return { text: `Attached ${r.path} to ${name}, but it could not be typed into the agent: ${r.sendError}`, tone: 'warn' };
  return { text: `Attached ${r.path} — typed into ${name}'s agent`, tone: 'ok' };
}

export function useAttachDialog(opts: { store: TuiStore; services: TuiServices }) {
  const { store, services } = opts;
  const act = useMemo(() => actions(store), [store]);

  /** The open attach dialog (read fresh for every key), or null. */
  const open = () => {
    const m = store.getState().modal;
    return m?.kind === 'attach' ? m : null;
  };
  const dispatch = useMemo(
    () =>
      (a: AttachAction): AttachForm | null => {
        const m = store.getState().modal;
        if (m?.kind !== 'attach') return null;
        const next = attachReducer(m.form, a);
        act.setAttachForm(m.id, next);
        return next;
      },
    [store, act],
  );

  // --- completions of the path as typed (Tab takes what they share) -----------------------------
  const pathText = useStore(store, (s) => (s.modal?.kind === 'attach' && s.modal.form.focus === 'path' && !s.modal.form.busy ? s.modal.form.path.value : null));
  useEffect(() => {
    if (pathText === null || pathText.trim() === '') return;
    let live = true;
    services.completePath(pathText, { images: true }).then(
      (items) => live && dispatch({ type: 'setCompletions', for: pathText, items }),
      () => undefined, // no completions is fine
    );
    return () => {
      live = false;
    };
  }, [pathText, services, dispatch]);

  const submit = () => {
    const m = open();
    if (!m) return;
    const problem = attachProblem(m.form);
    if (problem) return void dispatch({ type: 'failed', error: problem });
    const params = attachParams(m.id, m.form);
    const started = dispatch({ type: 'start' });
    // (keys wait while it is under way, so the same form object means the same dialog, still open)
    const stillOpen = () => {
      const now = open();
      return now !== null && now.form === started;
    };
    services.attachImage(params).then(
      (r) => {
        const { text, tone } = attachedText(m.name, r);
        act.setStatus(text, tone);
        if (!stillOpen()) return;
        if (r.sendError !== null) dispatch({ type: 'attachedNotSent', path: r.path, warning: r.sendError });
        else act.closeModal();
      },
      (e: unknown) => {
        if (stillOpen()) dispatch({ type: 'failed', error: errorMessage(e) });
        else act.setStatus(`Cannot attach ${params.path} to ${m.name}: ${errorMessage(e)}`, 'error');
      },
    );
  };

  const onKey = (input: string, key: KeyFlags) => {
    const m = open();
    if (!m) return;
    const cmd = commandFor('attach', input, key);
    if (cmd === 'attach.cancel') return act.closeModal();
    if (m.form.busy) return;
    if (m.form.attached) {
      // Closed after this key has been seen by every handler: the list's own would take Enter
      // for "attach to the session" if the dialog were gone already.
      if (cmd === 'attach.submit') setImmediate(() => open() === m && act.closeModal());
      return;
    }
    if (cmd === 'attach.submit') return submit();
    const edit = textEditFor(input, key);
    if (edit) return void dispatch({ type: 'edit', edit });
    if (cmd === 'attach.nextField') return void dispatch(keyName(input, key) === 'tab' ? { type: 'tab' } : { type: 'focusNext' });
    if (cmd === 'attach.prevField') return void dispatch({ type: 'focusPrev' });
  };

  // A paste (a path dropped on the terminal) is one insert into the focused field, never Enter.
  const onPaste = (text: string) => {
    const form = open()?.form;
    if (form && !form.busy && !form.attached) dispatch({ type: 'edit', edit: { type: 'insert', text } });
  };

  // One stable subscription running the latest handlers.
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
  useInput(handle);
}
