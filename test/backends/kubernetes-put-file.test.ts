// Writing one file into a Kubernetes pod (an image attachment), without a cluster: the argv the
// keeper container runs (src/backends/kubernetes/transfer.ts putFileCommand — every value an
// argument, never part of the script), that script run here with the same sh and coreutils, and
// what a pod that is not running is called (objects.ts keeperNotRunning).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { keeperNotRunning } from '../../src/backends/kubernetes/objects.js';
import { PUT_FILE_SCRIPT, putFileCommand } from '../../src/backends/kubernetes/transfer.js';

const base = mkdtempSync(join(tmpdir(), 'clrn-put-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The command as the pod's sh runs it, here: `input` on stdin. */
function runPut(path: string, input: Buffer, size = input.length) {
  const [sh, ...args] = putFileCommand(path, size);
  return spawnSync(sh ?? 'sh', args, { input, encoding: 'utf8', timeout: 10_000 });
}

describe('putFileCommand (the argv of the write in the pod)', () => {
  it('passes the directory, the path and the size as arguments after a fixed script', () => {
    const path = '/workspace/.clauderon/uploads/id/a b $(touch x) `y` \'q".png';
    expect(putFileCommand(path, 42)).toEqual(['sh', '-c', PUT_FILE_SCRIPT, 'put', '/workspace/.clauderon/uploads/id', path, '42']);
    expect(PUT_FILE_SCRIPT).not.toContain('touch');
  });

  it('refuses a relative path, `.`/`..`/empty segments, a NUL byte, a bare top-level name and a bad size', () => {
    for (const bad of ['workspace/x.png', '/workspace/../etc/x.png', '/workspace/./x.png', '/workspace//x.png', '/workspace/x.png/', '/workspace/x\0.png', '/x.png', '/']) {
      expect(() => putFileCommand(bad, 1), JSON.stringify(bad)).toThrow(/not a file path for the pod/);
    }
    for (const size of [-1, 1.5, Number.NaN]) expect(() => putFileCommand('/workspace/a/x.png', size)).toThrow(/not a file size/);
  });
});

describe('PUT_FILE_SCRIPT (run here with the same sh and coreutils the image has)', () => {
  it('makes the directory (0700) and writes the bytes (0600), a name with spaces, quotes and $(…) taken literally', () => {
    const dir = join(base, 'one', 'uploads', 'sid');
    const path = join(dir, 'a b $(touch pwned) `touch pwned2` \'q".png');
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255, 10, 13]);
    const r = runPut(path, bytes);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual([path.slice(dir.length + 1)]);
    expect(existsSync(join(process.cwd(), 'pwned')) || existsSync(join(process.cwd(), 'pwned2'))).toBe(false);
  });

  it('replaces a file of that name, and refuses (exit 5, nothing renamed) when fewer bytes arrive than announced', () => {
    const dir = join(base, 'two');
    const path = join(dir, 'x.png');
    expect(runPut(path, Buffer.from('first')).status).toBe(0);
    expect(runPut(path, Buffer.from('second!')).status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('second!');
    const short = runPut(join(dir, 'y.png'), Buffer.from('abc'), 10);
    expect(short.status).toBe(5);
    expect(short.stderr).toContain('only 3 of 10 bytes arrived');
    expect(readdirSync(dir).sort()).toEqual(['x.png']);
  });

  it('reads only the announced bytes (it ends by itself when stdin cannot be closed)', () => {
    const path = join(base, 'three', 'z.png');
    expect(runPut(path, Buffer.from('abcdefgh'), 4).status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('abcd');
  });
});

describe('keeperNotRunning (what the error calls a pod that cannot take a file)', () => {
  const pod = (phase: string, keeper: K8s.V1ContainerState | null, deleting = false): K8s.V1Pod => ({
    metadata: { name: 'p', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
    status: { phase, containerStatuses: keeper ? [{ name: 'clauderon', state: keeper, image: 'i', imageID: '', ready: true, restartCount: 0 }] : [] },
  });

  it('null when the keeper container runs; else gone, being deleted, its phase or the keeper state', () => {
    expect(keeperNotRunning(pod('Running', { running: {} }))).toBeNull();
    expect(keeperNotRunning(null)).toMatch(/does not exist \(the session is archived/);
    expect(keeperNotRunning(pod('Running', { running: {} }, true))).toBe('it is being deleted');
    expect(keeperNotRunning(pod('Pending', { waiting: { reason: 'ContainerCreating' } }))).toBe('it is Pending, its clauderon container waiting: ContainerCreating');
    expect(keeperNotRunning(pod('Running', { terminated: { exitCode: 137, reason: 'OOMKilled' } }))).toBe('it is Running, its clauderon container terminated: OOMKilled');
    expect(keeperNotRunning(pod('Succeeded', null))).toBe('it is Succeeded');
  });
});
