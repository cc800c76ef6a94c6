// The text-input widget's state machine (reducer), its key mapping and paste filter, and what its
// view shows of a long value — all without rendering.
import { describe, expect, it } from 'vitest';
import { lineWindow, wrappedView } from '../../src/tui/text-input/text-input.js';
import { cleanText, onFirstLine, onLastLine, textReducer, textState, type TextEdit, type TextInputState } from '../../src/tui/text-input/use-text-input-state.js';
import { createPasteFilter, textEditFor } from '../../src/tui/text-input/use-text-input.js';

/** Apply edits; the cursor is drawn as `|` in the result. */
function run(start: string, edits: (TextEdit | TextEdit['type'])[], multiline = false): string {
  const at = start.indexOf('|');
  let s: TextInputState = textState(start.replace('|', ''), at < 0 ? undefined : at);
  for (const e of edits) s = textReducer(s, typeof e === 'string' ? ({ type: e } as TextEdit) : e, { multiline });
  const chars = Array.from(s.value);
  return [...chars.slice(0, s.cursor), '|', ...chars.slice(s.cursor)].join('');
}

describe('text input state', () => {
  it('inserts at the cursor and moves it by characters, words and lines', () => {
    expect(run('helo|', ['left', { type: 'insert', text: 'l' }])).toBe('hell|o');
    expect(run('|abc', ['left', 'left'])).toBe('|abc');
    expect(run('abc|', ['right'])).toBe('abc|');
    expect(run('fix the login| bug', ['wordLeft'])).toBe('fix the |login bug');
    expect(run('fix the login| bug', ['wordLeft', 'wordLeft', 'wordLeft'])).toBe('|fix the login bug');
    expect(run('fix| the login bug', ['wordRight', 'wordRight'])).toBe('fix the login| bug');
    expect(run('ab|cd', ['home'])).toBe('|abcd');
    expect(run('ab|cd', ['end'])).toBe('abcd|');
    // emoji and accents count as one character each
    expect(run('café 🚀|', ['left', 'deleteBack'])).toBe('café|🚀');
  });

  it('deletes: a character either side, a word back (Ctrl-W, Alt-Backspace), to the start (Ctrl-U) and end (Ctrl-K)', () => {
    expect(run('abc|', ['deleteBack'])).toBe('ab|');
    expect(run('|abc', ['deleteBack'])).toBe('|abc');
    expect(run('a|bc', ['deleteForward'])).toBe('a|c');
    expect(run('fix the login|', ['deleteWordBack'])).toBe('fix the |');
    expect(run('/tmp/some-repo|', ['deleteWordBack'])).toBe('/tmp/some-|');
    expect(run('fix the |login', ['deleteWordBack'])).toBe('fix |login');
    expect(run('fix the| login', ['deleteToStart'])).toBe('| login');
    expect(run('fix the| login', ['deleteToEnd'])).toBe('fix the|');
  });

  it('works line by line in a multi-line value: Home/End, Ctrl-U/Ctrl-K, ↑/↓ keep the column', () => {
    expect(run('one\ntw|o\nthree', ['home'], true)).toBe('one\n|two\nthree');
    expect(run('one\ntw|o\nthree', ['end'], true)).toBe('one\ntwo|\nthree');
    expect(run('one\ntw|o\nthree', ['deleteToStart'], true)).toBe('one\n|o\nthree');
    expect(run('one\ntw|o\nthree', ['deleteToEnd'], true)).toBe('one\ntw|\nthree');
    expect(run('one\ntw|o\nthree', ['lineUp'], true)).toBe('on|e\ntwo\nthree');
    expect(run('one\ntw|o\nthree', ['lineDown'], true)).toBe('one\ntwo\nth|ree');
    expect(run('a\nlon|ger', ['lineUp'], true)).toBe('a|\nlonger');
    expect(onFirstLine(textState('one\ntwo', 2))).toBe(true);
    expect(onFirstLine(textState('one\ntwo', 5))).toBe(false);
    expect(onLastLine(textState('one\ntwo', 5))).toBe(true);
  });

  it('keeps pasted line breaks in a multi-line field and drops them in a one-line field; control bytes never get in', () => {
    expect(run('|', [{ type: 'insert', text: 'a\r\nb\rc' }], true)).toBe('a\nb\nc|');
    expect(run('|', [{ type: 'insert', text: '/tmp/repo\n' }])).toBe('/tmp/repo|');
    expect(run('|', [{ type: 'insert', text: 'two\nlines' }])).toBe('two lines|');
    expect(cleanText('a\u0007b\u001b[31mc', true)).toBe('ab[31mc');
  });

  it('returns the same state object when nothing changes (no re-render)', () => {
    const s = textState('abc', 0);
    expect(textReducer(s, { type: 'left' })).toBe(s);
    expect(textReducer(s, { type: 'deleteBack' })).toBe(s);
    expect(textReducer(s, { type: 'insert', text: '\u0001' })).toBe(s);
  });
});

