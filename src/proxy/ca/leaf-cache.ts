// The hostnames the CA mints leaves for, and the bounded cache of those leaves (ca.ts).
import { isIP } from 'node:net';
import { ClauderonError } from '../../shared/errors.js';
import { DAY } from './der.js';

export interface Leaf {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A cached leaf is re-minted when it has less than this left. */
const LEAF_RENEW_BEFORE = DAY;
/** The leaf cache holds at most this many hostnames (least recently used goes first). */
export const LEAF_CACHE_SIZE = 500;

/**
 * Lower-cased, trailing dot removed, checked as a DNS name. IP literals are not
 * supported (the proxy intercepts by hostname only): `127.0.0.1`, `::1`, `[::1]`,
 * and the forms WHATWG URL parsers read as IPv4 (`127.1`, `0x7f.0.0.1`) all throw.
 */
export function leafHostname(hostname: string): string {
  const bad = (why: string): ClauderonError =>
    new ClauderonError('invalid_input', `cannot mint a proxy certificate for ${JSON.stringify(hostname)}: ${why}`);
  let h = hostname.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') || h.includes(':') || isIP(h) !== 0) throw bad('IP addresses are not supported, only hostnames');
  if (h.length === 0 || h.length > 253) throw bad('not a hostname');
  const labels = h.split('.');
  for (const label of labels) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) throw bad('not a hostname');
  }
  const last = labels[labels.length - 1] ?? '';
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(last)) throw bad('IP addresses are not supported, only hostnames');
  return h;
}

interface CacheEntry {
  leaf: Leaf;
  notAfter: number;
}

/**
 * Leaves by (normalized) hostname, an LRU of at most `size` entries. A leaf within a day of its
 * notAfter is no longer served: `get` drops it, and the caller mints a new one.
 */
export class LeafCache {
  readonly #size: number;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(size = LEAF_CACHE_SIZE) {
    this.#size = size;
  }

  /** The cached leaf for `host` if it has more than a day left at `now` (a hit makes it the most recent). */
  get(host: string, now: number): Leaf | undefined {
    const hit = this.#entries.get(host);
    if (hit === undefined) return undefined;
    this.#entries.delete(host);
    if (hit.notAfter - now <= LEAF_RENEW_BEFORE) return undefined;
    this.#entries.set(host, hit);
    return hit.leaf;
  }

  /** Cache `leaf` (valid until `notAfter`) as the most recent; the least recently used go beyond `size`. */
  set(host: string, leaf: Leaf, notAfter: number): void {
    this.#entries.set(host, { leaf, notAfter });
    while (this.#entries.size > this.#size) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}
