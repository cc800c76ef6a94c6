// Image attachments (sessions.upload): an image a user gives a session — bytes over HTTP or the
// socket, or a file on this host named by the CLI — is checked (src/shared/images.ts: its magic
// bytes must be PNG, JPEG, GIF or WebP and match the declared type; at most 10 MiB) and written to
// `uploads/<session-id>/` under a safe name, and the answer is the path the AGENT sees: the host
// path for host agents (tmux, zellij), `/workspace/.clauderon/uploads/<id>/NAME` in a container
// (the Docker backend bind-mounts that directory there: src/backends/docker/container.ts). A
// remote runtime (Kubernetes: the worktree is a clone in the pod) gets the same path in its
// workspace: the stored file is then copied there (the backend's writeAgentFile, over exec), and
// when that fails the host copy is removed again and the error says why — nothing half-done.
//
// The directory is writable by the agent (inside a container, too), so nothing in it is trusted:
// the bytes go to a fresh temp file made with O_CREAT|O_EXCL|O_NOFOLLOW (a planted symlink makes
// it fail rather than be followed), 0600, and then get their final name with link() — which, unlike
// rename(), never replaces what is there (a name taken meanwhile, by a file or a symlink, moves on
// to the next `-N` name) — and the temp name is removed; the final path's realpath must be the
// directory's own entry. Per-session limits (files, bytes) count whatever the directory holds.
// Uploads to one session are written one at a time. Lifecycle's delete removes the directory.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createHash } from 'node:crypto';
import { backendSpec } from '../backends/registry.js';
import { ClauderonError, errorMessage } from '../shared/errors.js';
import {
  ACCEPTED_TEXT,
  dedupedName,
  fileNameProblem,
  imageProblem,
  MAX_IMAGE_BYTES,
  MAX_SESSION_BYTES,
  MAX_SESSION_FILES,
  safeImageName,
  sniffImage,
  type ImageType,
  type UploadResult,
} from '../shared/images.js';
import type { Session } from '../shared/types.js';

export interface UploadRequest {
  /** The name the user gave (cleaned here); default: the path's basename, else `image`. */
  filename?: string | undefined;
  /** The declared type (HTTP: Content-Type); must match the bytes when given. */
  type?: string | undefined;
  /** The image, base64 (HTTP bodies arrive as that too). */
  data?: string | undefined;
  /** A file on the daemon's host (the socket only: the CLI's own user). */
  path?: string | undefined;
}

/**
 * Where an upload of `s` lands on the host and where its agent sees that directory; `copy`: the
 * agent runs elsewhere (a remote runtime), so each file is copied there after it is stored.
 */
export function uploadDirs(s: Pick<Session, 'id' | 'name' | 'backend'>, uploadsRoot: string): { host: string; agent: string; copy: boolean } {
  const caps = backendSpec(s.backend).capabilities;
  const host = join(uploadsRoot, s.id);
  if (caps.worktree === 'host-path') return { host, agent: host, copy: false };
  // (the Docker backend mounts uploads/<id> at <workspace>/.clauderon/uploads/<id>: container.ts binds())
  if (caps.worktree === 'bind-mount' && caps.workspace) return { host, agent: `${caps.workspace}/.clauderon/uploads/${s.id}`, copy: false };
  // (the same place in a remote workspace, written there by the backend: Backend.writeAgentFile)
  if (caps.worktree === 'clone' && caps.workspace) return { host, agent: `${caps.workspace}/.clauderon/uploads/${s.id}`, copy: true };
  throw new ClauderonError(
    'invalid_input',
    `image attachments are not supported for ${s.backend} sessions yet: the agent runs where the daemon's uploads directory is not (add the image to the worktree and commit it, or use a docker, tmux or zellij session)`,
  );
}

