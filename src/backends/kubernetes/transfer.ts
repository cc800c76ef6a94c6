// The work in and out of a pod, over exec into its `clauderon` container (which outlives the agent,
// so the commits of an agent that has exited can still come back):
// - in: one tar archive streamed on stdin — the session's branch as a git bundle, the agent's
//   config home and state files, the session's secrets (into memory-backed /run/clauderon), its cwd —
//   unpacked by a short sh script, which then clones the bundle into /workspace (first start only)
//   and marks the session ready (the agent container's start script waits for that mark);
// - out: the branch's new commits as a bundle on stdout, fetched into the user's repository and
//   fast-forwarded onto the session's branch in its host worktree;
// - one file (an image attachment: src/daemon/uploads.ts) written where the agent reads it (putFile).
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join, posix } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClauderonError } from '../../shared/errors.js';
import { hostGit, landBundle } from '../remote-work.js';
import { execRun, type ExecTarget } from './exec.js';
import { POD } from './objects.js';

/** The container that holds the workspace for clauderon (the relay, transfers). */
export const KEEPER = POD.keeper;

export interface PushInput {
  worktreePath: string;
  /** The session's branch (checked out in the worktree). */
  branch: string;
  /** Host dir of the agent's config home (copied to POD.configHome), or null. */
  configHome: string | null;
  /** Files for the agent's home (/workspace), e.g. Claude's .claude.json. */
  state: { file: string; content: unknown }[];
  /** The session's secrets, as sh exports. */
  sessionEnv: string;
  /** Where the agent starts, in the pod. */
  cwd: string;
  /** Files the agent keeps in its home that are not work (git excludes them in the pod). */
  excludes: readonly string[];
  /** The repository's identity for the agent's commits (not a secret), if the user has one. */
  identity: { name: string | null; email: string | null };
  /** A restart on the same volume: files already there are the agent's and are kept. */
  keepExisting: boolean;
}

