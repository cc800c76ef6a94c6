// The work in and out of a sprite, over exec (as the Kubernetes backend's transfer.ts, whose git
// steps this follows):
// - in: one tar archive on stdin — the session's branch as a git bundle, the agent's config home and
//   state files, clauderon's files (relay, CA certificate, settings) — unpacked by a short sh script,
//   which clones the bundle into the workspace on the first start only. No secret is in it: the
//   session's secrets go on the start exec's stdin into the agent's memory (backend.ts);
// - out: the branch's new commits as a bundle on stdout, fetched into the user's repository and
//   fast-forwarded onto the session's branch in its host worktree.
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ClauderonError } from '../../shared/errors.js';
import { hostGit, landBundle } from '../remote-work.js';
import type { SpritesClient } from './client.js';

/** Inside the sprite. */
export const SPRITE = {
  home: '/home/sprite',
  workspace: '/home/sprite/workspace',
  /** clauderon's files (relay, CA, settings, the agent's log, its pid and exit status). */
  etc: '/home/sprite/.clauderon',
  relay: '/home/sprite/.clauderon/relay.mjs',
  caCert: '/home/sprite/.clauderon/proxy-ca.pem',
  caBundle: '/home/sprite/.clauderon/proxy-ca-bundle.pem',
  log: '/home/sprite/.clauderon/agent.log',
  pid: '/home/sprite/.clauderon/agent.pid',
  exit: '/home/sprite/.clauderon/agent.exit',
  configHome: '/home/sprite/workspace/.clauderon/agent-home',
} as const;

export interface PushInput {
  worktreePath: string;
  branch: string;
  configHome: string | null;
  state: { file: string; content: unknown }[];
  /** clauderon's files for SPRITE.etc (name → text): relay, CA, settings. */
  etcFiles: Record<string, string>;
  excludes: readonly string[];
  identity: { name: string | null; email: string | null };
  /** A restart on the same filesystem: the agent's files already there are kept. */
  keepExisting: boolean;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function pushSession(c: SpritesClient, sprite: string, scratch: string, p: PushInput): Promise<void> {
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const stage = mkdtempSync(join(scratch, 'push-'));
  try {
    const ws = join(stage, 'workspace');
    const etc = join(stage, '.clauderon');
    mkdirSync(ws, { recursive: true });
    mkdirSync(etc, { recursive: true, mode: 0o700 });
    const entries: string[] = [];
    if (p.configHome && existsSync(p.configHome)) {
      cpSync(p.configHome, join(ws, '.clauderon', 'agent-home'), { recursive: true, verbatimSymlinks: true });
      entries.push('workspace/.clauderon');
    }
    for (const f of p.state) {
      writeFileSync(join(ws, f.file), `${JSON.stringify(f.content, null, 2)}\n`, { mode: 0o600 });
      entries.push(`workspace/${f.file}`);
    }
    for (const [name, text] of Object.entries(p.etcFiles)) {
      writeFileSync(join(etc, name), text, { mode: 0o644 });
      entries.push(`.clauderon/${name}`);
    }
    await hostGit(p.worktreePath, ['bundle', 'create', '-q', join(etc, 'in.bundle'), p.branch]);
    entries.push('.clauderon/in.bundle');
    const tar = spawn('tar', ['-c', '-f', '-', '-C', stage, ...entries], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
    const tarDone = new Promise<number>((r) => tar.on('close', (code) => r(code ?? 1)));
    const archive = new PassThrough();
    tar.stdout.pipe(archive);
    const r = await c.run(sprite, ['sh', '-c', unpackScript(p), 'clauderon-push'], { input: archive });
    const tarCode = await tarDone;
    if (tarCode !== 0) throw new ClauderonError('backend', `packing the session's files failed: ${tarErr.trim()}`);
    if (r.code !== 0) throw new ClauderonError('backend', `sprite ${sprite} could not take the session's files (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-600)}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function unpackScript(p: PushInput): string {
  const bundle = `${SPRITE.etc}/in.bundle`;
  const ident = [p.identity.name ? `git config user.name ${q(p.identity.name)}` : '', p.identity.email ? `git config user.email ${q(p.identity.email)}` : ''].filter(Boolean);
  return [
    'set -e',
    // clauderon's own files are always the new ones (a restart brings a new CA bundle, new settings)
    `rm -rf ${SPRITE.etc}`,
    `mkdir -p ${SPRITE.workspace} ${SPRITE.etc}`,
    `tar -x -f - -C ${SPRITE.home} --no-same-owner ${p.keepExisting ? '--skip-old-files' : '--overwrite'}`,
    `[ -f ${bundle} ] || { echo 'the archive did not arrive whole' >&2; exit 3; }`,
    `cd ${SPRITE.workspace}`,
    'if [ ! -d .git ]; then',
    '  git init -q',
    `  git fetch -q ${bundle} ${q(`+refs/heads/${p.branch}:refs/heads/${p.branch}`)}`,
    `  git symbolic-ref HEAD ${q(`refs/heads/${p.branch}`)}`,
    '  git reset -q --hard',
    ...ident.map((l) => `  ${l}`),
    'fi',
    `printf '%s\\n' ${p.excludes.map((e) => q(`/${e}`)).join(' ')} > .git/info/exclude`,
    `rm -f ${bundle}`,
  ].join('\n');
}

export interface FetchResult {
  commits: number;
  dirty: boolean;
}

/** The branch's new commits back into the host worktree (fast-forward; kept at refs/clauderon/<branch> when that fails). */
export async function fetchSession(c: SpritesClient, sprite: string, scratch: string, p: { worktreePath: string; branch: string }): Promise<FetchResult> {
  const hostTip = (await hostGit(p.worktreePath, ['rev-parse', `refs/heads/${p.branch}`])).trim();
  const look = await c.run(sprite, ['sh', '-c', `cd ${SPRITE.workspace} && git rev-parse ${q(`refs/heads/${p.branch}`)} && { git cat-file -e ${hostTip} 2>/dev/null && echo has || echo lacks; } && git status --porcelain | head -c 4096`]);
  if (look.code !== 0) throw new ClauderonError('backend', `cannot read the session's branch in sprite ${sprite}: ${(look.stderr || look.stdout).trim()}`);
  const [tip = '', has = '', ...status] = look.stdout.split('\n');
  const dirty = status.some((l) => l.trim() !== '');
  if (tip === hostTip) return { commits: 0, dirty };
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(scratch, 'fetch-'));
  const file = join(dir, 'out.bundle');
  try {
    const range = has === 'has' ? `${q(`refs/heads/${p.branch}`)} ^${hostTip}` : q(`refs/heads/${p.branch}`);
    const r = await c.run(sprite, ['sh', '-c', `cd ${SPRITE.workspace} && git bundle create -q - ${range}`], { sink: createWriteStream(file) });
    if (r.code !== 0) throw new ClauderonError('backend', `cannot bundle the agent's commits in sprite ${sprite}: ${r.stderr.trim()}`);
    return { commits: await landBundle(p, hostTip, file), dirty };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
