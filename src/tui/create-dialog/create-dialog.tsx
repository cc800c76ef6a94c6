// The Create dialog: draws the form; keys live in use-create-form.ts, state in use-create-form-state.ts.
// It fits the body of the screen it is given: fields that do not fit scroll (the focused one is
// always shown), long values scroll sideways, and the key hint at its foot comes from the keymap.
// (Over 400 lines: one view per kind of field — text, prompt, choice, toggle, backend option — plus
// the steps and the scrolling window; the browser is browser.tsx, keys and state their own files.)
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { printable } from '../../shared/printable.js';
import { color, SPINNER } from '../components/theme.js';
import { wrapWords } from '../help/use-help-state.js';
import { hint, keysOf } from '../keymap.js';
import type { TuiServices } from '../services.js';
import { bodyHeight, type StepRow, type TuiStore } from '../store.js';
import { TextInput, wrappedView } from '../text-input/text-input.js';
import { BrowserView } from './browser.js';
import { useCreateForm } from './use-create-form.js';
import {
  CHOICES,
  fieldsOf,
  isTextField,
  optionOf,
  picking,
  suggestionItems,
  suggestionsShown,
  textOf,
  type CreateFormState,
  type FieldId,
} from './use-create-form-state.js';

export interface CreateDialogProps {
  store: TuiStore;
  services: TuiServices;
}

const MARK_W = 2;
/** The label column at least (as wide as the longest label shown, plus a gap). */
const LABEL_W = 12;
/** The dialog is never wider than this. */
export const MAX_WIDTH = 100;

const LABELS: Record<string, string> = {
  prompt: 'Prompt',
  repo: 'Repository',
  name: 'Name',
  backend: 'Backend',
  agent: 'Agent',
  model: 'Model',
  accessMode: 'Access',
  skipChecks: 'Skip checks',
  planMode: 'Plan mode',
};

const ACRONYMS = new Set(['cpu', 'gpu', 'id', 'url', 'dns', 'tls']);

/** A backend option's label, from its flag: `--pull-policy <policy>` → "Pull policy". */
export function optionLabel(flag: string): string {
  const words = (flag.split(' ')[0] ?? '').replace(/^--/, '').split('-');
  return words.map((w, i) => (ACRONYMS.has(w) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
}

function labelOf(f: FieldId): string {
  const o = optionOf(f);
  return o ? optionLabel(o.flag) : (LABELS[f] ?? f);
}

/** The dialog's own wording for a field's error (each surface words its hints; the CLI names flags). */
function hintFor(f: FieldId): string | null {
  switch (f) {
    case 'repo':
      return `${keysOf('create', 'create.browse', 1)} browses directories`;
    case 'name':
      return 'leave Name empty to name it from the prompt';
    case 'backend':
    case 'agent':
      return `${keysOf('create', 'create.prev', 1)}/${keysOf('create', 'create.next', 1)} picks another`;
    default:
      return null;
  }
}

const PLACEHOLDERS: Record<string, string> = {
  prompt: 'what should the agent do?',
  repo: 'path to a git repository',
  name: '(from the prompt)',
  model: "(the agent's default)",
};

function placeholderOf(f: FieldId): string {
  const o = optionOf(f);
  if (o) {
    const d = o.description.replace(/^[a-z-]+: /, '');
    return d.includes('default') ? d : `(default) ${d}`;
  }
  return PLACEHOLDERS[f] ?? '';
}

/** Keep the end of a path that is too long: "…/src/app" (control characters shown, not sent). */
function tail(s: string, width: number): string {
  const chars = Array.from(printable(s));
  return chars.length <= width ? s : `…${chars.slice(chars.length - width + 1).join('')}`;
}

function Spinner() {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((n) => n + 1), 80);
    return () => clearInterval(timer);
  }, []);
  return <Text color={color('yellow')}>{SPINNER[frame % SPINNER.length]}</Text>;
}

