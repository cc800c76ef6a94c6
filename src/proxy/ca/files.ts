// The CA's two files on disk (ca.ts): proxy-ca.pem (0644, may be handed to agents) and
// proxy-ca-key.pem (0600, never leaves the host). Created exclusively (of two racing
// processes exactly one writes), replaced atomically (temp file in the same directory, then
// rename), and every failure a ClauderonError('config') naming the file.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ClauderonError, errorMessage } from '../../shared/errors.js';

export interface CaPaths {
  caCert: string;
  caKey: string;
}

/** A CA as PEM texts: the certificate and its key (PKCS#8). */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new ClauderonError('config', `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Create the directories of both files (0700) when they are missing. */
export async function ensureDir(paths: CaPaths): Promise<void> {
  for (const dir of new Set([dirname(paths.caCert), dirname(paths.caKey)])) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new ClauderonError('config', `cannot create ${dir}: ${errorMessage(e)}`, { cause: e });
    }
  }
}

/** Write `text` to a temp file in the same directory with `mode`, then rename it over `path`. */
export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text);
      await fh.chmod(mode); // the umask may have narrowed or the file system widened it
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new ClauderonError('config', `cannot write ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Create the pair if nobody has: the key file is created exclusively (`wx`, 0600),
 * so of two racing processes exactly one writes; the certificate follows atomically.
 * Returns false when another process got there first.
 */
export async function createExclusive(paths: CaPaths, material: CaMaterial): Promise<boolean> {
  let fh;
  try {
    fh = await open(paths.caKey, 'wx', 0o600);
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new ClauderonError('config', `cannot create ${paths.caKey}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    await fh.writeFile(material.keyPem);
    await fh.chmod(0o600);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(paths.caKey).catch(() => undefined);
    throw new ClauderonError('config', `cannot write ${paths.caKey}: ${errorMessage(e)}`, { cause: e });
  }
  await fh.close();
  await writeAtomic(paths.caCert, material.certPem, 0o644);
  return true;
}

/** Keep the key private even if something widened its mode. */
export async function tightenKeyMode(path: string): Promise<void> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) await chmod(path, 0o600);
  } catch {
    // not ours to fix (e.g. another owner): loading still works
  }
}
