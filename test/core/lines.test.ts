import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/shared/lines.js';

describe('LineSplitter', () => {
  it('splits lines across arbitrary chunk boundaries', () => {
    const text = 'alpha\nbeta\n\ngamma delta\n{"x":"é"}\n';
    for (let size = 1; size <= text.length; size++) {
      const got: string[] = [];
      const s = new LineSplitter((l) => got.push(l));
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      expect(got).toEqual(['alpha', 'beta', '', 'gamma delta', '{"x":"é"}']);
      expect(s.pending).toBe(0);
    }
  });

  it('keeps an incomplete line pending and counts it', () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push('abc');
    s.push('def');
    expect(got).toEqual([]);
    expect(s.pending).toBe(6);
    s.push('\nx');
    expect(got).toEqual(['abcdef']);
    expect(s.pending).toBe(1);
  });
});