/** A choice row: every option when it fits, else the current one between ‹ ›. */
function Choices({ options, value, labels, width }: { options: readonly string[]; value: string; labels?: (o: string) => string; width: number }) {
  const label = labels ?? ((o: string) => o);
  const full = options.map((o) => `${o === value ? '●' : '○'} ${label(o)}`).join('  ');
  if (Array.from(full).length <= width) {
    return (
      <Text wrap="truncate-end">
        {options.map((o, i) => (
          <Text key={o}>
            {i > 0 ? '  ' : ''}
            <Text color={o === value ? color('cyan') : undefined}>{`${o === value ? '●' : '○'} ${label(o)}`}</Text>
          </Text>
        ))}
      </Text>
    );
  }
  const i = Math.max(0, options.indexOf(value));
  return (
    <Text wrap="truncate-end">
      <Text color={color('cyan')}>{`‹ ${label(value)} ›`}</Text>
      <Text dimColor>{` ${i + 1}/${options.length}`}</Text>
    </Text>
  );
}

const check = (on: boolean) => <Text>{on ? '[x] yes' : '[ ] no'}</Text>;
const optionChoiceLabel = (o: string) => (o === '' ? '(default)' : o);

function valueNode(s: CreateFormState, f: FieldId, focused: boolean, width: number, promptRows: number): ReactNode {
  if (isTextField(f)) {
    const multiline = f === 'prompt';
    return <TextInput state={textOf(s, f)} focused={focused} width={width} placeholder={placeholderOf(f)} multiline={multiline} maxRows={multiline ? promptRows : 1} />;
  }
  switch (f) {
    case 'backend':
      return <Choices options={CHOICES.backend} value={s.backend} width={width} />;
    case 'agent':
      return <Choices options={CHOICES.agent} value={s.agent} width={width} />;
    case 'accessMode':
      return <Choices options={CHOICES.accessMode} value={s.accessMode} width={width} />;
    case 'skipChecks':
      return check(s.skipChecks);
    case 'planMode':
      return check(s.planMode);
    default: {
      const o = optionOf(f);
      if (!o?.choices) return null;
      return <Choices options={['', ...o.choices]} value={s.choice[f] ?? ''} labels={optionChoiceLabel} width={width} />;
    }
  }
}

/** One block of rows: a field with its error (and the repository's suggestions), or the button. */
interface Block {
  field: FieldId;
  rows: number;
  node: ReactNode;
}

function Indicator({ isSelected = false }: { isSelected?: boolean }) {
  return <Text color={color('cyan')}>{isSelected ? '▸ ' : '  '}</Text>;
}
function IdleItem({ label }: { label: string }) {
  return (
    <Text wrap="truncate-end" dimColor>
      {label}
    </Text>
  );
}
function PickItem({ label, isSelected = false }: { label: string; isSelected?: boolean }) {
  return (
    <Text wrap="truncate-end" inverse={isSelected} dimColor={!isSelected}>
      {label}
    </Text>
  );
}
function NoIndicator() {
  return <Text>{'  '}</Text>;
}

/**
 * The repository's suggestions, drawn by ink-select-input. Its own key handling stays off: it
 * subscribes to keys anew on every render, so a key right after a move met the old highlight
 * (↓ then Enter took the item above the highlighted one); the dialog's keymap moves the highlight
 * and the list is drawn at it.
 */
function Suggestions({ s, width, indent }: { s: CreateFormState; width: number; indent: number }) {
  const active = picking(s);
  const items = suggestionItems(s).map((p) => ({ key: p, label: tail(p, width - 2), value: p }));
  return (
    <Box paddingLeft={indent} flexDirection="column">
      <SelectInput
        key={active ? `at-${s.suggest.highlight}` : 'field'}
        items={items}
        isFocused={false}
        initialIndex={Math.max(0, s.suggest.highlight)}
        indicatorComponent={active ? Indicator : NoIndicator}
        itemComponent={active ? PickItem : IdleItem}
      />
    </Box>
  );
}

function stepText(r: StepRow): string {
  const ms = r.ms !== null ? ` ${r.ms} ms` : '';
  switch (r.state) {
    case 'done':
      return `✓ ${r.step}${ms}`;
    case 'failed':
      return `✗ ${r.step}${ms}`;
    case 'rolled_back':
      return `↺ ${r.step} undone`;
    default:
      return `${r.step}…`;
  }
}

