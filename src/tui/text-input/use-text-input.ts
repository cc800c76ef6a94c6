// Keys → the text field's edits, from the keymap's `text` context, and bracketed paste. A field
// does not subscribe to keys itself: the widget that owns it (the list's filter line, the create
// dialog, the directory browser) has the one useInput and asks `textEditFor` first — several
// subscribers would each see a chunk of fast typing, and ink-text-input's per-render subscription
// loses the key that follows a focus change (see use-create-form.ts).
import { commandFor, type CommandId, type KeyFlags } from '../keymap.js';
import type { TextEdit } from './use-text-input-state.js';

const EDITS: Partial<Record<CommandId, TextEdit['type']>> = {
  'text.left': 'left',
  'text.right': 'right',
  'text.wordLeft': 'wordLeft',
  'text.wordRight': 'wordRight',
  'text.home': 'home',
  'text.end': 'end',
  'text.lineUp': 'lineUp',
  'text.lineDown': 'lineDown',
  'text.deleteBack': 'deleteBack',
  'text.deleteForward': 'deleteForward',
  'text.deleteWordBack': 'deleteWordBack',
  'text.deleteToStart': 'deleteToStart',
  'text.deleteToEnd': 'deleteToEnd',
};

export interface TextKeyOptions {
  multiline?: boolean;
  /** Commands the owner handles itself on this key (e.g. ←/→ in the directory browser). */
  except?: readonly TextEdit['type'][];
}

/** The edit a key means in a text field, or null (the key is not the field's: Tab, Esc, chords…). */
export function textEditFor(input: string, key: KeyFlags, opts: TextKeyOptions = {}): TextEdit | null {
  const cmd = commandFor('text', input, key);
  if (cmd === 'text.newline') return opts.multiline ? { type: 'insert', text: '\n' } : null;
  const type = cmd ? EDITS[cmd] : undefined;
  if (type) {
    if ((type === 'lineUp' || type === 'lineDown') && !opts.multiline) return null;
    return opts.except?.includes(type) ? null : { type } as TextEdit;
  }
  if (key.ctrl || key.meta || key.tab || key.escape || key.return || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return null;
  // eslint-disable-next-line no-control-regex
  if (input === '' || /^[\u0000-\u001f]/.test(input)) return null;
  return { type: 'insert', text: input };
}

// Bracketed paste (the terminal wraps a paste in ESC[200~ … ESC[201~ once the TUI asks for it,
// terminal.ts): ink hands the markers over as keys "[200~" / "[201~" with the text between them in
// one or more chunks. Pasted text is inserted as text — its line breaks are not Enter, its letters
// are not commands.
const PASTE_START = '[200~';
const PASTE_END = '[201~';

/**
 * A filter in front of a key handler: returns true when the key belonged to a paste (swallowed),
 * and calls `onPaste` with the whole text once the paste ends.
 */
export function createPasteFilter(onPaste: (text: string) => void): (input: string, key: KeyFlags) => boolean {
  let buffer: string[] | null = null;
  return (input, key) => {
    const plainKey = !key.ctrl && !key.meta;
    if (buffer === null) {
      if (plainKey && input.startsWith(PASTE_START)) {
        buffer = [];
        const rest = input.slice(PASTE_START.length);
        if (rest) return finish(rest);
        return true;
      }
      return false;
    }
    return finish(key.return ? '\r' : key.tab ? '\t' : input);
  };
  function finish(chunk: string): boolean {
    const end = chunk.indexOf(PASTE_END);
    buffer?.push(end >= 0 ? chunk.slice(0, end) : chunk);
    if (end >= 0) {
      const text = (buffer ?? []).join('');
      buffer = null;
      onPaste(text);
    }
    return true;
  }
}
