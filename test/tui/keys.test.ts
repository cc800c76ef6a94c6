import { describe, expect, it } from 'vitest';
import { forEachKey, splitKeys } from '../../src/tui/keys.js';
import { keyName } from '../../src/tui/keymap.js';

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