function Steps({ steps, width }: { steps: readonly StepRow[]; width: number }) {
  // one line, wrapped: "✓ validate 2 ms  ✓ worktree 41 ms  ⠋ proxy…"
  const parts = steps.map((r) => ({ r, text: stepText(r) }));
  const lines: (typeof parts)[] = [[]];
  let used = 0;
  for (const p of parts) {
    const w = Array.from(p.text).length + (p.r.state === 'started' ? 2 : 0) + 2;
    if (used > 0 && used + w > width) {
      lines.push([]);
      used = 0;
    }
    lines.at(-1)?.push(p);
    used += w;
  }
  return (
    <>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l.map(({ r, text }) => (
            <Text key={r.step} color={r.state === 'failed' ? color('red') : r.state === 'done' ? color('green') : r.state === 'rolled_back' ? color('yellow') : undefined}>
              {r.state === 'started' ? (
                <>
                  <Spinner />{' '}
                </>
              ) : null}
              {text}
              {'  '}
            </Text>
          ))}
        </Text>
      ))}
    </>
  );
}

export function stepLines(steps: readonly StepRow[], width: number): number {
  if (steps.length === 0) return 0;
  let lines = 1;
  let used = 0;
  for (const r of steps) {
    const w = Array.from(stepText(r)).length + (r.state === 'started' ? 2 : 0) + 2;
    if (used > 0 && used + w > width) {
      lines++;
      used = 0;
    }
    used += w;
  }
  return lines;
}

/**
 * The blocks shown (first..last, by index) when they do not all fit in `avail` rows: the focused
 * one, then as many around it as fit, with a "more" line for each side that is cut.
 */
export function fieldWindow(rows: readonly number[], focus: number, avail: number): { first: number; last: number } {
  const total = rows.reduce((n, r) => n + r, 0);
  if (total <= avail) return { first: 0, last: rows.length - 1 };
  const grow = (room: number) => {
    let first = focus;
    let last = focus;
    let used = rows[focus] ?? 1;
    for (let more = true; more; ) {
      more = false;
      const down = rows[last + 1];
      if (down !== undefined && used + down <= room) {
        last++;
        used += down;
        more = true;
      }
      const up = rows[first - 1];
      if (up !== undefined && used + up <= room) {
        first--;
        used += up;
        more = true;
      }
    }
    return { first, last };
  };
  // one "more" line when only one side is cut, two when both are
  const one = grow(avail - 1);
  return one.first > 0 && one.last < rows.length - 1 ? grow(avail - 2) : one;
}

/** The key hint at the dialog's foot, for what has the keys: all of it from the keymap. */
export function dialogHint(s: CreateFormState): string {
  if (s.browser) {
    return hint('browser', [['browser.down', 'move'], ['browser.open', 'open'], ['browser.parent', 'up'], ['browser.choose', 'use'], ['browser.close', 'close']]);
  }
  if (picking(s)) return hint('suggest', [['suggest.next', 'next'], ['suggest.prev', 'previous'], ['suggest.accept', 'take'], ['suggest.close', 'close list']]);
  const parts: string[] = [];
  if (suggestionsShown(s)) parts.push(hint('suggest', [['suggest.next', 'choose'], ['suggest.first', 'take first'], ['suggest.close', 'close list']]));
  if (s.focus === 'prompt') parts.push(hint('text', [['text.newline', 'new line']]), hint('create', [['create.editor', 'editor']]));
  if (s.focus === 'repo') parts.push(hint('create', [['create.browse', 'browse']]));
  if (isChoiceFocus(s)) parts.push(`${keysOf('create', 'create.prev', 1)}/${keysOf('create', 'create.next', 1)} change`);
  parts.push(hint('create', [['create.nextField', 'next']]));
  if (s.focus === 'create') parts.push(hint('create', [['create.submit', 'create']]));
  if (!suggestionsShown(s)) parts.push(hint('create', [['create.cancel', 'close'], ['create.reset', 'clear']]));
  return parts.join(' · ');
}

function isChoiceFocus(s: CreateFormState): boolean {
  const f = s.focus;
  return f === 'backend' || f === 'agent' || f === 'accessMode' || f === 'skipChecks' || f === 'planMode' || optionOf(f)?.choices !== undefined;
}

