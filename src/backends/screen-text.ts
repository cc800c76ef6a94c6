// The last lines of a mirrored terminal (@xterm/headless) as text: what `output` reads from a
// container backend's screen mirror (Docker's attach stream, a Kubernetes pod's log).
import type xterm from '@xterm/headless';

type Term = InstanceType<typeof xterm.Terminal>;

/** The last `lines` lines (scrollback included), trailing blank lines trimmed, once what was written is parsed. */
export async function screenText(term: Term, lines: number): Promise<string> {
  await new Promise<void>((r) => term.write('', r));
  const buf = term.buffer.active;
  const out: string[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i)?.translateToString(true) ?? '');
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
  return out.slice(-Math.max(1, lines)).join('\n');
}

/** Until nothing has arrived for `quietMs` (a replayed log settling), at most `maxMs`. */
export async function settled(lastData: () => number, quietMs = 80, maxMs = 1500): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until && Date.now() - lastData() < quietMs) await new Promise((r) => setTimeout(r, 20));
}
