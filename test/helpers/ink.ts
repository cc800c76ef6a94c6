// Waiting on what ink-testing-library draws: poll the last frame until it shows what a test
// expects (never a fixed sleep), and fail with the frame that was there when time ran out.
import { waitFor } from './wait.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;

/** A frame without colours and attributes. */
export function plain(frame: string | undefined): string {
  return (frame ?? '').replace(ANSI, '');
}

/**
 * Resolve with the first frame (ANSI stripped) for which `predicate` holds; reject after
 * `timeoutMs` with the last frame in the message.
 */
export async function waitForFrame(
  lastFrame: () => string | undefined,
  predicate: (frame: string) => boolean,
  timeoutMs = 3000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  // Let React run the effects of the render that drew the frame (subscriptions to keys among
  // them) before the test sends the next key.
  await new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    const frame = plain(lastFrame());
    if (predicate(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`waitForFrame: timed out after ${timeoutMs} ms; last frame:\n${frame}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolve once ink reads keys: it listens on stdin from the first active useInput, which React
 * subscribes a few ticks after the first frame is drawn. Keys written before that are lost.
 */
export async function waitForInput(stdin: { listenerCount(event: string): number }, timeoutMs = 3000): Promise<void> {
  await waitFor(() => stdin.listenerCount('readable') > 0, 'ink to listen on stdin', timeoutMs);
}
