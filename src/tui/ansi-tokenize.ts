// @alcalzone/ansi-tokenize, remembered between frames. Ink lays every frame out afresh: each line
// it draws is split into graphemes (Intl.Segmenter) and styled cells, and each row of the screen is
// joined back into a string by comparing every cell's styles with its neighbour's (three Sets per
// cell) — ~80 % of a frame's time, although from one frame to the next most lines are the same.
// Here a line's cells are kept (a bounded cache; the arrays are never changed by Ink), a line of
// one-column text is split without the segmenter, cells of one run of text share one styles
// array, and a cell whose styles are its neighbour's (the same array, or both plain) is joined
// without comparing. The output is the package's, byte for byte
// (test/tui/ansi-tokenize.test.ts). The build resolves the package to this module for every
// importer but this one (scripts/build.mjs).
import {
  ansiCodesToString,
  diffAnsiCodes,
  reduceAnsiCodesIncremental,
  tokenize as tokenizeUncached,
  type AnsiCode,
  type StyledChar,
  type Token,
} from '@alcalzone/ansi-tokenize';

import { NARROW_SET } from './text-width.js';

export * from '@alcalzone/ansi-tokenize';

/** Lines remembered; the cache starts over when full (a screen is a few hundred lines at most). */
const MAX_LINES = 4000;
let tokens = new Map<string, Token[]>();
const cells = new WeakMap<Token[], StyledChar[]>();

export function tokenize(str: string, endChar?: number): Token[] {
  if (endChar !== undefined) return tokenizeUncached(str, endChar);
  let t = tokens.get(str);
  if (t === undefined) {
    if (tokens.size >= MAX_LINES) tokens = new Map();
    t = tokenizeNarrow(str) ?? tokenizeUncached(str);
    tokens.set(str, t);
  }
  return t;
}

// A line made of the narrow set (text-width.ts: code points one column wide that never join a
// neighbour into one grapheme) and SGR sequences, as the package parses them, is split without
// Intl.Segmenter, whose first use alone is ~20 ms of the TUI's first frame: each code point is a
// grapheme, and each sequence is what the package makes of it on its own.
const NARROW_LINE = new RegExp(`^(?:[${NARROW_SET}]|\\u001b\\[[0-9;]*m)*$`);
// eslint-disable-next-line no-control-regex
const SGR_AT = /\u001b\[[0-9;]*m/y;
const sgrTokens = new Map<string, Token[]>();

function tokenizeNarrow(str: string): Token[] | null {
  if (!NARROW_LINE.test(str)) return null;
  const out: Token[] = [];
  for (let i = 0; i < str.length; ) {
    if (str.charCodeAt(i) !== 0x1b) {
      out.push({ type: 'char', value: str[i]!, fullWidth: false });
      i++;
      continue;
    }
    SGR_AT.lastIndex = i;
    const code = SGR_AT.exec(str)?.[0] ?? '';
    let t = sgrTokens.get(code);
    if (t === undefined) {
      if (sgrTokens.size >= MAX_LINES) sgrTokens.clear();
      t = tokenizeUncached(code);
      sgrTokens.set(code, t);
    }
    out.push(...t);
    i += code.length;
  }
  return out;
}

export function styledCharsFromTokens(input: Token[]): StyledChar[] {
  const known = cells.get(input);
  if (known) return known;
  let codes: AnsiCode[] = [];
  // one array per run of equally styled cells (the package copies it for each cell)
  let styles: AnsiCode[] = codes;
  const out: StyledChar[] = [];
  for (const token of input) {
    if (token.type === 'ansi') {
      codes = reduceAnsiCodesIncremental(codes, [token]);
      styles = codes;
    } else {
      // (a literal, not a spread of the token: several times faster in code run once a second)
      out.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles });
    }
  }
  cells.set(input, out);
  return out;
}

const same = (a: AnsiCode[], b: AnsiCode[]) => a === b || (a.length === 0 && b.length === 0);

export function styledCharsToString(chars: StyledChar[]): string {
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (i === 0) {
      if (char.styles.length > 0) out += ansiCodesToString(char.styles);
    } else {
      const prev = chars[i - 1]!.styles;
      if (!same(prev, char.styles)) out += ansiCodesToString(diffAnsiCodes(prev, char.styles));
    }
    out += char.value;
    if (i === chars.length - 1 && char.styles.length > 0) out += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return out;
}