export function CreateDialog({ store, services }: CreateDialogProps) {
  const { state: s, submitting } = useCreateForm({ store, services });
  const create = useStore(store, (st) => st.create);
  const columns = useStore(store, (st) => st.columns);
  const height = useStore(store, (st) => bodyHeight(st));
  const width = Math.min(columns, MAX_WIDTH);
  const inner = Math.max(20, width - 4); // border and padding
  const fields = fieldsOf(s);
  const labelW = Math.max(LABEL_W, ...fields.map((f) => Array.from(labelOf(f)).length + 1));
  const valueWidth = Math.max(8, inner - MARK_W - labelW);
  const focused = (f: FieldId) => s.focus === f && !submitting && !s.browser;

  // --- the foot: the daemon's refusal, the steps, the warnings, the keys -------------------------
  const formError = s.formError ? wrapWords(`✗ ${printable(s.formError)}`, inner) : [];
  const warnings = create.warnings.flatMap((w) => wrapWords(`! ${printable(w)}`, inner));
  const foot = formError.length + stepLines(create.steps, inner) + warnings.length + 1;
  // border (2) and title (1)
  const avail = Math.max(3, height - 3 - foot);

  // --- the fields, as blocks ---------------------------------------------------------------------
  const promptRows = Math.max(1, Math.min(height >= 22 ? 6 : 3, avail - 4));
  const blocks: Block[] = fields.map((f): Block => {
    if (f === 'create') {
      return {
        field: f,
        rows: 1,
        node: (
          <Box key={f}>
            <Box width={MARK_W}>
              <Text color={color('cyan')}>{focused(f) ? '›' : ' '}</Text>
            </Box>
            <Text bold inverse={focused(f)} dimColor={submitting}>
              [ Create ]
            </Text>
          </Box>
        ),
      };
    }
    const err = s.fieldErrors[f];
    const hintText = err ? hintFor(f) : null;
    const errLines = err ? wrapWords(printable(hintText ? `${err} — ${hintText}` : err), valueWidth) : [];
    const valueRows = f === 'prompt' ? Math.max(1, Math.min(promptRows, wrappedView(textOf(s, 'prompt'), valueWidth, 99, focused(f)).rows.length)) : 1;
    const sugg = f === 'repo' && suggestionsShown(s) ? suggestionItems(s).length : 0;
    return {
      field: f,
      rows: valueRows + errLines.length + sugg,
      node: (
        <Box key={f} flexDirection="column">
          <Box>
            <Box width={MARK_W} flexShrink={0}>
              <Text color={color('cyan')}>{focused(f) ? '›' : ' '}</Text>
            </Box>
            <Box width={labelW} flexShrink={0}>
              <Text bold={focused(f)} inverse={focused(f)} wrap="truncate-end">
                {labelOf(f)}
              </Text>
            </Box>
            <Box width={valueWidth} flexDirection="column">
              {valueNode(s, f, focused(f), valueWidth, promptRows)}
            </Box>
          </Box>
          {errLines.map((l, i) => (
            <Box key={i} paddingLeft={MARK_W + labelW}>
              <Text color={color('red')} wrap="truncate-end">
                {l}
              </Text>
            </Box>
          ))}
          {sugg > 0 ? <Suggestions s={s} width={valueWidth} indent={MARK_W + labelW} /> : null}
        </Box>
      ),
    };
  });

  // --- the window of blocks that fits, around the focused one ------------------------------------
  const { first, last } = fieldWindow(
    blocks.map((b) => b.rows),
    Math.max(0, blocks.findIndex((b) => b.field === s.focus)),
    avail,
  );
  const above = first;
  const below = blocks.length - 1 - last;

  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={color('cyan')} paddingX={1}>
      <Text bold wrap="truncate-end">
        {s.browser ? 'New session › choose the repository' : 'New session'}
      </Text>
      {s.browser ? (
        <BrowserView browser={s.browser} width={inner} height={Math.max(3, height - 4)} />
      ) : (
        <>
          {above > 0 ? <Text dimColor>{`↑ ${above} more field${above === 1 ? '' : 's'}`}</Text> : null}
          {blocks.slice(first, last + 1).map((b) => b.node)}
          {below > 0 ? <Text dimColor>{`↓ ${below} more field${below === 1 ? '' : 's'}`}</Text> : null}
          {formError.map((l, i) => (
            <Text key={`e${i}`} color={color('red')} wrap="truncate-end">
              {l}
            </Text>
          ))}
          <Steps steps={create.steps} width={inner} />
          {warnings.map((l, i) => (
            <Text key={`w${i}`} color={color('yellow')} wrap="truncate-end">
              {l}
            </Text>
          ))}
        </>
      )}
      <Text dimColor wrap="truncate-end">
        {dialogHint(s)}
      </Text>
    </Box>
  );
}