/** The bytes of a request: base64 `data`, or a regular file at the absolute `path` (bounded). */
export function requestBytes(r: UploadRequest): Buffer {
  if ((r.data === undefined) === (r.path === undefined)) throw new ClauderonError('invalid_input', 'give the image as `data` (base64) or as `path` (a file on the daemon’s host), one of the two');
  if (r.data !== undefined) {
    const bytes = Buffer.from(r.data, 'base64');
    // (Buffer.from ignores what is not base64: a round trip says whether it all was)
    if (bytes.toString('base64').replace(/=+$/, '') !== r.data.replace(/=+$/, '')) throw new ClauderonError('invalid_input', 'data is not base64', { field: 'data' });
    return bytes;
  }
  const path = r.path ?? '';
  if (!isAbsolute(path) || path.includes('\0')) throw new ClauderonError('invalid_input', `path must be an absolute path without NUL bytes: ${JSON.stringify(path.slice(0, 200))}`, { field: 'path' });
  let fd: number;
  try {
    // (O_NONBLOCK: a FIFO named here is refused below, never waited on)
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ClauderonError('invalid_input', `cannot read ${path}: ${errorMessage(e)}`, { field: 'path' });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ClauderonError('invalid_input', `${path} is not a regular file: only ${ACCEPTED_TEXT} can be attached`, { field: 'path' });
    if (st.size > MAX_IMAGE_BYTES) throw new ClauderonError('invalid_input', `${path} is ${st.size} bytes, over the limit of ${MAX_IMAGE_BYTES} bytes (10 MiB)`, { field: 'path' });
    const buf = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** What `dir` holds now: regular files and their bytes (temp files of uploads under way included). */
function usage(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    try {
      const st = lstatSync(join(dir, name));
      files++;
      if (st.isFile()) bytes += st.size;
    } catch {
      // gone meanwhile
    }
  }
  return { files, bytes };
}

/** The session's directory, made 0700 if absent; refused when it is not a plain directory of uploadsRoot's. */
function sessionDir(uploadsRoot: string, dir: string): string {
  mkdirSync(uploadsRoot, { recursive: true, mode: 0o700 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const real = realpathSync(dir);
  if (!st.isDirectory() || real !== join(realpathSync(uploadsRoot), dir.slice(uploadsRoot.length + 1))) {
    throw new ClauderonError('conflict', `${dir} is not a plain directory (a symbolic link?): nothing was written — remove it and attach again`);
  }
  return real;
}

/**
 * Write `bytes` (checked already) as a new file of `dir` named after `name`: a temp file (O_EXCL,
 * O_NOFOLLOW, 0600), linked to the first free name, unlinked. Returns the final name.
 */
export function writeNoFollow(dir: string, name: string, bytes: Uint8Array): string {
  const temp = join(dir, `.upload-${randomBytes(8).toString('hex')}.part`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let ino: number;
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    ino = fstatSync(fd).ino;
  } catch (e) {
    closeSync(fd);
    unlinkSync(temp);
    throw e;
  }
  closeSync(fd);
  try {
    for (let n = 0; n <= MAX_SESSION_FILES + 1000; n++) {
      const candidate = dedupedName(name, n);
      const final = join(dir, candidate);
      try {
        linkSync(temp, final); // never replaces: EEXIST for a file, a directory or a symlink there
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
        // a filesystem without hard links: rename, after making sure nothing is there
        if (lstatMaybe(final)) continue;
        renameSync(temp, final);
      }
      // (what the name leads to must be our own file, in this directory)
      const st = lstatSync(final);
      if (!st.isFile() || st.ino !== ino || realpathSync(final) !== join(dir, candidate)) {
        throw new ClauderonError('conflict', `${final} changed while it was written: it was left alone`);
      }
      return candidate;
    }
    throw new ClauderonError('limit', `no free name for ${name} in ${dir}`);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // renamed (no hard links)
    }
  }
}

function lstatMaybe(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Uploads under way, per session directory: one at a time, so the limits hold. */
const queues = new Map<string, Promise<unknown>>();

/** Writes one stored file where a remote agent reads it (the backend's writeAgentFile). */
export type CopyToAgent = (agentPath: string, bytes: Buffer) => Promise<void>;

/**
 * Check and store one image for `s`: nothing is written unless the image is accepted and the
 * session's limits leave room for it. For a remote runtime, `copy` then puts it where the agent
 * runs; if that fails, the stored file is removed again and the error says why.
 */
export async function storeUpload(s: Session, uploadsRoot: string, r: UploadRequest, copy?: CopyToAgent): Promise<UploadResult> {
  if (s.status === 'deleting' || s.status === 'creating') throw new ClauderonError('conflict', `session ${s.name} is ${s.status}: attach the image once it is running`);
  const where = uploadDirs(s, uploadsRoot);
  if (where.copy && !copy) throw new ClauderonError('internal', `image attachments for ${s.backend} sessions need a copy to where the agent runs, and none was given: nothing was written`);
  if (r.filename !== undefined) {
    const bad = fileNameProblem(r.filename);
    if (bad) throw new ClauderonError('invalid_input', `${bad}: nothing was written`, { field: 'filename' });
  }
  const bytes = requestBytes(r);
  const problem = imageProblem(bytes, r.type ?? null);
  if (problem) throw new ClauderonError('invalid_input', `${problem}: nothing was written`, { field: 'data' });
  const type = sniffImage(bytes) as ImageType;
  const given = r.filename ?? (r.path ? r.path.split('/').pop() : undefined) ?? 'image';
  const name = safeImageName(given, type);
  const run = async (): Promise<UploadResult> => {
    const dir = sessionDir(uploadsRoot, where.host);
    const used = usage(dir);
    if (used.files + 1 > MAX_SESSION_FILES) throw new ClauderonError('limit', `session ${s.name} has ${used.files} attachments, the limit is ${MAX_SESSION_FILES}: nothing was written`);
    if (used.bytes + bytes.length > MAX_SESSION_BYTES) {
      throw new ClauderonError('limit', `session ${s.name}'s attachments would take ${used.bytes + bytes.length} bytes, over the limit of ${MAX_SESSION_BYTES} bytes (100 MiB): nothing was written`);
    }
    const file = writeNoFollow(dir, name, bytes);
    if (where.copy && copy) {
      try {
        await copy(`${where.agent}/${file}`, bytes);
      } catch (e) {
        try {
          unlinkSync(join(dir, file)); // (our own file: writeNoFollow checked what the name leads to)
        } catch {
          // gone already
        }
        throw new ClauderonError(e instanceof ClauderonError ? e.code : 'backend', `the image was not attached (nothing was kept): ${errorMessage(e)}`, { cause: e });
      }
    }
    return {
      file,
      path: `${where.agent}/${file}`,
      hostPath: join(dir, file),
      type,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sent: false,
      sendError: null,
    };
  };
  const before = queues.get(where.host) ?? Promise.resolve();
  const mine = before.then(run, run);
  const tail = mine.catch(() => undefined);
  queues.set(where.host, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(where.host) === tail) queues.delete(where.host);
  }
}
