// Header (counts per status, daemon state), banners (what is wrong with the daemon's setup), status bar, footer (keys that work here), help.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { SessionStatus } from '../../shared/types.js';
import { footerLine, hint, type FooterCondition, type KeyContext } from '../keymap.js';
import { helpLayout, maxHelpScroll, type HelpCell } from '../help/use-help-state.js';
import type { Connection, StatusTone, View } from '../store.js';
import { VIEW_LABELS, VIEWS } from '../store.js';
import { color, STATUS_COLORS, truncate } from './theme.js';

const ORDER: SessionStatus[] = ['creating', 'running', 'idle', 'completed', 'failed', 'deleting', 'archived'];

const DAEMON: Record<Connection, { text: string; color: string }> = {
  connected: { text: '● daemon', color: 'green' },
  connecting: { text: '◌ connecting', color: 'yellow' },
  disconnected: { text: '✗ daemon down', color: 'red' },
  stopped: { text: '■ daemon stopped', color: 'yellow' },
};

export function Header(props: { counts: Partial<Record<SessionStatus, number>>; waiting: number; blocked?: number; connection: Connection; width: number }) {
  const { counts, waiting, blocked = 0, connection, width } = props;
  const parts = ORDER.filter((s) => counts[s]).map((s) => ({ s, n: counts[s] ?? 0 }));
  const daemon = DAEMON[connection];
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
        {blocked > 0 ? (
          <Text>
            {'  '}
            <Text bold color={color('red')}>
              {blocked} blocked
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
      <Box flexShrink={0}>
        <Text color={color(daemon.color)}>{daemon.text}</Text>
      </Box>
    </Box>
  );
}

/** One line each: what is wrong with the daemon's setup, until it is fixed. */
export function Banners({ lines, width }: { lines: { text: string; tone: 'error' | 'warn' }[]; width: number }) {
  return (
    <>
      {lines.map((l, i) => (
        <Text key={i} color={color(l.tone === 'error' ? 'red' : 'yellow')} wrap="truncate">
          {truncate(l.text, width)}
        </Text>
      ))}
    </>
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
  input: ReactNode;
  status: { text: string; tone: StatusTone } | null;
  connectionError: string | null;
  /** The selected session's own problem (Session.error), shown when nothing else is. */
  sessionError: string | null;
  /** What the selected session's egress policy blocked (shown when nothing above is). */
  sessionBlocked?: string | null;
  view: View;
  shown: number;
  total: number;
  width: number;
}) {
  const { textEditing, input, status, connectionError, sessionError, sessionBlocked = null, view, shown, total, width, text } = props;
  if (textEditing) {
    return (
      <Box width={width}>
        <Text>/</Text>
        {input}
      </Box>
    );
  }
  const msg = connectionError ?? status?.text ?? sessionError ?? sessionBlocked ?? '';
  const tone = connectionError ? 'error' : (status?.tone ?? (sessionError ? 'error' : sessionBlocked ? 'warn' : 'info'));
  const full = `${VIEW_LABELS[view]} ${shown}/${total}${text ? `  filter: "${text}"` : ''}`;
  // The count keeps its place: the message gets what is left of the one line, cut with "…".
  const left = truncate(full, Math.max(10, Math.min(Array.from(full).length, Math.floor(width * 0.4))));
  const room = Math.max(0, width - Array.from(left).length - 1);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text dimColor>{left}</Text>
        {msg && room > 0 ? (
          <Text color={color(tone === 'error' ? 'red' : tone === 'ok' ? 'green' : tone === 'warn' ? 'yellow' : 'white')}>{` ${truncate(msg, room)}`}</Text>
        ) : null}
      </Text>
    </Box>
  );
}

export function Footer({ context, width, holds }: { context: KeyContext; width: number; holds?: ReadonlySet<FooterCondition> }) {
  const line = footerLine(context, width, holds);
  return (
    <Text dimColor wrap="truncate">
      {line}
    </Text>
  );
}

function HelpCellView({ cell, keyWidth, colWidth }: { cell: HelpCell; keyWidth: number; colWidth: number }) {
  if (cell.title) {
    return (
      <Box width={colWidth} flexShrink={0}>
        <Text bold underline wrap="truncate">
          {cell.text}
        </Text>
      </Box>
    );
  }
  return (
    <Box width={colWidth} flexShrink={0}>
      <Box width={keyWidth + 2} flexShrink={0}>
        <Text bold wrap="truncate">
          {cell.keys}
        </Text>
      </Box>
      <Box width={Math.max(1, colWidth - keyWidth - 2)} flexShrink={0}>
        <Text wrap="truncate">{cell.text}</Text>
      </Box>
    </Box>
  );
}

/** Help generated from the keymap, scrolled by the help context's keys. */
export function HelpScreen({ width, height, scroll }: { width: number; height: number; scroll: number }) {
  const inner = Math.max(10, width - 4);
  const layout = helpLayout(inner);
  const visible = Math.max(1, height - 3);
  const top = Math.min(scroll, maxHelpScroll(layout, visible));
  const rows = layout.rows.slice(top, top + visible);
  const where = layout.rows.length > visible ? `  ${top + 1}–${top + rows.length}/${layout.rows.length}` : '';
  const title = `Keys — ${hint('help', [['help.down', 'scroll', 2], ['help.pageDown', 'page'], ['dialog.close', 'close']])}`;
  return (
    <Box borderStyle="round" flexDirection="column" paddingX={1} width={width} height={height}>
      <Text bold wrap="truncate">
        {truncate(title, inner - where.length)}
        <Text dimColor>{where}</Text>
      </Text>
      {rows.map((row, i) => (
        <Box key={top + i} width={inner}>
          {row.map((cell, j) => (
            <Box key={j} marginLeft={j > 0 ? 3 : 0} flexShrink={0}>
              <HelpCellView cell={cell} keyWidth={layout.keyWidth} colWidth={layout.colWidth} />
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}

export function Dialog(props: { title: string; lines: string[]; tone: 'info' | 'error'; width: number; hint: string }) {
  const { title, lines, tone, width, hint: keys } = props;
  return (
    <Box borderStyle="round" borderColor={color(tone === 'error' ? 'red' : 'cyan')} flexDirection="column" paddingX={1} width={Math.min(width, 100)}>
      <Text bold>{title}</Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="wrap">
          {l}
        </Text>
      ))}
      <Text dimColor>{keys}</Text>
    </Box>
  );
}
