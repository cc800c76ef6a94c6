// Image attachments without a daemon: what is accepted (magic bytes, the declared type, the size),
// how a name becomes a safe basename, the per-session limits, and that a directory the agent can
// write (a container mounts it) cannot redirect the write — a planted symlink, a symlinked
// directory, `../` names, NUL bytes. Everything refused writes nothing.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binds, CONTAINER } from '../../src/backends/docker/container.js';
import type { BackendCreateContext } from '../../src/backends/types.js';
import { getPaths } from '../../src/config/paths.js';
import { storeUpload, uploadDirs } from '../../src/daemon/uploads.js';
import { dedupedName, imageProblem, MAX_IMAGE_BYTES, MAX_SESSION_FILES, safeImageName, sniffImage } from '../../src/shared/images.js';
import type { Session } from '../../src/shared/types.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of a png')]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const GIF = Buffer.from('GIF89a....');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([1, 2, 3, 4]), Buffer.from('WEBPVP8 ')]);

let home: string;
let root: string;
let outside: string;

const session = (over: Partial<Session> = {}): Session => ({
  id: '0b7c2f1e-1111-4222-8333-444455556666',
  name: 'fix-bug-ab12',
  repoPath: '/r',
  subdirectory: '',
  worktreePath: '/w',
  branchName: 'b',
  backend: 'tmux',
  backendId: null,
  agent: 'claude',
  model: null,
  prompt: '',
  accessMode: 'read-write',
  skipChecks: false,
  planMode: false,
  proxyPort: null,
  status: 'running',
  agentStatus: 'unknown',
  error: null,
  createdAt: '',
  updatedAt: '',
  ...over,
});

const dirOf = (s: Session) => join(root, s.id);
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'clrn-up-'));
  root = join(home, 'uploads');
  outside = join(home, 'outside');
  mkdirSync(outside);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('what is an image', () => {
  it('recognises PNG, JPEG, GIF and WebP by their bytes, and nothing else', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(GIF)).toBe('image/gif');
    expect(sniffImage(Buffer.from('GIF87a'))).toBe('image/gif');
    expect(sniffImage(WEBP)).toBe('image/webp');
    for (const b of [Buffer.from('hello'), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), Buffer.from('%PDF-1.4'), Buffer.from('RIFF1234WAVE'), PNG.subarray(0, 7), Buffer.alloc(0)]) {
      expect(sniffImage(b), b.toString()).toBeNull();
    }
  });

  it('refuses a mismatched or unknown type, an empty or oversized file, naming what is accepted', () => {
    expect(imageProblem(PNG, 'image/png')).toBeNull();
    expect(imageProblem(PNG, null)).toBeNull();
    expect(imageProblem(PNG, 'image/jpeg')).toMatch(/sent as image\/jpeg but its bytes are image\/png/);
    expect(imageProblem(PNG, 'image/svg+xml')).toMatch(/not accepted: only PNG, JPEG, GIF or WebP/);
    expect(imageProblem(Buffer.from('#!/bin/sh'), 'image/png')).toMatch(/not an image.*image\/png, image\/jpeg, image\/gif, image\/webp/);
    expect(imageProblem(Buffer.alloc(0), null)).toMatch(/empty/);
    expect(imageProblem(Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]), 'image/png')).toMatch(/over the limit of 10485760 bytes/);
  });
});

describe('names', () => {
  it('keeps a safe basename with the type’s own extension', () => {
    expect(safeImageName('Screenshot 2026-12-02 at 10.00.png', 'image/png')).toBe('Screenshot_2026-12-02_at_10.00.png');
    expect(safeImageName('../../etc/passwd', 'image/png')).toBe('passwd.png');
    expect(safeImageName('..\\..\\x.jpeg', 'image/jpeg')).toBe('x.jpg');
    expect(safeImageName('.hidden.png', 'image/png')).toBe('hidden.png');
    expect(safeImageName('-rf.gif', 'image/gif')).toBe('rf.gif');
    expect(safeImageName('photo.jpg', 'image/png')).toBe('photo.png');
    expect(safeImageName('..', 'image/webp')).toBe('image.webp');
    expect(safeImageName('', 'image/png')).toBe('image.png');
    expect(safeImageName('café$(rm -rf).png', 'image/png')).toBe('cafe_rm_-rf.png');
    expect(safeImageName(`${'a'.repeat(500)}.png`, 'image/png')).toBe(`${'a'.repeat(100)}.png`);
    expect(dedupedName('shot.png', 0)).toBe('shot.png');
    expect(dedupedName('shot.png', 2)).toBe('shot-2.png');
  });
});

