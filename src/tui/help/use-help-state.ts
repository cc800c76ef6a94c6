// The help screen's state machine: its lines, generated from the keymap for a width (one column,
// or two side by side on wide screens, descriptions wrapped — never cut), and a scroll offset that
// the keys of the `help` context move, clamped to what there is to see.
import { CONTEXT_TITLES, commandsIn, HELP_CONTEXTS, keyLabel, type CommandId } from '../keymap.js';

export interface HelpCell {
  /** The key column ('' on a description's continuation lines and on titles). */
  keys: string;
  text: string;
  title?: boolean;
}

/** One screen row: a cell, or two (left and right column) on a wide screen. */
export type HelpRow = readonly HelpCell[];

export interface HelpLayout {
  rows: HelpRow[];
  keyWidth: number;
  colWidth: number;
  columns: 1 | 2;
}

/** Two columns from this many columns of screen on. */
export const TWO_COLUMNS_FROM = 120;
const GAP = 2; // between the keys and the description
const COL_GAP = 3; // between the two columns

/** Words of `text` on lines of at most `width` (a word longer than that is cut into pieces). */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const pieces: string[] = [];
    for (let chars = Array.from(word); chars.length > 0; chars = chars.slice(w)) pieces.push(chars.slice(0, w).join(''));
    for (const p of pieces) {
      if (!line) line = p;
      else if (Array.from(line).length + 1 + Array.from(p).length <= w) line += ` ${p}`;
      else {
        out.push(line);
        line = p;
      }
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/** The help's lines for a screen `width` columns wide (inside the border and padding). */
export function helpLayout(width: number): HelpLayout {
  const columns = width >= TWO_COLUMNS_FROM ? 2 : 1;
  const colWidth = columns === 2 ? Math.floor((width - COL_GAP) / 2) : width;
  const entries: { keys: string; text: string; title?: boolean }[] = [];
  for (const ctx of HELP_CONTEXTS) {
    if (entries.length > 0) entries.push({ keys: '', text: '' });
    entries.push({ keys: '', text: CONTEXT_TITLES[ctx], title: true });
    for (const c of commandsIn(ctx)) entries.push({ keys: c.keys.map(keyLabel).join(', '), text: c.description });
  }
  const longest = Math.max(...entries.map((e) => Array.from(e.keys).length));
  const keyWidth = Math.max(8, Math.min(longest, Math.floor(colWidth * 0.4)));
  const textWidth = Math.max(8, colWidth - keyWidth - GAP);
  const cells: HelpCell[] = [];
  for (const e of entries) {
    if (e.title) {
      for (const l of wrapWords(e.text, colWidth)) cells.push({ keys: '', text: l, title: true });
      continue;
    }
    const keyLines = e.keys ? wrapWords(e.keys.replace(/, /g, ',\u00a0'), keyWidth).map((l) => l.replace(/\u00a0/g, ' ')) : [''];
    const textLines = e.text ? wrapWords(e.text, textWidth) : [''];
    for (let i = 0; i < Math.max(keyLines.length, textLines.length); i++) cells.push({ keys: keyLines[i] ?? '', text: textLines[i] ?? '' });
  }
  if (columns === 1) return { rows: cells.map((c) => [c]), keyWidth, colWidth, columns };
  // Two columns: the second starts at a section's title near the middle, so no section is split.
  let split = Math.ceil(cells.length / 2);
  for (let d = 0; d < cells.length / 2; d++) {
    if (cells[split + d]?.title) {
      split += d;
      break;
    }
    if (cells[split - d]?.title) {
      split -= d;
      break;
    }
  }
  const left = cells.slice(0, split).filter((c, i) => i > 0 || c.text);
  const right = cells.slice(split);
  while (right[0] && !right[0].text && !right[0].keys) right.shift();
  const rows: HelpRow[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) rows.push([left[i] ?? { keys: '', text: '' }, right[i] ?? { keys: '', text: '' }]);
  return { rows, keyWidth, colWidth, columns };
}

/** The furthest the help scrolls for `visible` rows. */
export function maxHelpScroll(layout: HelpLayout, visible: number): number {
  return Math.max(0, layout.rows.length - Math.max(1, visible));
}

/** Where a help command takes the scroll offset (clamped). */
export function helpScroll(cmd: CommandId, scroll: number, maxScroll: number, visible: number): number {
  const page = Math.max(1, visible - 1);
  const to = (() => {
    switch (cmd) {
      case 'help.down':
        return scroll + 1;
      case 'help.up':
        return scroll - 1;
      case 'help.pageDown':
        return scroll + page;
      case 'help.pageUp':
        return scroll - page;
      case 'help.top':
        return 0;
      case 'help.bottom':
        return maxScroll;
      default:
        return scroll;
    }
  })();
  return Math.max(0, Math.min(maxScroll, to));
}
