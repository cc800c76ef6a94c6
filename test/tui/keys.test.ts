import { describe, expect, it } from 'vitest';
import { forEachKey, splitKeys } from '../../src/tui/keys.js';
import { footerLine, hint, keyName, keysOf } from '../../src/tui/keymap.js';

describe('forEachKey', () => {
  it('splits a chunk of typed keys into single keys', () => {
    expect(splitKeys('\t/tmp\r').map((k) => keyName(k.input, k.key))).toEqual(['tab', '/', 't', 'm', 'p', 'enter']);
    expect(splitKeys('jjG\u0004').map((k) => keyName(k.input, k.key))).toEqual(['j', 'j', 'G', 'ctrl+d']);
    expect(splitKeys('ab\u007fc').map((k) => keyName(k.input, k.key))).toEqual(['a', 'b', 'backspace', 'c']);
    expect(splitKeys('é✓').map((k) => k.input)).toEqual(['é', '✓']);
  });

  it('passes single keys and escape sequences through unchanged', () => {
    const seen: string[] = [];
    forEachKey('j', { ctrl: false }, (i, k) => seen.push(keyName(i, k)));
    forEachKey('[A', { upArrow: true }, (i, k) => seen.push(keyName(i, k)));
    forEachKey('x\ty', { tab: false, ctrl: false }, (i, k) => seen.push(keyName(i, k)));
    expect(seen).toEqual(['j', 'up', 'x', 'tab', 'y']);
  });
});

describe('footer line', () => {
  it('fits the width and gives way from the end, keeping help and quit (and S while the daemon is stopped)', () => {
    for (const w of [40, 60, 80, 100, 140]) {
      const line = footerLine('list', w);
      expect([...line].length, line).toBeLessThanOrEqual(w);
      expect(line).toMatch(/\? help {2}q quit$/);
    }
    expect(footerLine('list', 140)).toBe('j/↓ move  Enter attach  n new  a archive  d delete  / filter  Tab view  p preview  D diff  i image  ? help  q quit');
    expect(footerLine('list', 80)).toBe('j/↓ move  Enter attach  n new  a archive  d delete  / filter  ? help  q quit');
    expect(footerLine('list', 80, new Set(['daemon-stopped']))).toMatch(/S start daemon {2}\? help {2}q quit$/);
    expect(footerLine('list', 100)).not.toContain('start daemon');
    expect(hint('confirm', [['confirm.yes', 'delete'], ['confirm.no', 'keep', 2]])).toBe('y delete · n/Esc keep');
    expect(keysOf('list', 'app.quit')).toBe('q');
  });
});
