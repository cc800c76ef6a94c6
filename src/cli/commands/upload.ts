// clauderon upload NAME FILE… (alias attach-image): give a session's agent images (a screenshot of
// a bug) it can read — stored by the daemon in uploads/<session id>/ (sessions.upload), answered
// with the path the agent sees (inside a container: its mount of that directory). With --message
// or --send the paths are typed into the agent's input, then Enter. The files are checked here
// first (the same rules as the daemon's: src/shared/images.ts) so a wrong one is refused before
// anything is sent; the daemon reads them by path (the socket is this user's, on this host).
// `create --attach FILE` uses the same helpers.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DaemonClient } from '../../client/client.js';
import { ClauderonError, errorMessage } from '../../shared/errors.js';
import { imageProblem, MAX_IMAGE_BYTES, type UploadResult } from '../../shared/images.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printResult } from '../output.js';

/** The absolute path of `file` once it is an image the daemon will take (else why not, naming the file). */
export function checkImageFile(file: string): string {
  const path = resolve(file);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ClauderonError('invalid_input', `cannot read ${file}: ${errorMessage(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ClauderonError('invalid_input', `${file} is not a regular file`);
    if (st.size > MAX_IMAGE_BYTES) throw new ClauderonError('invalid_input', `${file} is ${st.size} bytes, over the limit of ${MAX_IMAGE_BYTES} bytes (10 MiB)`);
    const head = Buffer.alloc(Math.min(st.size, 64));
    const n = readSync(fd, head, 0, head.length, 0);
    // (the size limit is the file's; the type comes from its first bytes)
    const problem = st.size === 0 ? imageProblem(new Uint8Array(), null) : imageProblem(head.subarray(0, n), null);
    if (problem) throw new ClauderonError('invalid_input', `${file}: ${problem}`);
    return path;
  } finally {
    closeSync(fd);
  }
}

/**
 * Upload `paths` (checked) to session `name`; with a message or `send`, the last upload types
 * "<message> <path>…" (every path) into the agent.
 */
export async function uploadFiles(c: DaemonClient, name: string, paths: readonly string[], o: { message?: string | undefined; send?: boolean | undefined }): Promise<UploadResult[]> {
  const out: UploadResult[] = [];
  const typing = o.message !== undefined || o.send === true;
  for (const [i, path] of paths.entries()) {
    const last = i === paths.length - 1;
    if (!(typing && last)) {
      out.push(await c.call('sessions.upload', { name, path }));
      continue;
    }
    // (the daemon types "<message> <its path>": the earlier paths go into the message)
    const message = [o.message, ...out.map((r) => r.path)].filter((x) => x !== undefined && x !== '').join(' ');
    out.push(await c.call('sessions.upload', { name, path, send: true, ...(message ? { message } : {}) }));
  }
  return out;
}

/** What an upload printed for people, and whether typing failed (said on stderr). */
export function reportUploads(results: readonly UploadResult[], files: readonly string[], o: { json?: boolean | undefined }): void {
  printResult(
    o,
    () => results,
    () => results.map((r, i) => `Attached ${files[i] ?? r.file} → ${r.path}${r.sent ? ' (typed into the agent)' : ''}\n`).join(''),
  );
  for (const r of results) {
    if (r.sendError !== null) {
      process.stderr.write(`error: the image is attached, but its path could not be typed into the agent: ${r.sendError}\n`);
      process.exitCode = EXIT.error;
    }
  }
}

export function addUploadCommand(program: Command, ctx: CliContext): void {
  program
    .command('upload')
    .alias('attach-image')
    .description("attach images (PNG, JPEG, GIF, WebP; 10 MiB each) to a session: stored where its agent can read them, the agent's path printed")
    .argument('<name>', 'session name or id')
    .argument('<files...>', 'image files')
    .option('--message <text>', 'type "<text> <path>…" into the agent, then Enter (e.g. "look at this")')
    .option('--send', 'type the path(s) into the agent, then Enter')
    .option('--json', 'print the uploads as JSON: [{"file","path","hostPath","type","size","sha256","sent","sendError"}]')
    .addHelpText('after', '\nA Docker or Kubernetes agent reads them at /workspace/.clauderon/uploads/<session id>/NAME (in a pod: a copy, written there over exec).')
    .action(async (name: string, files: string[], o: { message?: string; send?: boolean; json?: boolean }) => {
      const paths = files.map(checkImageFile);
      const results = await ctx.withClient((c) => uploadFiles(c, name, paths, o));
      reportUploads(results, files, o);
    });
}
