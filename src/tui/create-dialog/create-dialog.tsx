// The Create dialog: draws the form; keys live in use-create-form.ts, state in use-create-form-state.ts.
import { Box, Text } from 'ink';
import { useEffect, useState, type ReactNode } from 'react';
import { COMMANDS, keyLabel, type CommandId } from '../keymap.js';
import { color, SPINNER } from '../components/theme.js';
import type { CreateFormValues, TuiServices } from '../services.js';
import { useCreateForm } from './use-create-form.js';
import { CHOICES, pickerOpen, type CreateFormState, type FieldName } from './use-create-form-state.js';

export type { FieldName } from './use-create-form-state.js';

export interface CreateDialogProps {
  services: TuiServices;
  /** Columns the dialog may use, border included. */
  width: number;
  initial?: Partial<CreateFormValues>;
  submitting: boolean;
  progress: { step: string; state: string } | null;
  /** The daemon's warnings for the create under way. */
  warnings?: readonly string[];
  /** The daemon's message when it is about no field in particular. */
  formError: string | null;
  fieldErrors?: Partial<Record<FieldName, string>>;
  onSubmit(values: CreateFormValues): void;
  onCancel(): void;
}

const MARK_W = 2;
const LABEL_W = 12;
/** Lines of the prompt shown at most; longer prompts show their tail. */
export const PROMPT_LINES = 6;

const LABELS: Record<Exclude<FieldName, 'create'>, string> = {
  prompt: 'Prompt',
  repo: 'Repository',
  name: 'Name',
  backend: 'Backend',
  agent: 'Agent',
  accessMode: 'Access',
  skipChecks: 'Skip checks',
  planMode: 'Plan mode',
};

/** Hard-wrap text to a width, keeping its line breaks. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.replace(/\t/g, ' ').split('\n')) {
    const chars = Array.from(line);
    if (chars.length === 0) out.push('');
    for (let i = 0; i < chars.length; i += width) out.push(chars.slice(i, i + width).join(''));
  }
  return out;
}

/** Keep the end of a path that is too long: "…/src/app". */
function tail(s: string, width: number): string {
  const chars = Array.from(s);
  return chars.length <= width ? s : `…${chars.slice(chars.length - width + 1).join('')}`;
}

function keysOf(id: CommandId): string {
  return (COMMANDS.find((c) => c.id === id && c.context === 'create')?.keys ?? []).map(keyLabel).join('/');
}

function Spinner() {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((n) => n + 1), 80);
    return () => clearInterval(timer);
  }, []);
  return <Text color={color('yellow')}>{SPINNER[frame % SPINNER.length]}</Text>;
}

