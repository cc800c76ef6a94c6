// The Attach-an-image dialog's state machine (ink-ui's shape: a pure reducer, no keys, no drawing):
// a path field, an optional message field, which one has the focus, whether the upload is under
// way and the daemon's refusal. Its state lives in the store's modal while the dialog is open, so
// every key of a chunk (a paste, tmux send-keys) reads the state the key before it left. A refusal
// keeps everything typed: the user fixes the path and presses Enter again.
import { expandPath } from '../../client/handoff.js';
import { textReducer, textState, type TextEdit, type TextInputState } from '../text-input/use-text-input-state.js';

export type AttachField = 'path' | 'message';
export const ATTACH_FIELDS: readonly AttachField[] = ['path', 'message'];

export interface AttachForm {
  path: TextInputState;
  message: TextInputState;
  focus: AttachField;
  /** The upload is under way (keys but Esc wait). */
  busy: boolean;
  /** Why the last try was refused (the daemon's words, or the dialog's own check), or null. */
  error: string | null;
  /**
   * Attached, but its path could not be typed into the agent: shown in the dialog until closed
   * (a status line too narrow would cut the warning off). A clean success closes the dialog.
   */
  attached: { path: string; warning: string } | null;
  /** Completions of the path as typed (`for`: the text they complete): Tab takes what they share. */
  completions: { for: string; items: readonly string[] };
}

export type AttachAction =
  | { type: 'edit'; edit: TextEdit }
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'start' }
  | { type: 'failed'; error: string }
  | { type: 'attachedNotSent'; path: string; warning: string }
  | { type: 'setCompletions'; for: string; items: readonly string[] }
  /** Tab: on the path, complete it as far as its completions agree; else (nothing to add) the next field. */
  | { type: 'tab' };

export function initialAttachForm(): AttachForm {
  return { path: textState(''), message: textState(''), focus: 'path', busy: false, error: null, attached: null, completions: { for: '', items: [] } };
}

const cycle = (f: AttachField, by: 1 | -1): AttachField => {
  const i = ATTACH_FIELDS.indexOf(f);
  return ATTACH_FIELDS[(i + by + ATTACH_FIELDS.length) % ATTACH_FIELDS.length] ?? 'path';
};

export function attachReducer(s: AttachForm, a: AttachAction): AttachForm {
  switch (a.type) {
    case 'edit': {
      const field = s[s.focus];
      const next = textReducer(field, a.edit);
      return next === field ? s : { ...s, [s.focus]: next };
    }
    case 'focusNext':
      return { ...s, focus: cycle(s.focus, 1) };
    case 'focusPrev':
      return { ...s, focus: cycle(s.focus, -1) };
    case 'start':
      return { ...s, busy: true, error: null, attached: null };
    case 'failed':
      // everything typed stays; the path gets the focus (it is what is usually wrong)
      return { ...s, busy: false, error: a.error, focus: 'path' };
    case 'setCompletions':
      return a.for === s.path.value ? { ...s, completions: { for: a.for, items: a.items } } : s;
    case 'tab': {
      const add = completionOf(s);
      return add === null ? { ...s, focus: cycle(s.focus, 1) } : { ...s, path: textState(add) };
    }
    case 'attachedNotSent':
      return { ...s, busy: false, error: null, attached: { path: a.path, warning: a.warning } };
  }
}

/** The completions shown under the path (two or more for what is typed), or none. */
export function matchesShown(s: AttachForm): readonly string[] {
  return s.focus === 'path' && s.completions.for === s.path.value && s.completions.items.length > 1 ? s.completions.items : [];
}

/** What Tab makes of the path: the longest start its completions share, when longer than the text; else null. */
export function completionOf(s: AttachForm): string | null {
  if (s.focus !== 'path' || s.completions.for !== s.path.value) return null;
  const items = s.completions.items.map((i) => Array.from(i));
  const first = items[0];
  if (!first) return null;
  let n = first.length;
  for (const it of items) {
    let k = 0;
    while (k < n && k < it.length && it[k] === first[k]) k++;
    n = k;
  }
  const shared = first.slice(0, n).join('');
  return Array.from(shared).length > Array.from(s.path.value).length ? shared : null;
}

/** sessions.upload's params as the dialog sends them (socket only: the daemon reads `path` itself). */
export interface AttachParams {
  name: string;
  /** Absolute, `~` expanded, relative ones from where clauderon was started. */
  path: string;
  message?: string;
  send: true;
}

/** What is wrong before anything is sent, or null. */
export function attachProblem(s: AttachForm): string | null {
  return s.path.value.trim() === '' ? 'type the path of an image (PNG, JPEG, GIF or WebP) — e.g. ~/Desktop/shot.png' : null;
}

/**
 * A path as typed or dropped on the terminal (which quotes it, or escapes its spaces with `\`):
 * `'/a b.png'`, `"/a b.png"` and `/a\ b.png` all mean `/a b.png`.
 */
export function unquotePath(typed: string): string {
  const t = typed.trim();
  const quoted = /^'(.*)'$/.exec(t) ?? /^"(.*)"$/.exec(t);
  if (quoted) return quoted[1] ?? '';
  return t.replace(/\\(.)/g, '$1');
}

/** The upload's params: the image by its host path, sent to the agent after the message (if any). */
export function attachParams(sessionId: string, s: AttachForm): AttachParams {
  const message = s.message.value.trim();
  return { name: sessionId, path: expandPath(unquotePath(s.path.value)), ...(message ? { message } : {}), send: true };
}
