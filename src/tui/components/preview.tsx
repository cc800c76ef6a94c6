// The preview pane: the selected session's screen as the daemon pushes it. Agent output is
// untrusted: every control sequence is stripped before it is drawn, and it is clipped to the pane.
import { Box, Text } from 'ink';
import { memo } from 'react';
import { color, truncate } from './theme.js';

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ … ST), other ESC + one
// character, and the 8-bit C1 forms of the same.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|(?:\u001b[PX^_]|[\u0090\u0098\u009e\u009f])[^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
// C0 (but tab and newline), DEL, C1; and the bidirectional overrides, which reorder what follows.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Screen text safe to draw: no escape sequence or control character, tabs expanded, lines right-trimmed. */
export function sanitizeScreen(text: string): string[] {
  const lines = text.replace(ESCAPES, '').replace(/\r\n/g, '\n').split('\n');
  return lines.map((l) => {
    // a bare CR overwrites the line from its start: what was drawn last wins
    const last = l.split('\r').at(-1) ?? '';
    let out = '';
    for (const ch of last.replace(CONTROLS, '')) out += ch === '\t' ? ' '.repeat(8 - (Array.from(out).length % 8)) : ch;
    return out.trimEnd();
  });
}

/** The lines of `screen` the pane shows: the last `height` (trailing blank lines left out), each cut to `width`. */
export function previewLines(screen: string, width: number, height: number): string[] {
  const lines = sanitizeScreen(screen);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(Math.max(0, lines.length - height)).map((l) => clip(l, width));
}

function clip(line: string, width: number): string {
  const chars = Array.from(line);
  return chars.length <= width ? line : chars.slice(0, width).join('');
}

export interface PreviewProps {
  /** The session shown (null: nothing selected). */
  name: string | null;
  screen: string | null;
  error: string | null;
  width: number;
  height: number;
  /** Beside the list (a border on the left) or below it (a border on top). */
  beside: boolean;
}

/** Re-renders only when its screen, its session or its size changes (memo), not on every key. */
export const Preview = memo(function Preview({ name, screen, error, width, height, beside }: PreviewProps) {
  const innerW = Math.max(1, width - (beside ? 2 : 0));
  const innerH = Math.max(1, height - 1 - (beside ? 0 : 1));
  const title = name ? `Preview: ${name}` : 'Preview';
  let body: React.ReactNode;
  if (!name) body = <Text dimColor>No session selected.</Text>;
  else if (error) body = <Text color={color('red')}>{truncate(error, innerW)}</Text>;
  else if (screen === null) body = <Text dimColor>Waiting for the screen…</Text>;
  else {
    const lines = previewLines(screen, innerW, innerH);
    body = lines.length === 0 ? <Text dimColor>(the screen is empty)</Text> : lines.map((l, i) => <Text key={i} wrap="truncate">{l || ' '}</Text>);
  }
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      flexShrink={0}
      overflowY="hidden"
      borderStyle="single"
      borderTop={!beside}
      borderBottom={false}
      borderRight={false}
      borderLeft={beside}
      borderColor={color('gray')}
      paddingLeft={beside ? 1 : 0}
    >
      <Text bold wrap="truncate">
        {truncate(title, innerW)}
      </Text>
      {body}
    </Box>
  );
});