function Row(props: { field: Exclude<FieldName, 'create'>; focused: boolean; error: string | undefined; valueWidth: number; children: ReactNode }) {
  const { field, focused, error, valueWidth, children } = props;
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={MARK_W} flexShrink={0}>
          <Text color={color('cyan')}>{focused ? '›' : ' '}</Text>
        </Box>
        <Box width={LABEL_W} flexShrink={0}>
          <Text bold={focused} inverse={focused}>
            {LABELS[field]}
          </Text>
        </Box>
        <Box width={valueWidth} flexDirection="column">
          {children}
        </Box>
      </Box>
      {error ? (
        <Box paddingLeft={MARK_W + LABEL_W} width={MARK_W + LABEL_W + valueWidth}>
          <Text color={color('red')}>{error}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function PromptValue({ text, focused, width }: { text: string; focused: boolean; width: number }) {
  if (!text && !focused) return <Text dimColor>what should the agent do?</Text>;
  // The cursor is a trailing cell, wrapped with the text so it never overflows the column.
  const lines = wrapText(focused ? `${text} ` : text, width);
  const hidden = lines.length > PROMPT_LINES ? lines.length - (PROMPT_LINES - 1) : 0;
  const shown = hidden ? lines.slice(hidden) : lines;
  return (
    <>
      {hidden ? <Text dimColor>{`↑ ${hidden} more line${hidden === 1 ? '' : 's'}`}</Text> : null}
      {shown.map((line, i) =>
        focused && i === shown.length - 1 ? (
          <Text key={i} wrap="truncate-end">
            {line.slice(0, -1)}
            <Text inverse> </Text>
          </Text>
        ) : (
          <Text key={i} wrap="truncate-end">
            {line || ' '}
          </Text>
        ),
      )}
    </>
  );
}

/** A one-line text: its end when too long, a cursor cell after it while focused. */
function LineValue(props: { text: string; focused: boolean; cursor: boolean; placeholder: string; width: number }) {
  const { text, focused, cursor, placeholder, width } = props;
  if (!text && !focused) return <Text dimColor>{placeholder}</Text>;
  return (
    <Text wrap="truncate-end">
      {tail(text, width - 1)}
      {cursor ? <Text inverse> </Text> : null}
      {!text ? <Text dimColor>{placeholder}</Text> : null}
    </Text>
  );
}

function Choices<T extends string>({ options, value, focused }: { options: readonly T[]; value: T; focused: boolean }) {
  return (
    <Text wrap="truncate-end">
      {options.map((o, i) => (
        <Text key={o}>
          {i > 0 ? '  ' : ''}
          <Text bold={o === value && focused} color={o === value ? color('cyan') : undefined}>{`${o === value ? '●' : '○'} ${o}`}</Text>
        </Text>
      ))}
    </Text>
  );
}

function Check({ on }: { on: boolean }) {
  return <Text>{on ? '[x] yes' : '[ ] no'}</Text>;
}

function Suggestions({ state, width }: { state: CreateFormState; width: number }) {
  const open = pickerOpen(state);
  const hint = open
    ? `${keysOf('create.acceptSuggestion')}/Enter take · Esc close`
    : `${keysOf('create.suggestNext')}/${keysOf('create.suggestPrev')} choose · ${keysOf('create.acceptSuggestion')} take`;
  return (
    <Box flexDirection="column" paddingLeft={MARK_W + LABEL_W}>
      {state.suggestions.map((s, i) => (
        <Text key={s} wrap="truncate-end" inverse={i === state.highlight} dimColor={!open}>
          {`${i === state.highlight ? '▸' : ' '} ${tail(s, width - 2)}`}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        {hint}
      </Text>
    </Box>
  );
}

export function CreateDialog(props: CreateDialogProps) {
  const { width, submitting, progress } = props;
  const { state, showSuggestions } = useCreateForm(props);
  const inner = Math.max(20, width - 4); // border and padding
  const valueWidth = Math.max(8, inner - MARK_W - LABEL_W);
  const f = (field: FieldName) => state.focus === field && !submitting;
  const err = (field: FieldName) => state.fieldErrors[field];

  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={color('cyan')} paddingX={1}>
      <Text bold>New session</Text>
      <Row field="prompt" focused={f('prompt')} error={err('prompt')} valueWidth={valueWidth}>
        <PromptValue text={state.prompt} focused={f('prompt')} width={valueWidth} />
      </Row>
      <Row field="repo" focused={f('repo')} error={err('repo')} valueWidth={valueWidth}>
        <LineValue text={state.repo} focused={f('repo')} cursor={f('repo') && !pickerOpen(state)} placeholder="path to a git repository" width={valueWidth} />
      </Row>
      {showSuggestions ? <Suggestions state={state} width={valueWidth} /> : null}
      <Row field="name" focused={f('name')} error={err('name')} valueWidth={valueWidth}>
        <LineValue text={state.name} focused={f('name')} cursor={f('name')} placeholder="(from the prompt)" width={valueWidth} />
      </Row>
      <Row field="backend" focused={f('backend')} error={err('backend')} valueWidth={valueWidth}>
        <Choices options={CHOICES.backend} value={state.backend} focused={f('backend')} />
      </Row>
      <Row field="agent" focused={f('agent')} error={err('agent')} valueWidth={valueWidth}>
        <Choices options={CHOICES.agent} value={state.agent} focused={f('agent')} />
      </Row>
      <Row field="accessMode" focused={f('accessMode')} error={err('accessMode')} valueWidth={valueWidth}>
        <Choices options={CHOICES.accessMode} value={state.accessMode} focused={f('accessMode')} />
      </Row>
      <Row field="skipChecks" focused={f('skipChecks')} error={err('skipChecks')} valueWidth={valueWidth}>
        <Check on={state.skipChecks} />
      </Row>
      <Row field="planMode" focused={f('planMode')} error={err('planMode')} valueWidth={valueWidth}>
        <Check on={state.planMode} />
      </Row>
      <Box marginTop={1}>
        <Box width={MARK_W}>
          <Text color={color('cyan')}>{f('create') ? '›' : ' '}</Text>
        </Box>
        <Text bold inverse={f('create')} dimColor={submitting}>
          [ Create ]
        </Text>
      </Box>
      {state.formError ? (
        <Text color={color('red')}>{`✗ ${state.formError}`}</Text>
      ) : null}
      {submitting ? (
        <Text>
          <Spinner /> {progress ? `${progress.step}…` : 'starting…'}
        </Text>
      ) : null}
      {(props.warnings ?? []).map((w, i) => (
        <Text key={i} color={color('yellow')}>{`! ${w}`}</Text>
      ))}
    </Box>
  );
}
