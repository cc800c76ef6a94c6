// Transcript reading for history: only regular *.jsonl files inside the transcript roots, never
// blocking on a FIFO, never following a symlink out, at most the last 16 MiB; and hook payload
// fields checked at the edge.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hookFields, MAX_TRANSCRIPT_PATH } from '../../src/core/hooks.js';
import { MAX_TRANSCRIPT_BYTES, readConfined, readTranscript, type TranscriptRoot } from '../../src/core/transcripts.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'clrn-tr-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ID = '11111111-2222-3333-4444-555555555555';
const userRoot = join(tmp, 'user', '.claude', 'projects');
const worktree = join(tmp, 'worktree');
const wtRoot = join(worktree, '.claude', 'projects');
mkdirSync(join(userRoot, '-proj'), { recursive: true });
mkdirSync(join(wtRoot, 'x'), { recursive: true });
const roots: TranscriptRoot[] = [{ dir: userRoot }, { dir: wtRoot, within: worktree }];
const SECRET = 'sk-FAKE-SECRET-outside-0123456789';
const outside = join(tmp, 'secret.jsonl');
writeFileSync(outside, `${JSON.stringify({ secret: SECRET })}\n`);

function mkfifo(p: string): void {
  expect(spawnSync('mkfifo', [p]).status).toBe(0);
}

const read = (hinted: string | null, o: { container?: boolean; id?: string } = {}) =>
  readTranscript({ sessionId: o.id ?? ID, worktreePath: worktree, hinted, workspace: o.container ? '/workspace' : null, roots });

describe('readTranscript', () => {
  it('reads a transcript found in a root, or named by a hook (a container path maps to the worktree)', async () => {
    writeFileSync(join(userRoot, '-proj', `${ID}.jsonl`), '{"a":1}\nnot json\n\n{"b":2}\n');
    expect(await read(null)).toEqual({ lines: [{ a: 1 }, { unparsed: 'not json' }, { b: 2 }], omittedBytes: 0 });
    writeFileSync(join(wtRoot, 'x', 'other.jsonl'), '{"container":true}\n');
    expect((await read('/workspace/.claude/projects/x/other.jsonl', { container: true }))?.lines).toEqual([{ container: true }]);
    rmSync(join(userRoot, '-proj', `${ID}.jsonl`));
    rmSync(join(wtRoot, 'x', 'other.jsonl'));
    expect(await read(null)).toBeNull();
  });

  it('never blocks on a FIFO, inside a root or outside one', async () => {
    const inRoot = join(userRoot, '-proj', 'fifo.jsonl');
    const out = join(tmp, 'fifo.jsonl');
    mkfifo(inRoot);
    mkfifo(out);
    // (a blocking open or read would hang here: nothing ever writes to them)
    expect(await read(inRoot)).toBeNull();
    expect(await read(out)).toBeNull();
    expect(await readConfined(inRoot, [realpathSync(userRoot)])).toBeNull();
    // a FIFO under the session's own name in a root: skipped too
    mkfifo(join(wtRoot, 'x', `${ID}.jsonl`));
    expect(await read(null)).toBeNull();
    rmSync(join(wtRoot, 'x', `${ID}.jsonl`));
  });

  it('never follows a symlink out of the roots, nor a root that leads out of the worktree', async () => {
    symlinkSync(outside, join(wtRoot, 'x', `${ID}.jsonl`));
    expect(await read(null)).toBeNull();
    expect(await read(join(wtRoot, 'x', `${ID}.jsonl`))).toBeNull();
    expect(await read(outside)).toBeNull(); // a hook naming a file outside
    rmSync(join(wtRoot, 'x', `${ID}.jsonl`));
    // the worktree's .claude/projects itself made a link to elsewhere
    const wt2 = join(tmp, 'wt2');
    mkdirSync(join(wt2, '.claude'), { recursive: true });
    mkdirSync(join(tmp, 'elsewhere', 'p'), { recursive: true });
    writeFileSync(join(tmp, 'elsewhere', 'p', `${ID}.jsonl`), `${JSON.stringify({ secret: SECRET })}\n`);
    symlinkSync(join(tmp, 'elsewhere'), join(wt2, '.claude', 'projects'));
    expect(await readTranscript({ sessionId: ID, worktreePath: wt2, hinted: null, workspace: null, roots: [{ dir: join(wt2, '.claude', 'projects'), within: wt2 }] })).toBeNull();
  });

  it('reads only *.jsonl regular files', async () => {
    writeFileSync(join(userRoot, '-proj', 'notes.txt'), '{"x":1}\n');
    expect(await read(join(userRoot, '-proj', 'notes.txt'))).toBeNull();
    mkdirSync(join(userRoot, '-proj', 'dir.jsonl'));
    expect(await read(join(userRoot, '-proj', 'dir.jsonl'))).toBeNull();
  });

  it('reads at most the last 16 MiB, dropping the cut line, and says how much was left out', async () => {
    const file = join(userRoot, '-proj', `${ID}.jsonl`);
    const line = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    const count = Math.ceil(MAX_TRANSCRIPT_BYTES / line.length) + 10;
    writeFileSync(file, `${line.repeat(count)}{"last":true}\n`);
    const t = await read(null);
    expect(t).not.toBeNull();
    const last = '{"last":true}\n';
    const total = line.length * count + last.length;
    expect(t?.lines.at(-1)).toEqual({ last: true });
    // whole lines only: the one cut by the bound is dropped, not returned as garbage
    expect(t?.lines.every((l) => typeof l === 'object' && l !== null && !('unparsed' in l))).toBe(true);
    const returned = ((t?.lines.length ?? 0) - 1) * line.length + last.length;
    expect(returned).toBeLessThanOrEqual(MAX_TRANSCRIPT_BYTES);
    expect(t?.omittedBytes).toBe(total - returned);
    rmSync(file);
  });
});

describe('hook payload fields', () => {
  it('keeps an absolute, bounded transcript_path without NUL and an exit status 0–255', () => {
    expect(hookFields({ transcript_path: '/a/b.jsonl', exit_status: 3 })).toEqual({ transcriptPath: '/a/b.jsonl', exitStatus: 3 });
    for (const t of ['relative.jsonl', '/a\0b.jsonl', `/${'a'.repeat(MAX_TRANSCRIPT_PATH)}`, 42, null, {}]) expect(hookFields({ transcript_path: t }).transcriptPath).toBeNull();
    for (const e of [-1, 256, 1.5, '0', Number.NaN, null]) expect(hookFields({ exit_status: e }).exitStatus).toBeNull();
    expect(hookFields({ exit_status: 0 }).exitStatus).toBe(0);
    expect(hookFields({ exit_status: 255 }).exitStatus).toBe(255);
  });
});
