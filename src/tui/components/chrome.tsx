// Header (counts per status, daemon state), status bar, footer (keys that work here), help.
import { Box, Text } from 'ink';
import type { SessionStatus } from '../../shared/types.js';
import { COMMANDS, footerItems, keyLabel, type KeyContext } from '../keymap.js';
import type { Connection, View } from '../store.js';
import { VIEW_LABELS, VIEWS } from '../store.js';
import { color, STATUS_COLORS, truncate } from './theme.js';

const ORDER: SessionStatus[] = ['creating', 'running', 'idle', 'completed', 'failed', 'deleting', 'archived'];

export function Header(props: { counts: Partial<Record<SessionStatus, number>>; waiting: number; connection: Connection; width: number }) {
  const { counts, waiting, connection, width } = props;
  const parts = ORDER.filter((s) => counts[s]).map((s) => ({ s, n: counts[s] ?? 0 }));
  const daemon = connection === 'connected' ? '● daemon' : connection === 'connecting' ? '◌ connecting' : '✗ daemon down';
  const daemonColor = connection === 'connected' ? 'green' : connection === 'connecting' ? 'yellow' : 'red';
  return (
    <Box width={width} justifyContent="space-between">
      <Text wrap="truncate">
        <Text bold>clauderon</Text>
        {parts.length === 0 ? <Text dimColor>  no sessions</Text> : null}
        {waiting > 0 ? (
          <Text>
            {'  '}
            <Text bold color={color('magenta')}>
              {waiting} waiting for you
            </Text>
          </Text>
        ) : null}
        {parts.map(({ s, n }) => (
          <Text key={s}>
            {'  '}
            <Text color={color(STATUS_COLORS[s])}>{n}</Text> {s}
          </Text>
        ))}
      </Text>
      <Text color={color(daemonColor)}>{daemon}</Text>
    </Box>
  );
}

export function ViewTabs({ view }: { view: View }) {
  return (
    <Text wrap="truncate">
      {VIEWS.map((v, i) => (
        <Text key={v} inverse={v === view}>
          {` ${i + 1} ${VIEW_LABELS[v]} `}
        </Text>
      ))}
    </Text>
  );
}

export function StatusBar(props: {
  text: string;
  textEditing: boolean;
  input: React.ReactNode;
  status: { text: string; tone: 'info' | 'error' | 'ok' } | null;
  connectionError: string | null;
  /** The selected session's own problem (Session.error), shown when nothing else is. */
  sessionError: string | null;
  view: View;
  shown: number;
  total: number;
  width: number;
}) {
  const { textEditing, input, status, connectionError, sessionError, view, shown, total, width, text } = props;
  if (textEditing) {
    return (
      <Box width={width}>
        <Text>/</Text>
        {input}
      </Box>
    );
  }
  const msg = connectionError ?? status?.text ?? sessionError ?? '';
  const tone = connectionError ? 'error' : (status?.tone ?? (sessionError ? 'error' : 'info'));
  const left = `${VIEW_LABELS[view]} ${shown}/${total}${text ? `  filter: "${text}"` : ''}`;
  return (
    <Box width={width}>
      <Text dimColor>{truncate(left, Math.max(10, Math.floor(width * 0.4)))}</Text>
      <Text> </Text>
      <Text wrap="truncate" color={color(tone === 'error' ? 'red' : tone === 'ok' ? 'green' : 'white')}>
        {msg}
      </Text>
    </Box>
  );
}

export function Footer({ context, width }: { context: KeyContext; width: number }) {
  const items = footerItems(context);
  let line = '';
  for (const it of items) {
    const next = `${line ? `${line}  ` : ''}${it.keys} ${it.label}`;
    if (next.length > width) break;
    line = next;
  }
  return (
    <Text dimColor wrap="truncate">
      {line}
    </Text>
  );
}

const HELP_TITLES: Partial<Record<KeyContext, string>> = {
  list: 'Session list',
  filter: 'Text filter',
  confirm: 'Confirm',
  create: 'New-session dialog',
};

/** Help generated from the keymap. */
export function HelpScreen({ width, height }: { width: number; height: number }) {
  const lines: { key: string; text: string; title?: boolean }[] = [];
  for (const ctx of ['list', 'filter', 'confirm', 'create'] as const) {
    lines.push({ key: '', text: HELP_TITLES[ctx] ?? ctx, title: true });
    for (const c of COMMANDS.filter((x) => x.context === ctx)) lines.push({ key: c.keys.map(keyLabel).join(', '), text: c.description });
  }
  const keyW = 18;
  // Two columns when the screen is wide enough, so it fits 24 rows.
  const twoCols = width >= 100;
  const perCol = twoCols ? Math.ceil(lines.length / 2) : lines.length;
  const colW = twoCols ? Math.floor((width - 4) / 2) : width - 4;
  const render = (ls: typeof lines) =>
    ls.slice(0, Math.max(1, height - 3)).map((l, i) =>
      l.title ? (
        <Text key={i} bold underline>
          {l.text}
        </Text>
      ) : (
        <Text key={i} wrap="truncate">
          {`${l.key.padEnd(keyW)} ${truncate(l.text, colW - keyW - 1)}`}
        </Text>
      ),
    );
  return (
    <Box borderStyle="round" flexDirection="column" paddingX={1} width={width} height={height}>
      <Text bold>Keys — Esc closes</Text>
      <Box>
        <Box flexDirection="column" width={colW}>
          {render(lines.slice(0, perCol))}
        </Box>
        {twoCols ? (
          <Box flexDirection="column" width={colW}>
            {render(lines.slice(perCol))}
          </Box>
        ) : null}
      </Box>
    </Box>
  );
}

export function Dialog(props: { title: string; lines: string[]; tone: 'info' | 'error'; width: number; hint: string }) {
  const { title, lines, tone, width, hint } = props;
  return (
    <Box borderStyle="round" borderColor={color(tone === 'error' ? 'red' : 'cyan')} flexDirection="column" paddingX={1} width={Math.min(width, 100)}>
      <Text bold>{title}</Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="wrap">
          {l}
        </Text>
      ))}
      <Text dimColor>{hint}</Text>
    </Box>
  );
}
