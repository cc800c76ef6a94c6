// Waiting in tests: poll for the condition a test needs, never sleep a fixed time. The one
// waitFor every test uses (helpers/e2e.ts re-exports it).

/** What a truthy value of type T can be. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Poll `fn` until it returns a truthy value and resolve with that value. Polls soon at first
 * (in-process conditions usually hold within a few ms), then every 25 ms; `fn` runs at least
 * once, and once more when the time is up. Rejects after `timeoutMs` naming `what` and the
 * last value `fn` returned.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    const last = await fn();
    if (last) return last as Truthy<T>;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
    pause = Math.min(pause * 2, 25);
  }
}
