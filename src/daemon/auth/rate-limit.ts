// A token bucket per remote address for the sign-in and registration endpoints: a burst of
// `burst` requests, then one every `refillMs`. Bounded: at most MAX_KEYS addresses are kept (the
// least recently seen are dropped first).
const MAX_KEYS = 4096;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = 20,
    private readonly refillMs = 3_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one token for `key`; false: over the limit (the request is refused). */
  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + (t - b.at) / this.refillMs);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_KEYS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return true;
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfter(key: string): number {
    const b = this.buckets.get(key);
    return b ? Math.max(1, Math.ceil(((1 - b.tokens) * this.refillMs) / 1000)) : 1;
  }
}