/** Stage, archive and stream the session into the pod; resolves once the pod says ready. */
export async function pushSession(kc: KubeConfig, t: Omit<ExecTarget, 'container'>, scratch: string, p: PushInput): Promise<void> {
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const stage = mkdtempSync(join(scratch, 'push-'));
  try {
    const ws = join(stage, 'workspace');
    const run = join(stage, 'run', 'clauderon');
    mkdirSync(ws, { recursive: true });
    mkdirSync(run, { recursive: true, mode: 0o700 });
    const entries: string[] = [];
    if (p.configHome && existsSync(p.configHome)) {
      cpSync(p.configHome, join(ws, '.clauderon', 'agent-home'), { recursive: true, verbatimSymlinks: true });
      entries.push('workspace/.clauderon');
    }
    for (const f of p.state) {
      writeFileSync(join(ws, f.file), `${JSON.stringify(f.content, null, 2)}\n`, { mode: 0o600 });
      entries.push(`workspace/${f.file}`);
    }
    writeFileSync(join(run, 'session.env'), p.sessionEnv, { mode: 0o600 });
    writeFileSync(join(run, 'cwd'), `${p.cwd}\n`);
    await hostGit(p.worktreePath, ['bundle', 'create', '-q', join(run, 'in.bundle'), p.branch]);
    entries.push('run/clauderon/session.env', 'run/clauderon/cwd', 'run/clauderon/in.bundle');
    const tar = spawn('tar', ['-c', '-f', '-', '-C', stage, ...entries], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
    const tarDone = new Promise<number>((r) => tar.on('close', (code) => r(code ?? 1)));
    // read from the start: a child's stdout nobody reads is lost when the child exits first
    // (while the exec stream connects); the PassThrough holds it, and its high-water mark stops tar
    const archive = new PassThrough();
    tar.stdout.pipe(archive);
    const r = await execRun(kc, { ...t, container: KEEPER }, ['sh', '-c', unpackScript(p), 'clauderon-push'], { input: archive });
    const tarCode = await tarDone;
    if (tarCode !== 0) throw new ClauderonError('backend', `packing the session's files failed: ${tarErr.trim()}`);
    if (r.code !== 0) throw new ClauderonError('backend', `the pod could not take the session's files (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-600)}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function unpackScript(p: PushInput): string {
  const bundle = `${POD.run}/in.bundle`;
  const ident = [p.identity.name ? `git config user.name ${q(p.identity.name)}` : '', p.identity.email ? `git config user.email ${q(p.identity.email)}` : ''].filter(Boolean);
  return [
    'set -e',
    `tar -x -f - -C / --no-same-owner ${p.keepExisting ? '--skip-old-files' : '--overwrite'} 2>&1 | grep -v 'Cannot utime\\|Cannot change mode' >&2 || true`,
    `[ -f ${bundle} ] || { echo 'the archive did not arrive whole' >&2; exit 3; }`,
    `cd ${POD.workspace}`,
    'if [ ! -d .git ]; then',
    '  git init -q',
    `  git fetch -q ${bundle} ${q(`+refs/heads/${p.branch}:refs/heads/${p.branch}`)}`,
    `  git symbolic-ref HEAD ${q(`refs/heads/${p.branch}`)}`,
    '  git reset -q --hard',
    ...ident.map((l) => `  ${l}`),
    'fi',
    `printf '%s\\n' ${p.excludes.map((e) => q(`/${e}`)).join(' ')} > .git/info/exclude`,
    `rm -f ${bundle}`,
    `touch ${POD.run}/ready`,
  ].join('\n');
}

export interface FetchResult {
  /** Commits the session's branch moved by (0: up to date). */
  commits: number;
  /** The pod's workspace has changes that are not committed (they stay in the pod). */
  dirty: boolean;
}

/**
 * Bring the branch's new commits back into the host worktree (fast-forward). Throws, saying what to
 * do, when they cannot land (diverged, or the worktree's own changes are in the way); the fetched
 * commits are kept at refs/clauderon/<branch> meanwhile, so nothing is lost.
 */
export async function fetchSession(kc: KubeConfig, t: Omit<ExecTarget, 'container'>, scratch: string, p: { worktreePath: string; branch: string }): Promise<FetchResult> {
  const target = { ...t, container: KEEPER };
  const hostTip = (await hostGit(p.worktreePath, ['rev-parse', `refs/heads/${p.branch}`])).trim();
  const look = await execRun(kc, target, ['sh', '-c', `cd ${POD.workspace} && git rev-parse ${q(`refs/heads/${p.branch}`)} && { git cat-file -e ${hostTip} 2>/dev/null && echo has || echo lacks; } && git status --porcelain | head -c 4096`]);
  if (look.code !== 0) throw new ClauderonError('backend', `cannot read the session's branch in pod ${t.pod}: ${(look.stderr || look.stdout).trim()}`);
  const [podTip = '', has = '', ...status] = look.stdout.split('\n');
  const dirty = status.some((l) => l.trim() !== '');
  if (podTip === hostTip) return { commits: 0, dirty };
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const file = join(mkdtempSync(join(scratch, 'fetch-')), 'out.bundle');
  try {
    const range = has === 'has' ? `${q(`refs/heads/${p.branch}`)} ^${hostTip}` : q(`refs/heads/${p.branch}`);
    const r = await execRun(kc, target, ['sh', '-c', `cd ${POD.workspace} && git bundle create -q - ${range}`], { sink: createWriteStream(file) });
    if (r.code !== 0) throw new ClauderonError('backend', `cannot bundle the agent's commits in pod ${t.pod}: ${r.stderr.trim()}`);
    return { commits: await landBundle(p, hostTip, file), dirty };
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
}

/**
 * Run by `sh -c PUT_FILE_SCRIPT put DIR FILE SIZE` in the keeper container, the file's SIZE bytes on
 * stdin: DIR made (0700), the bytes into FILE.part (0600), then renamed onto FILE. Every value is an
 * argument, never part of the script. `head -c SIZE` ends by itself (an older exec protocol cannot
 * close stdin alone), and a short file is refused (exit 5), not renamed. The pod is the agent's own:
 * a symlink it planted on DIR's way or at FILE.part is followed — inside that pod only, where the
 * agent may write anyway; nothing of it reaches this host, which only sends bytes and reads a status.
 */
export const PUT_FILE_SCRIPT = [
  'umask 077',
  'dir=$1; file=$2; size=$3; part="$file.part"',
  'mkdir -p -- "$dir" || exit 3',
  'head -c "$size" > "$part" || { rm -f -- "$part"; exit 4; }',
  'got=$(wc -c < "$part" | tr -d " ")',
  '[ "$got" = "$size" ] || { rm -f -- "$part"; echo "only $got of $size bytes arrived" >&2; exit 5; }',
  'mv -f -- "$part" "$file"',
].join('\n');

/** The command that writes `size` bytes at `path` in the pod (checked: absolute, plain segments, no NUL). */
export function putFileCommand(path: string, size: number): string[] {
  const parts = path.split('/');
  if (!path.startsWith('/') || path.includes('\0') || parts.slice(1).some((p) => p === '' || p === '.' || p === '..') || parts.length < 3) {
    throw new ClauderonError('internal', `not a file path for the pod: ${JSON.stringify(path.slice(0, 200))}`);
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new ClauderonError('internal', `not a file size: ${size}`);
  return ['sh', '-c', PUT_FILE_SCRIPT, 'put', posix.dirname(path), path, String(size)];
}

/** Stdin is sent in pieces of this size (one WebSocket frame each). */
const PUT_CHUNK = 256 * 1024;

/** Write `data` as the file `path` in the pod's keeper container (putFileCommand; the bytes on stdin). */
export async function putFile(kc: KubeConfig, t: Omit<ExecTarget, 'container'>, path: string, data: Buffer): Promise<void> {
  const command = putFileCommand(path, data.length);
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; off += PUT_CHUNK) pieces.push(data.subarray(off, off + PUT_CHUNK));
  const r = await execRun(kc, { ...t, container: KEEPER }, command, { input: Readable.from(pieces), maxOutput: 4096 });
  if (r.code !== 0) throw new ClauderonError('backend', `pod ${t.pod} could not write ${path} (exit ${r.code})${r.stderr.trim() ? `: ${r.stderr.trim().slice(-300)}` : ''}`);
}



