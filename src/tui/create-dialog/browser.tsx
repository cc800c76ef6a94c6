// The create dialog's directory browser, drawn: where it is, the filter typed (the text-input
// widget), and a window of the directories around the highlighted one (git repositories marked).
// Keys are in use-create-form.ts, state in use-create-form-state.ts (browser*). A list of its own
// rather than ink-select-input: typing filters here, and ink-select-input takes j, k and 1–9 as
// moves and picks.
import { Box, Text } from 'ink';
import { printable } from '../../shared/printable.js';
import { color } from '../components/theme.js';
import { TextInput } from '../text-input/text-input.js';
import { browserItems, type BrowserState } from './use-create-form-state.js';

/** A name from the file system, drawn: control characters shown, not sent to the terminal. */
function tail(s: string, width: number): string {
  const chars = Array.from(printable(s));
  return chars.length <= width ? s : `…${chars.slice(chars.length - width + 1).join('')}`;
}

export function BrowserView({ browser, width, height }: { browser: BrowserState; width: number; height: number }) {
  const l = browser.listing;
  if (!l) return <Text dimColor>{`Reading ${tail(browser.requested, width - 9)}…`}</Text>;
  const items = browserItems(browser);
  // the path, the filter line, the error (if any) take 3; the list the rest
  const rows = Math.max(1, height - 2 - (l.error ? 1 : 0));
  const at = Math.max(0, Math.min(items.length - 1, browser.highlight));
  const start = Math.max(0, Math.min(at - Math.floor(rows / 2), items.length - rows));
  const shown = items.slice(start, start + rows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{tail(l.path, width - (l.repoRoot ? 6 : 0))}</Text>
        {l.repoRoot ? <Text color={color('green')}> (git)</Text> : null}
      </Text>
      <Box>
        <Text dimColor>{'filter '}</Text>
        <TextInput state={browser.filter} focused width={width - 7} placeholder="type to narrow the list" />
      </Box>
      {l.error ? (
        <Text color={color('red')} wrap="truncate-end">
          {printable(l.error)}
        </Text>
      ) : null}
      {items.length === 0 ? <Text dimColor>{browser.filter.value ? 'no directory matches' : 'no subdirectories'}</Text> : null}
      {shown.map((it, i) => {
        const sel = start + i === at;
        const label = it.name === '.' ? './ (this directory)' : `${printable(it.name)}/`;
        return (
          <Text key={it.path} wrap="truncate-end" inverse={sel}>
            {`${sel ? '▸' : ' '} ${label}`}
            {it.repo ? <Text color={color('green')}> git</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}
