// The text field, drawn: one line scrolled sideways to keep the cursor in view (… where it is cut),
// or, multi-line, wrapped to the width with a window of lines around the cursor. Only draws.
import { Text } from 'ink';
import type { TextInputState } from './use-text-input-state.js';

export interface LineWindow {
  /** The cells before the cursor, the cursor's cell (a space at the end), the cells after. */
  before: string;
  at: string;
  after: string;
}

const flat = (s: string) => s.replace(/[\t\n]/g, ' ');

/** A one-line value in `width` cells around the cursor; an ellipsis marks a cut side. */
export function lineWindow(state: TextInputState, width: number, withCursor: boolean): LineWindow {
  const chars = Array.from(flat(state.value));
  const cursor = Math.min(state.cursor, chars.length);
  const cells = withCursor ? [...chars, ' '] : chars;
  const w = Math.max(1, width);
  if (cells.length <= w) return split(cells, withCursor ? cursor : -1);
  // the cursor one cell from the right edge when it is far in; the start when it is near it
  const start = withCursor ? Math.max(0, Math.min(cursor - w + 2, cells.length - w)) : 0;
  const shown = cells.slice(start, start + w);
  if (start > 0) shown[0] = '…';
  if (start + w < cells.length) shown[w - 1] = '…';
  return split(shown, withCursor ? cursor - start : -1);
}

function split(cells: string[], cursor: number): LineWindow {
  if (cursor < 0) return { before: cells.join(''), at: '', after: '' };
  return { before: cells.slice(0, cursor).join(''), at: cells[cursor] ?? ' ', after: cells.slice(cursor + 1).join('') };
}

export interface WrappedView {
  rows: string[];
  /** The cursor's row in `rows` and its column; -1 when no cursor is drawn. */
  cursorRow: number;
  cursorCol: number;
  hiddenAbove: number;
  hiddenBelow: number;
}

/** A multi-line value hard-wrapped to `width`, at most `maxRows` rows around the cursor. */
export function wrappedView(state: TextInputState, width: number, maxRows: number, withCursor: boolean): WrappedView {
  const w = Math.max(1, width);
  const rows: string[] = [];
  let cursorRow = -1;
  let cursorCol = -1;
  let offset = 0;
  const lines = state.value.split('\n');
  lines.forEach((line, li) => {
    const chars = Array.from(line.replace(/\t/g, ' '));
    // the cursor may sit after a line's last character: that cell belongs to the line too
    const cells = withCursor && li === lines.length - 1 ? chars.length + 1 : chars.length;
    const n = Math.max(1, Math.ceil(cells / w));
    for (let r = 0; r < n; r++) rows.push(chars.slice(r * w, (r + 1) * w).join(''));
    const c = state.cursor - offset;
    if (withCursor && cursorRow < 0 && c >= 0 && c <= chars.length) {
      const r = Math.min(Math.floor(c / w), n - 1);
      cursorRow = rows.length - n + r;
      cursorCol = c - r * w;
      if (cursorCol >= w) {
        cursorRow++;
        cursorCol = 0;
        if (cursorRow >= rows.length) rows.push('');
      }
    }
    offset += chars.length + 1;
  });
  const max = Math.max(1, maxRows);
  if (rows.length <= max) return { rows, cursorRow, cursorCol, hiddenAbove: 0, hiddenBelow: 0 };
  const focus = cursorRow >= 0 ? cursorRow : rows.length - 1;
  const start = Math.max(0, Math.min(focus - max + 1, rows.length - max));
  return {
    rows: rows.slice(start, start + max),
    cursorRow: cursorRow >= 0 ? cursorRow - start : -1,
    cursorCol,
    hiddenAbove: start,
    hiddenBelow: rows.length - start - max,
  };
}

export interface TextInputProps {
  state: TextInputState;
  focused: boolean;
  width: number;
  placeholder?: string;
  multiline?: boolean;
  /** Rows a multi-line field may take (its first may say how many are hidden above). */
  maxRows?: number;
}

export function TextInput({ state, focused, width, placeholder = '', multiline = false, maxRows = 1 }: TextInputProps) {
  if (!state.value && !focused) return <Text dimColor wrap="truncate-end">{placeholder || ' '}</Text>;
  if (!state.value && focused) {
    return (
      <Text wrap="truncate-end">
        <Text inverse> </Text>
        <Text dimColor>{placeholder}</Text>
      </Text>
    );
  }
  if (!multiline) {
    const { before, at, after } = lineWindow(state, width, focused);
    return (
      <Text wrap="truncate-end">
        {before}
        {at ? <Text inverse>{at}</Text> : null}
        {after}
      </Text>
    );
  }
  const view = wrappedView(state, width, Math.max(1, maxRows), focused);
  const rows = view.rows;
  return (
    <>
      {rows.map((row, i) => {
        if (i === 0 && view.hiddenAbove > 0 && view.cursorRow !== 0) {
          return (
            <Text key={i} dimColor wrap="truncate-end">
              {`↑ ${view.hiddenAbove + 1} more line${view.hiddenAbove === 0 ? '' : 's'}`}
            </Text>
          );
        }
        if (i === rows.length - 1 && view.hiddenBelow > 0 && view.cursorRow !== i) {
          return (
            <Text key={i} dimColor wrap="truncate-end">
              {`↓ ${view.hiddenBelow + 1} more line${view.hiddenBelow === 0 ? '' : 's'}`}
            </Text>
          );
        }
        if (i !== view.cursorRow) {
          return (
            <Text key={i} wrap="truncate-end">
              {row || ' '}
            </Text>
          );
        }
        const cells = Array.from(row);
        return (
          <Text key={i} wrap="truncate-end">
            {cells.slice(0, view.cursorCol).join('')}
            <Text inverse>{cells[view.cursorCol] ?? ' '}</Text>
            {cells.slice(view.cursorCol + 1).join('')}
          </Text>
        );
      })}
    </>
  );
}