describe('text input keys', () => {
  it('maps keys through the keymap: chords edit, printable text inserts, the form keeps Tab/Esc/Enter', () => {
    expect(textEditFor('w', { ctrl: true })).toEqual({ type: 'deleteWordBack' });
    expect(textEditFor('', { delete: true, meta: true })).toEqual({ type: 'deleteWordBack' });
    expect(textEditFor('u', { ctrl: true })).toEqual({ type: 'deleteToStart' });
    expect(textEditFor('k', { ctrl: true })).toEqual({ type: 'deleteToEnd' });
    expect(textEditFor('', { leftArrow: true, ctrl: true })).toEqual({ type: 'wordLeft' });
    expect(textEditFor('x', {})).toEqual({ type: 'insert', text: 'x' });
    expect(textEditFor('', { tab: true })).toBeNull();
    expect(textEditFor('', { escape: true })).toBeNull();
    expect(textEditFor('e', { ctrl: true })).toBeNull(); // the dialog's Ctrl-E
    expect(textEditFor('', { return: true })).toBeNull();
    expect(textEditFor('', { return: true }, { multiline: true })).toEqual({ type: 'insert', text: '\n' });
    expect(textEditFor('', { upArrow: true })).toBeNull();
    expect(textEditFor('', { upArrow: true }, { multiline: true })).toEqual({ type: 'lineUp' });
    expect(textEditFor('', { leftArrow: true }, { except: ['left'] })).toBeNull();
  });

  it('takes a bracketed paste as one text, whatever chunks it came in and whatever keys it holds', () => {
    const pasted: string[] = [];
    const filter = createPasteFilter((t) => pasted.push(t));
    expect(filter('x', {})).toBe(false);
    expect(filter('[200~', {})).toBe(true);
    expect(filter('line one', {})).toBe(true);
    expect(filter('', { return: true })).toBe(true);
    expect(filter('q', {})).toBe(true);
    expect(filter('line two[201~', {})).toBe(true);
    expect(pasted).toEqual(['line one\rqline two']);
    expect(filter('[200~all in one[201~', {})).toBe(true);
    expect(pasted.at(-1)).toBe('all in one');
    expect(filter('y', {})).toBe(false);
  });
});

describe('text input view', () => {
  it('scrolls a long one-line value sideways, keeping the cursor visible and marking cut sides with …', () => {
    const value = '/home/dev/projects/clauderon/a-very-long-repository-name';
    const end = lineWindow(textState(value), 20, true);
    expect(end.before + end.at + end.after).toHaveLength(20);
    expect(end.before.startsWith('…')).toBe(true);
    expect(end.at).toBe(' '); // the cursor after the last character
    expect(end.before.endsWith('name')).toBe(true);
    const start = lineWindow(textState(value, 0), 20, true);
    expect(start.at).toBe('/');
    expect(start.after.endsWith('…')).toBe(true);
    const mid = lineWindow(textState(value, 30), 20, true);
    const shown = mid.before + mid.at + mid.after;
    expect(shown.startsWith('…') && shown.endsWith('…')).toBe(true);
    expect(mid.at).toBe(Array.from(value)[30]);
    const short = lineWindow(textState('abc', 1), 20, true);
    expect(short).toEqual({ before: 'a', at: 'b', after: 'c ' }); // the cell after the end is the cursor's
  });

  it('wraps a multi-line value and shows the rows around the cursor', () => {
    const v = wrappedView(textState('one\ntwo\nthree\nfour\nfive', 0), 10, 3, true);
    expect(v.rows).toEqual(['one', 'two', 'three']);
    expect([v.cursorRow, v.cursorCol, v.hiddenAbove, v.hiddenBelow]).toEqual([0, 0, 0, 2]);
    const endV = wrappedView(textState('one\ntwo\nthree\nfour\nfive'), 10, 3, true);
    expect(endV.rows).toEqual(['three', 'four', 'five']);
    expect([endV.cursorRow, endV.cursorCol, endV.hiddenAbove]).toEqual([2, 4, 2]);
    const wrapped = wrappedView(textState('abcdefghij'), 4, 5, true);
    expect(wrapped.rows).toEqual(['abcd', 'efgh', 'ij']);
    expect([wrapped.cursorRow, wrapped.cursorCol]).toEqual([2, 2]);
  });
});
