// src/tui/text-width.ts on coloured text (the strings Ink measures for a <Text color> inside a row):
// counted without string-width when made of SGR sequences and the narrow set, and the same answer
// as string-width's for every such string, and for every near miss it hands over.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import fastStringWidth, { NARROW_SET } from '../../src/tui/text-width.js';

const E = '\u001b[';
const narrow = [...'abcXYZ 019·›…─│⠋⠙▶●↑↓ü€'];
const sgr = [`${E}0m`, `${E}m`, `${E}1m`, `${E}22m`, `${E}31m`, `${E}39m`, `${E}7m`, `${E}27m`, `${E}38;5;208m`, `${E}48;2;10;20;30m`, `${E}1;4;31m`, `${E}90m`];
// Near misses: not the SGR form strip-ansi removes whole, or not narrow: string-width decides.
const odd = [`${E}12345m`, `${E}2J`, `${E}?25l`, '\u001b]8;;https://x\u0007', '\u001b', `${E}31`, '日', '🙂', 'e\u0301'];

describe('fastStringWidth on coloured text', () => {
  it('matches string-width on random mixes of colours and narrow text', () => {
    expect(new RegExp(`[${NARROW_SET}]`).test('·')).toBe(true);
    let seed = 99;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let j = 0; j < rand(30); j++) {
        const r = rand(10);
        s += r < 6 ? narrow[rand(narrow.length)] : r < 9 ? sgr[rand(sgr.length)] : odd[rand(odd.length)];
      }
      expect(fastStringWidth(s), JSON.stringify(s)).toBe(stringWidth(s));
      expect(fastStringWidth(s, { countAnsiEscapeCodes: true }), JSON.stringify(s)).toBe(stringWidth(s, { countAnsiEscapeCodes: true }));
    }
  });

  it('measures a styled table row by its visible text', () => {
    const row = `${E}7m› tui-000   ${E}32mrunning${E}39m tmux ${E}90m·${E}39m 5s${E}27m`;
    expect(fastStringWidth(row)).toBe('› tui-000   running tmux · 5s'.length);
  });
});
