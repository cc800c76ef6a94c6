// Ink hands a run of plain characters that arrive in one read (fast typing, a paste, tmux
// send-keys) to useInput as a single string — "\t/tmp/repo" would be one "key". forEachKey splits
// such a chunk into the keys it is made of, so every key goes through the keymap.
import type { KeyFlags } from './keymap.js';

export type KeyHandler<K extends KeyFlags> = (input: string, key: K) => void;

const NAMED: (keyof KeyFlags)[] = ['upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageDown', 'pageUp', 'home', 'end', 'escape'];

export function splitKeys(input: string): { input: string; key: KeyFlags }[] {
  const out: { input: string; key: KeyFlags }[] = [];
  for (const ch of input) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\t') out.push({ input: '', key: { tab: true } });
    else if (ch === '\r' || ch === '\n') out.push({ input: '', key: { return: true } });
    else if (ch === '\u007f' || ch === '\b') out.push({ input: '', key: { backspace: true } });
    else if (c >= 1 && c <= 26) out.push({ input: String.fromCharCode(c + 96), key: { ctrl: true } });
    else if (c < 32) continue; // other control bytes mean nothing here
    else out.push({ input: ch, key: { shift: /[A-Z]/.test(ch) } });
  }
  return out;
}

/** Call `handler` once per key in what ink delivered. */
export function forEachKey<K extends KeyFlags>(input: string, key: K, handler: KeyHandler<K>): void {
  if (input.length <= 1 || NAMED.some((n) => key[n])) {
    handler(input, key);
    return;
  }
  const blank = Object.fromEntries(Object.keys(key).map((k) => [k, false])) as unknown as K;
  for (const k of splitKeys(input)) handler(k.input, { ...blank, ...k.key });
}

/**
 * For handlers that read React state from their last render (a reducer-driven form): keys of a
 * chunk are delivered one per tick, so each one meets the state the previous one produced
 * (ink renders a legacy React root: an update outside its input batch commits at once). A single
 * key with nothing queued is handled immediately.
 */
export function createKeyQueue<K extends KeyFlags>(handler: KeyHandler<K>): (input: string, key: K) => void {
  const queue: [string, K][] = [];
  let draining = false;
  const drain = () => {
    const next = queue.shift();
    if (!next) {
      draining = false;
      return;
    }
    handler(next[0], next[1]);
    setImmediate(drain);
  };
  return (input, key) => {
    forEachKey(input, key, (i, k) => queue.push([i, k]));
    if (draining) return;
    if (queue.length === 1) {
      const only = queue.shift();
      if (only) handler(only[0], only[1]);
      return;
    }
    draining = true;
    drain();
  };
}
