// src/tui/text-width.ts against string-width itself: every code point of its narrow set is one
// column alone, strings of them measure the same both ways, and anything outside the set (emoji,
// CJK, combining marks, escape sequences, an ambiguous-wide request) is string-width's answer.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import fastStringWidth, { NARROW_SET } from '../../src/tui/text-width.js';

function codePointsOf(set: string): number[] {
  const out: number[] = [];
  for (const m of set.matchAll(/\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?/g)) {
    const a = parseInt(m[1] ?? '0', 16);
    const b = m[2] ? parseInt(m[2], 16) : a;
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

describe('fastStringWidth', () => {
  const set = codePointsOf(NARROW_SET);

  it('its narrow set is one column for string-width, code point by code point', () => {
    expect(set.length).toBeGreaterThan(1500);
    const wide = set.filter((c) => stringWidth(String.fromCodePoint(c)) !== 1).map((c) => c.toString(16));
    expect(wide).toEqual([]);
  });

  it('measures strings of the set as string-width does', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => String.fromCodePoint(set[Math.floor(rand() * set.length)] ?? 32)).join('');
      expect(fastStringWidth(s), JSON.stringify(s)).toBe(stringWidth(s));
    }
    expect(fastStringWidth('› fix-the-login-bug  ● daemon  ⠋ 12s  │ ✓ done')).toBe(stringWidth('› fix-the-login-bug  ● daemon  ⠋ 12s  │ ✓ done'));
  });

  it('leaves everything else to string-width', () => {
    for (const s of ['日本語', '👍🏽', 'e\u0301', '\u001b[31mred\u001b[0m', '✅ done', '◽', '⌚', '❤️', 'a\u200bb', '🇫🇷']) {
      expect(fastStringWidth(s), JSON.stringify(s)).toBe(stringWidth(s));
    }
    expect(fastStringWidth('±', { ambiguousIsNarrow: false })).toBe(stringWidth('±', { ambiguousIsNarrow: false }));
    expect(fastStringWidth('日本語')).toBe(6);
  });
});
