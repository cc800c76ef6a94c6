// Each agent's transcript in history's one shape (Claude Code's), read by the web UI's chat: real
// transcripts the agents wrote (test/data/agent-transcripts, recorded against the fake upstreams)
// become the same chat items a Claude transcript gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentSpec } from '../../src/agents/registry.js';
import { parseLines } from '../../src/core/transcripts.js';
import { chatItems } from '../../src/shared/chat-items.js';

const DATA = join(import.meta.dirname, '..', 'data', 'agent-transcripts');
const shaped = (agent: 'codex' | 'gemini', file: string) => {
  const normalize = agentSpec(agent).transcripts?.normalize;
  if (!normalize) throw new Error(`${agent} has no transcript shape`);
  return parseLines(readFileSync(join(DATA, file), 'utf8')).flatMap((l) => normalize(l));
};
const brief = (items: ReturnType<typeof chatItems>) =>
  items.map((i) => (i.kind === 'message' ? `${i.role}: ${i.text}` : i.kind === 'tool' ? `tool ${i.name}: ${i.summary}` : i.kind === 'result' ? `result: ${i.body.split('\n')[0] ?? ''}` : i.kind));

describe('transcripts in one shape', () => {
  it('Gemini CLI: its chat log (header, $set lines, a message rewritten with its tool calls) as chat items', () => {
    expect(brief(chatItems(shaped('gemini', 'gemini-chat.jsonl')))).toEqual([
      'user: say hi',
      'assistant: Hello from the fake Gemini',
      'user: make a file',
      'tool run_shell_command: echo made > made.txt',
      'result: <untrusted_context>',
      'assistant: I wrote made.txt.',
    ]);
  });

  it('Codex: its rollout (developer and environment context left out, a custom tool call and its output, two turns) as chat items', () => {
    expect(brief(chatItems(shaped('codex', 'codex-rollout.jsonl')))).toEqual([
      'user: run echo hi',
      'tool exec: const r = await tools.exec_command({ cmd: "echo hi" });',
      'result: Script completed',
      'assistant: The command printed hi.',
      'user: second turn please',
      'assistant: Second turn answered.',
    ]);
  });

  it('hostile lines give nothing rather than throwing', () => {
    for (const agent of ['codex', 'gemini'] as const) {
      const normalize = agentSpec(agent).transcripts?.normalize;
      for (const l of [null, 1, 'x', [], { type: 'user', content: 5 }, { type: 'gemini', toolCalls: [null, { name: 3 }] }, { type: 'response_item', payload: null }, { type: 'response_item', payload: { type: 'message', role: 'system', content: 'x' } }]) {
        expect(() => normalize?.(l)).not.toThrow();
      }
    }
  });
});