describe('storing an upload', () => {
  it('writes the image 0600 in uploads/<id>/ and answers the path the agent sees', async () => {
    const s = session();
    const r = await storeUpload(s, root, { filename: 'bug.png', type: 'image/png', data: PNG.toString('base64') });
    expect(r).toMatchObject({ file: 'bug.png', path: join(dirOf(s), 'bug.png'), hostPath: join(dirOf(s), 'bug.png'), type: 'image/png', size: PNG.length, sent: false, sendError: null });
    expect(readFileSync(r.hostPath)).toEqual(PNG);
    expect(statSync(r.hostPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirOf(s)).mode & 0o777).toBe(0o700);
    expect(files(dirOf(s))).toEqual(['bug.png']); // no temp file left
    // the same name again: a suffix, never a replacement
    const again = await storeUpload(s, root, { filename: 'bug.png', data: PNG.toString('base64') });
    expect(again.file).toBe('bug-1.png');
    // by path on the host (the CLI)
    const src = join(outside, 'shot.gif');
    writeFileSync(src, GIF);
    expect((await storeUpload(s, root, { path: src })).file).toBe('shot.gif');
  });

  it('answers the container path for a Docker session — where the Docker backend mounts the directory', async () => {
    const s = session({ backend: 'docker' });
    const r = await storeUpload(s, root, { filename: 'x.webp', data: WEBP.toString('base64') });
    expect(r.path).toBe(`/workspace/.clauderon/uploads/${s.id}/x.webp`);
    // (the backend's own mount list says the same: if one changes, this fails)
    const paths = { ...getPaths(home), uploads: root };
    const ctx = { sessionId: s.id, worktreePath: '/w', agentHome: { state: [], managedSettings: null }, env: {}, gitCommonDir: null, configHome: null, settingsFile: null, skipChecks: false } as unknown as BackendCreateContext;
    expect(binds(ctx, paths, () => false)).toContain(`${dirOf(s)}:${uploadDirs(s, root).agent}`);
    expect(uploadDirs(s, root).agent.startsWith(`${CONTAINER.workspace}/`)).toBe(true);
  });

  it('refuses a session being deleted, and a remote one without a copy step, before writing anything', async () => {
    await expect(storeUpload(session({ backend: 'kubernetes' }), root, { data: PNG.toString('base64') })).rejects.toThrow(/need a copy to where the agent runs.*nothing was written/);
    await expect(storeUpload(session({ status: 'deleting' }), root, { data: PNG.toString('base64') })).rejects.toThrow(/is deleting/);
    expect(existsSync(root)).toBe(false);
  });

  it('a Kubernetes session: stored here, copied to its workspace path; a failed copy keeps nothing', async () => {
    const s = session({ backend: 'kubernetes' });
    const copies: [string, Buffer][] = [];
    const r = await storeUpload(s, root, { filename: 'shot.png', data: PNG.toString('base64') }, (path, bytes) => {
      copies.push([path, bytes]);
      return Promise.resolve();
    });
    expect(r.path).toBe(`/workspace/.clauderon/uploads/${s.id}/shot.png`);
    expect(copies.map(([p, b]) => [p, b.equals(PNG)])).toEqual([[r.path, true]]);
    expect(readFileSync(join(dirOf(s), 'shot.png')).equals(PNG)).toBe(true);
    const failing = () => Promise.reject(new Error('pod clauderon-x is not running — it is Pending'));
    await expect(storeUpload(s, root, { filename: 'shot.png', data: PNG.toString('base64') }, failing)).rejects.toThrow(/^the image was not attached \(nothing was kept\): pod clauderon-x is not running — it is Pending$/);
    expect(files(dirOf(s))).toEqual(['shot.png']);
  });

  it('refuses non-images, mismatched types, oversized and empty bodies, bad base64 and NUL names — nothing written', async () => {
    const s = session();
    const refused: [Parameters<typeof storeUpload>[2], RegExp][] = [
      [{ filename: 'a.png', type: 'image/png', data: Buffer.from('not an image').toString('base64') }, /not an image clauderon accepts.*image\/png, image\/jpeg/],
      [{ filename: 'a.png', type: 'image/jpeg', data: PNG.toString('base64') }, /sent as image\/jpeg but its bytes are image\/png/],
      [{ filename: 'a.svg', type: 'image/svg+xml', data: Buffer.from('<svg/>').toString('base64') }, /not accepted/],
      [{ filename: 'big.png', data: Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]).toString('base64') }, /over the limit/],
      [{ filename: 'empty.png', data: '' }, /empty/],
      [{ filename: 'a.png', data: '!!not base64!!' }, /not base64/],
      [{ filename: 'a\0.png', data: PNG.toString('base64') }, /NUL byte/],
      [{ data: PNG.toString('base64'), path: '/etc/hostname' }, /one of the two/],
      [{ path: 'relative.png' }, /absolute/],
    ];
    for (const [req, why] of refused) {
      await expect(storeUpload(s, root, req), JSON.stringify(req).slice(0, 80)).rejects.toThrow(why);
      await expect(storeUpload(s, root, req)).rejects.toThrow(/nothing was written|not base64|one of the two|absolute/);
    }
    expect(files(dirOf(s))).toEqual([]);
    // a FIFO named by path is refused, never waited on; a directory too
    const fifo = join(outside, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    await expect(storeUpload(s, root, { path: fifo })).rejects.toThrow(/not a regular file/);
    await expect(storeUpload(s, root, { path: outside })).rejects.toThrow(/not a regular file/);
    const big = join(outside, 'big.png');
    writeFileSync(big, PNG);
    truncateSync(big, MAX_IMAGE_BYTES + 1);
    await expect(storeUpload(s, root, { path: big })).rejects.toThrow(/over the limit/);
    expect(files(dirOf(s))).toEqual([]);
  });

  it('keeps `../` names inside the directory', async () => {
    const s = session();
    const r = await storeUpload(s, root, { filename: '../../outside/evil.png', data: PNG.toString('base64') });
    expect(r.hostPath).toBe(join(dirOf(s), 'evil.png'));
    expect(files(outside)).toEqual([]);
    expect(files(root)).toEqual([s.id]);
  });

  it('does not follow a symlink planted under the name, nor a symlinked session directory', async () => {
    const s = session();
    mkdirSync(dirOf(s), { recursive: true, mode: 0o700 });
    const target = join(outside, 'victim.txt');
    writeFileSync(target, 'precious');
    // what an agent in a container can do: plant links in the directory it has mounted
    symlinkSync(target, join(dirOf(s), 'shot.png'));
    symlinkSync(join(outside, 'dangling.png'), join(dirOf(s), 'shot-1.png'));
    const r = await storeUpload(s, root, { filename: 'shot.png', data: PNG.toString('base64') });
    expect(r.file).toBe('shot-2.png');
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(join(outside, 'dangling.png'))).toBe(false);
    expect(lstatSync(join(dirOf(s), 'shot.png')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dirOf(s), 'shot-2.png'))).toEqual(PNG);
    // the session directory itself replaced by a link to elsewhere: refused, nothing written there
    const other = session({ id: 'aaaaaaaa-1111-4222-8333-444455556666' });
    symlinkSync(outside, dirOf(other));
    await expect(storeUpload(other, root, { filename: 'y.png', data: PNG.toString('base64') })).rejects.toThrow(/not a plain directory/);
    expect(files(outside)).toEqual(['victim.txt']);
  });

  it('holds a session to its file and byte limits, counting what the directory holds', async () => {
    const s = session();
    mkdirSync(dirOf(s), { recursive: true });
    for (let i = 0; i < MAX_SESSION_FILES - 1; i++) writeFileSync(join(dirOf(s), `f${i}`), 'x');
    await storeUpload(s, root, { data: PNG.toString('base64') });
    await expect(storeUpload(s, root, { data: PNG.toString('base64') })).rejects.toThrow(/50 attachments, the limit is 50: nothing was written/);
    expect(files(dirOf(s))).toHaveLength(MAX_SESSION_FILES);

    const t = session({ id: 'bbbbbbbb-1111-4222-8333-444455556666' });
    mkdirSync(dirOf(t), { recursive: true });
    writeFileSync(join(dirOf(t), 'big'), '');
    truncateSync(join(dirOf(t), 'big'), 100 * 1024 * 1024 - 4); // sparse: counted by its size
    await expect(storeUpload(t, root, { data: PNG.toString('base64') })).rejects.toThrow(/over the limit of 104857600 bytes/);
    expect(files(dirOf(t))).toEqual(['big']);
  });

  it('writes concurrent uploads of one name one at a time, each under its own name', async () => {
    const s = session();
    const all = await Promise.all(Array.from({ length: 6 }, () => storeUpload(s, root, { filename: 'same.png', data: PNG.toString('base64') })));
    expect(all.map((r) => r.file).sort()).toEqual(['same-1.png', 'same-2.png', 'same-3.png', 'same-4.png', 'same-5.png', 'same.png']);
  });
});
