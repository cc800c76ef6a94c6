// The text field's state machine (ink-ui's shape: a pure reducer with a tiny API, no keys, no
// drawing): a value and a cursor, edits as actions. One reducer serves every text field — the
// filter line (its state lives in the zustand store), the create dialog's fields (in the form's
// reducer) and the directory browser's filter. The cursor counts code points.
import { useMemo, useReducer } from 'react';

export interface TextInputState {
  readonly value: string;
  /** Code points before the cursor. */
  readonly cursor: number;
}

export type TextEdit =
  | { type: 'insert'; text: string }
  | { type: 'set'; value: string }
  | {
      type:
        | 'left' | 'right' | 'wordLeft' | 'wordRight' | 'home' | 'end' | 'lineUp' | 'lineDown'
        | 'deleteBack' | 'deleteForward' | 'deleteWordBack' | 'deleteToStart' | 'deleteToEnd';
    };

export interface TextOptions {
  /** Line breaks are kept (the prompt); else a pasted break becomes a space. */
  multiline?: boolean;
}

export function textState(value = '', cursor?: number): TextInputState {
  const n = Array.from(value).length;
  return { value, cursor: cursor === undefined ? n : Math.max(0, Math.min(n, cursor)) };
}

const WORD = /[\p{L}\p{N}_]/u;

/** Start of the line the cursor is on, and its end (code point indexes). */
function lineBounds(chars: readonly string[], cursor: number): [number, number] {
  let start = cursor;
  while (start > 0 && chars[start - 1] !== '\n') start--;
  let end = cursor;
  while (end < chars.length && chars[end] !== '\n') end++;
  return [start, end];
}

function wordLeft(chars: readonly string[], cursor: number): number {
  let i = cursor;
  while (i > 0 && !WORD.test(chars[i - 1] ?? '')) i--;
  while (i > 0 && WORD.test(chars[i - 1] ?? '')) i--;
  return i;
}

function wordRight(chars: readonly string[], cursor: number): number {
  let i = cursor;
  while (i < chars.length && !WORD.test(chars[i] ?? '')) i++;
  while (i < chars.length && WORD.test(chars[i] ?? '')) i++;
  return i;
}

/** What may be typed or pasted: line breaks normalised (or flattened), other control bytes dropped. */
export function cleanText(text: string, multiline: boolean): string {
  const lf = text.replace(/\r\n?/g, '\n');
  const kept = multiline ? lf : lf.replace(/\n+$/, '').replace(/\n/g, ' ');
  // eslint-disable-next-line no-control-regex
  return kept.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

function splice(chars: readonly string[], from: number, to: number, insert = ''): TextInputState {
  const next = [...chars.slice(0, from), ...Array.from(insert), ...chars.slice(to)];
  return { value: next.join(''), cursor: from + Array.from(insert).length };
}

export function textReducer(s: TextInputState, e: TextEdit, opts: TextOptions = {}): TextInputState {
  const chars = Array.from(s.value);
  const at = Math.max(0, Math.min(chars.length, s.cursor));
  const move = (cursor: number) => (cursor === s.cursor ? s : { value: s.value, cursor });
  const [lineStart, lineEnd] = lineBounds(chars, at);
  switch (e.type) {
    case 'insert': {
      const text = cleanText(e.text, opts.multiline ?? false);
      return text ? splice(chars, at, at, text) : s;
    }
    case 'set':
      return e.value === s.value ? s : textState(e.value);
    case 'left':
      return move(Math.max(0, at - 1));
    case 'right':
      return move(Math.min(chars.length, at + 1));
    case 'wordLeft':
      return move(wordLeft(chars, at));
    case 'wordRight':
      return move(wordRight(chars, at));
    case 'home':
      return move(lineStart);
    case 'end':
      return move(lineEnd);
    case 'lineUp': {
      if (lineStart === 0) return s;
      const [prevStart] = lineBounds(chars, lineStart - 1);
      return move(Math.min(prevStart + (at - lineStart), lineStart - 1));
    }
    case 'lineDown': {
      if (lineEnd >= chars.length) return s;
      const [, nextEnd] = lineBounds(chars, lineEnd + 1);
      return move(Math.min(lineEnd + 1 + (at - lineStart), nextEnd));
    }
    case 'deleteBack':
      return at === 0 ? s : splice(chars, at - 1, at);
    case 'deleteForward':
      return at >= chars.length ? s : splice(chars, at, at + 1);
    case 'deleteWordBack': {
      const from = wordLeft(chars, at);
      return from === at ? s : splice(chars, from, at);
    }
    case 'deleteToStart':
      // at a line's start, the break before it (readline's Ctrl-U on an empty line does nothing)
      return lineStart === at ? s : splice(chars, lineStart, at);
    case 'deleteToEnd':
      return lineEnd === at ? s : splice(chars, at, lineEnd);
  }
}

/** The cursor is on the first line (↑ leaves the field) / on the last line (↓ leaves it). */
export function onFirstLine(s: TextInputState): boolean {
  return !Array.from(s.value).slice(0, s.cursor).includes('\n');
}
export function onLastLine(s: TextInputState): boolean {
  return !Array.from(s.value).slice(s.cursor).includes('\n');
}

export interface TextInputApi {
  edit(e: TextEdit): void;
  insert(text: string): void;
  set(value: string): void;
}

/** The state machine in a component (a field that keeps its own state). */
export function useTextInputState(initial = '', opts: TextOptions = {}): TextInputApi & { state: TextInputState } {
  const multiline = opts.multiline ?? false;
  const [state, dispatch] = useReducer((s: TextInputState, e: TextEdit) => textReducer(s, e, { multiline }), initial, (v) => textState(v));
  const api = useMemo<TextInputApi>(
    () => ({ edit: dispatch, insert: (text) => dispatch({ type: 'insert', text }), set: (value) => dispatch({ type: 'set', value }) }),
    [],
  );
  return { state, ...api };
}
