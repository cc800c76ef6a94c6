// The Attach-an-image dialog (the i key): draws the form; keys live in use-attach.ts, state in
// use-attach-state.ts (kept in the store's modal). It fits the body it is given (60×20 and up):
// long values scroll sideways, the daemon's refusal wraps, and the note gives way to it first.
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { printable } from '../../shared/printable.js';
import { color, SPINNER } from '../components/theme.js';
import { wrapWords } from '../help/use-help-state.js';
import { hint, keysOf } from '../keymap.js';
import type { TuiServices } from '../services.js';
import { bodyHeight, type TuiStore } from '../store.js';
import { TextInput } from '../text-input/text-input.js';
import { useAttachDialog } from './use-attach.js';
import { matchesShown, type AttachField, type AttachForm } from './use-attach-state.js';

const MAX_WIDTH = 100;
const MARK_W = 2;
const LABEL_W = 9;
const LABELS: Record<AttachField, string> = { path: 'Image', message: 'Message' };
const PLACEHOLDERS: Record<AttachField, string> = { path: '~/path/to/shot.png', message: '(optional) typed before the path' };
const NOTE = 'PNG, JPEG, GIF or WebP, at most 10 MiB. Enter stores it for the agent and types the message and the path it reads it at into its terminal.';

function Spinner() {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((n) => n + 1), 80);
    return () => clearInterval(timer);
  }, []);
  return <Text color={color('yellow')}>{SPINNER[frame % SPINNER.length]}</Text>;
}

/** The path's completions on one line, by their last part: "Tab: bug.png  shots/  …" (empty: none shown). */
export function matchesLine(form: AttachForm, width: number): string {
  const items = matchesShown(form);
  if (items.length === 0) return '';
  const names = items.map((i) => i.slice(i.replace(/\/$/, '').lastIndexOf('/') + 1));
  const full = `${keysOf('attach', 'attach.nextField', 1)}: ${names.join('  ')}`;
  return Array.from(full).length <= width ? full : `${Array.from(full).slice(0, Math.max(1, width - 1)).join('')}…`;
}

/** The key hint at the dialog's foot, from the keymap. */
export function attachHint(form: AttachForm): string {
  if (form.attached) return `${keysOf('attach', 'attach.submit', 1)}/${keysOf('attach', 'attach.cancel', 1)} close`;
  if (form.busy) return hint('attach', [['attach.cancel', 'close (the answer comes in the status line)']]);
  return hint('attach', [['attach.submit', 'attach & send'], ['attach.nextField', 'next field'], ['attach.cancel', 'cancel']]);
}

/** The dialog's rows for a body `height` high and `inner` wide: the error wraps, the note gives way first. */
export function attachLayout(form: AttachForm, inner: number, height: number): { note: string[]; done: string[]; error: string[] } {
  // border (2), title, the two fields, the hint; the progress line while busy
  const fixed = 6 + (form.busy ? 1 : 0) + (matchesShown(form).length > 0 ? 1 : 0);
  const room = Math.max(1, height - fixed);
  const a = form.attached;
  const done = a ? wrapWords(`✓ Attached ${printable(a.path)}`, inner).slice(0, Math.max(1, room - 1)) : [];
  const errorText = a ? `! but it could not be typed into the agent: ${a.warning}` : form.error ? `✗ ${form.error}` : null;
  const errorAll = errorText ? wrapWords(printable(errorText), inner) : [];
  const errRoom = Math.max(1, room - done.length);
  const error = errorAll.length > errRoom ? [...errorAll.slice(0, errRoom - 1), `${(errorAll[errRoom - 1] ?? '').slice(0, Math.max(0, inner - 1))}…`] : errorAll;
  const noteAll = wrapWords(NOTE, inner);
  const note = noteAll.length <= room - done.length - error.length ? noteAll : [];
  return { note, done, error };
}

export function AttachDialog({ store, services }: { store: TuiStore; services: TuiServices }) {
  useAttachDialog({ store, services });
  const modal = useStore(store, (s) => s.modal);
  const columns = useStore(store, (s) => s.columns);
  const height = useStore(store, (s) => bodyHeight(s));
  if (modal?.kind !== 'attach') return null;
  const form = modal.form;
  const width = Math.min(columns, MAX_WIDTH);
  const inner = Math.max(20, width - 4); // border and padding
  const valueWidth = Math.max(8, inner - MARK_W - LABEL_W);
  const { note, done, error } = attachLayout(form, inner, height);
  const matches = matchesLine(form, Math.max(1, inner - MARK_W - LABEL_W));
  const field = (f: AttachField) => {
    const focused = form.focus === f && !form.busy && !form.attached;
    return (
      <Box key={f}>
        <Box width={MARK_W} flexShrink={0}>
          <Text color={color('cyan')}>{focused ? '›' : ' '}</Text>
        </Box>
        <Box width={LABEL_W} flexShrink={0}>
          <Text bold={focused} inverse={focused} wrap="truncate-end">
            {LABELS[f]}
          </Text>
        </Box>
        <Box width={valueWidth}>
          <TextInput state={form[f]} focused={focused} width={valueWidth} placeholder={PLACEHOLDERS[f]} />
        </Box>
      </Box>
    );
  };
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={color(form.error ? 'red' : form.attached ? 'yellow' : 'cyan')} paddingX={1}>
      <Text bold wrap="truncate-end">
        {`Attach an image to ${printable(modal.name)}`}
      </Text>
      {note.map((l, i) => (
        <Text key={`n${i}`} dimColor wrap="truncate-end">
          {l}
        </Text>
      ))}
      {field('path')}
      {matches ? (
        <Box paddingLeft={MARK_W + LABEL_W}>
          <Text dimColor wrap="truncate-end">
            {matches}
          </Text>
        </Box>
      ) : null}
      {field('message')}
      {done.map((l, i) => (
        <Text key={`d${i}`} color={color('green')} wrap="truncate-end">
          {l}
        </Text>
      ))}
      {error.map((l, i) => (
        <Text key={`e${i}`} color={color(form.attached ? 'yellow' : 'red')} wrap="truncate-end">
          {l}
        </Text>
      ))}
      {form.busy ? (
        <Text wrap="truncate-end">
          <Spinner /> Attaching and sending…
        </Text>
      ) : null}
      <Text dimColor wrap="truncate-end">
        {attachHint(form)}
      </Text>
    </Box>
  );
}
