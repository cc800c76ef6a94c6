// src/tui/ansi-tokenize.ts (the build gives Ink it instead of @alcalzone/ansi-tokenize) must draw
// exactly what the package draws: the same cells for every line, the same string for every row of
// cells, however the rows are put together from lines and blank cells.
import * as real from '@alcalzone/ansi-tokenize';
import { describe, expect, it } from 'vitest';
import * as cached from '../../src/tui/ansi-tokenize.js';
import { NARROW_SET } from '../../src/tui/text-width.js';

const E = '\u001b[';
const LINES = [
  '',
  'plain ASCII text, the common case',
  `${E}1mNAME${E}22m ${E}2mdim${E}22m ${E}1m${E}2mboth${E}22m`,
  `${E}7m› task-001  project-1  ${E}32mrunning${E}39m tmux    claude ${E}33m●${E}39m  3m ${E}27m`,
  `${E}38;5;208morange 256${E}39m ${E}48;2;10;20;30mtruecolor bg${E}49m ${E}1;4;31mcompound${E}0m after`,
  `${E}31mred ${E}32mgreen replaces it${E}39m then plain`,
  `${E}4munder${E}24m ${E}3mitalic${E}23m ${E}9mstrike${E}29m`,
  'wide: 日本語テキスト and emoji 🙂👍🏽 and flags 🇫🇷 and a variation ❤️',
  'combining: e\u0301 a\u0308 and a ZWJ family 👨‍👩‍👧',
  `${E}36m⏺ step 12: editing src/module-3.ts (+3 -0)${E}39m`,
  '\u001b]8;;https://example.com\u0007a link\u001b]8;;\u0007 after the link',
  `${E}1mbold never closed`,
  `trailing reset ${E}0m`,
  `box drawing ─│┌┐└┘ and braille ⠋⠙⠹ ${E}90mgray${E}39m`,
];

const plainCells = (chars: real.StyledChar[]) => chars.map((c) => ({ type: c.type, value: c.value, fullWidth: c.fullWidth, styles: c.styles.map((s) => ({ ...s })) }));

describe('the cached ansi-tokenize', () => {
  it('tokenizes and styles every line as the package does', () => {
    for (const line of LINES) {
      expect(cached.tokenize(line)).toEqual(real.tokenize(line));
      const ours = cached.styledCharsFromTokens(cached.tokenize(line));
      const theirs = real.styledCharsFromTokens(real.tokenize(line));
      expect(plainCells(ours)).toEqual(plainCells(theirs));
      expect(cached.styledCharsToString(ours)).toBe(real.styledCharsToString(theirs));
    }
  });

  it('splits lines of one-column text and colours (without the segmenter) as the package does', () => {
    // every code point of the narrow set alone, and random mixes with colours and near misses
    for (const m of NARROW_SET.matchAll(/\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?/g)) {
      const a = parseInt(m[1] ?? '0', 16);
      for (let c = a; c <= (m[2] ? parseInt(m[2], 16) : a); c++) {
        const ch = String.fromCodePoint(c);
        expect(cached.tokenize(`x${ch}${E}1m${ch}`), ch).toEqual(real.tokenize(`x${ch}${E}1m${ch}`));
      }
    }
    const parts = [...'ab Z9·›…─⠋▶●↑ü€[m;', `${E}0m`, `${E}m`, `${E}31m`, `${E}38;5;208m`, `${E};;1m`, `${E}12345m`, `${E}2J`, '\u001b', `${E}3`, '日', '🙂', 'e\u0301', '\u200d', '\t'];
    let seed = 4242;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 3000; i++) {
      let line = '';
      for (let j = 0; j < rand(25); j++) line += parts[rand(parts.length)];
      expect(cached.tokenize(line), JSON.stringify(line)).toEqual(real.tokenize(line));
    }
  });

  it('keeps a line between calls, and leaves a bounded tokenize uncached', () => {
    const line = LINES[3]!;
    const t = cached.tokenize(line);
    expect(cached.tokenize(line)).toBe(t);
    expect(cached.styledCharsFromTokens(t)).toBe(cached.styledCharsFromTokens(t));
    expect(cached.tokenize(line, 5)).toEqual(real.tokenize(line, 5));
    expect(cached.tokenize(line, 5)).not.toBe(cached.tokenize(line, 5));
  });

  it('joins rows of cells as the package does, whatever lines they were cut from', () => {
    // Rows as Ink's output grid makes them: blank cells (each with its own empty styles) with the
    // cells of several lines written over them at different places.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const blank = (): real.StyledChar => ({ type: 'char', value: ' ', fullWidth: false, styles: [] });
    for (let round = 0; round < 300; round++) {
      const width = 10 + rand(90);
      const ours: real.StyledChar[] = Array.from({ length: width }, blank);
      const theirs: real.StyledChar[] = Array.from({ length: width }, blank);
      for (let w = 0; w < 1 + rand(4); w++) {
        const line = LINES[rand(LINES.length)]!;
        const x = rand(width);
        const a = cached.styledCharsFromTokens(cached.tokenize(line));
        const b = real.styledCharsFromTokens(real.tokenize(line));
        for (let i = 0; i < a.length && x + i < width; i++) {
          ours[x + i] = a[i]!;
          theirs[x + i] = b[i]!;
        }
      }
      expect(cached.styledCharsToString(ours)).toBe(real.styledCharsToString(theirs));
    }
  });

  it('re-exports the rest of the package', () => {
    expect(cached.diffAnsiCodes).toBe(real.diffAnsiCodes);
    expect(cached.ansiCodesToString).toBe(real.ansiCodesToString);
  });
});
