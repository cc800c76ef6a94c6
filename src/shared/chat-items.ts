// An agent's transcript lines (history's one shape: Claude Code's JSONL, one parsed value each) as chat
// items: messages, tool calls and their results, thinking, and plan-mode plans (ExitPlanMode's input.plan).
// No DOM and no imports: the unit tests run it in Node.

export type ChatItem =
  | { kind: 'note'; text: string }
  | { kind: 'message'; role: 'user' | 'assistant'; text: string }
  | { kind: 'plan'; text: string }
  | { kind: 'tool'; name: string; summary: string; body: string }
  | { kind: 'result'; body: string; error: boolean }
  | { kind: 'thinking'; body: string };

/** The most of a tool's input or output shown (it is folded, but still in the page). */
const MAX_FOLD_CHARS = 64 * 1024;

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join('\n');
  if (v && typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text;
    // (an image in a tool's result is never loaded)
    if ('type' in v && v.type === 'image') return '[image]';
  }
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

/** A tool call's one-line summary: its command, file or pattern. */
function summaryOf(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  const o = input as Record<string, unknown>;
  for (const k of ['command', 'cmd', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'input']) {
    const v = o[k];
    if (typeof v === 'string' && v.trim()) return clip(v.trim().split('\n')[0] ?? '', 120);
  }
  return '';
}

interface Block {
  type?: string;
  text?: string;
  name?: string;
  input?: unknown;
  content?: unknown;
  thinking?: string;
  is_error?: boolean;
}

/** Claude Code's transcript lines as chat items (lines of other kinds left out). */
export function chatItems(lines: readonly unknown[], omittedBytes = 0, itemsOf: (line: unknown) => readonly ChatItem[] = lineItems): ChatItem[] {
  const out: ChatItem[] = [];
  if (omittedBytes > 0) out.push({ kind: 'note', text: `the transcript’s first ${omittedBytes} bytes are left out` });
  // a line written again under the same uuid (Gemini CLI rewrites a message when its tool calls
  // finish) replaces the earlier one
  const last = new Map<string, number>();
  lines.forEach((raw, i) => {
    const id = uuidOf(raw);
    if (id !== null) last.set(id, i);
  });
  lines.forEach((raw, i) => {
    const id = uuidOf(raw);
    if (id === null || last.get(id) === i) out.push(...itemsOf(raw));
  });
  return out;
}

function uuidOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' && 'uuid' in raw ? raw.uuid : null;
  return typeof id === 'string' ? id : null;
}

/** One transcript line's items ([] for a line of another kind). */
export function lineItems(raw: unknown): ChatItem[] {
  const out: ChatItem[] = [];
  if (!raw || typeof raw !== 'object') return out;
  const line = raw as { type?: string; truncated?: boolean; omittedBytes?: number; message?: { content?: unknown } };
  if (line.truncated) return [{ kind: 'note', text: `the transcript’s first ${line.omittedBytes ?? '?'} bytes are left out` }];
  if (line.type !== 'user' && line.type !== 'assistant') return out;
  const role = line.type;
  const content = line.message?.content;
  if (typeof content === 'string') return content.trim() ? [{ kind: 'message', role, text: content }] : out;
  if (!Array.isArray(content)) return out;
  for (const b of content as Block[]) {
    if (!b || typeof b !== 'object') continue;
    if (b.type === 'text' && typeof b.text === 'string' && b.text.trim()) out.push({ kind: 'message', role, text: b.text });
    else if (b.type === 'tool_use') {
      const input = b.input as { plan?: unknown } | undefined;
      if (b.name === 'ExitPlanMode' && typeof input?.plan === 'string') out.push({ kind: 'plan', text: input.plan });
      else out.push({ kind: 'tool', name: typeof b.name === 'string' ? b.name : '?', summary: summaryOf(b.input), body: clip(JSON.stringify(b.input ?? null, null, 2), MAX_FOLD_CHARS) });
    } else if (b.type === 'tool_result') out.push({ kind: 'result', body: clip(textOf(b.content), MAX_FOLD_CHARS), error: b.is_error === true });
    else if (b.type === 'thinking' && typeof b.thinking === 'string' && b.thinking.trim()) out.push({ kind: 'thinking', body: clip(b.thinking, MAX_FOLD_CHARS) });
  }
  return out;
}
