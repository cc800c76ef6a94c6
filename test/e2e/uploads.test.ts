// Image attachments end to end, against the built binary's daemon: an image uploaded over HTTP
// (with the headers the web page's fetch carries: same Origin, Sec-Fetch-Site same-origin, the
// image's Content-Type) and through the CLI (`clauderon upload`, `create --attach`) lands in
// uploads/<session id>/ and is read by the agent — a stand-in that runs sha256sum on the last word
// of each line typed into it — in a real tmux session and in a real Docker container (at the
// mounted /workspace/.clauderon/uploads/<id>/). A non-image, a mismatched type, an oversized body,
// a wrong Content-Type and another origin are refused with a clear message and write nothing.
// The socket takes base64 too; over HTTP a host path can never be named. Docker: skipped without
// an engine, required in CI. Loopback only.
import { request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerBinary, ensureTestImages, shouldRequireDocker } from '../../fixtures/docker/test-image.js';
import type { UploadResult } from '../../src/shared/images.js';
import type { Session } from '../../src/shared/types.js';
import { DaemonClient } from '../../src/client/client.js';
import { getPaths } from '../../src/config/paths.js';
import { makeEnv, waitFor, type Env } from '../helpers/e2e.js';
import { spawnSync } from 'node:child_process';

/** The stand-in agent: for each line typed into it, the SHA-256 of the file its last word names. */
const AGENT = ['bash', '-c', 'echo AGENT-READY; while IFS= read -r line; do p="${line##* }"; h=$(sha256sum "$p" 2>/dev/null | cut -d" " -f1); echo "SHA[${h:-unreadable}]"; done', 'agent'];

const png = (size: number): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function configFor(e: Env, extra = ''): void {
  writeFileSync(join(e.home, 'config.toml'), `${e.portConfig}${extra}\n[agents.claude]\ncommand = ${JSON.stringify(AGENT)}\n`);
}

interface Answer {
  status: number;
  body: (UploadResult & { error?: { code: string; message: string } }) | null;
}

/** POST the bytes as the page does (its origin, same-origin fetch metadata), or with other headers. */
function post(e: Env, name: string, body: Buffer, headers: Record<string, string>, filename = 'shot.png', extraQuery = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: e.httpPort,
        method: 'POST',
        path: `/api/sessions/${encodeURIComponent(name)}/uploads?filename=${encodeURIComponent(filename)}${extraQuery}`,
        headers: { origin: `http://127.0.0.1:${e.httpPort}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer['body']) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** The agent's screen once it shows `want`. */
function screenWith(e: Env, name: string, want: string, what: string): Promise<string> {
  return waitFor(() => {
    const out = e.run(['output', name, '--lines', '200']).stdout;
    return out.includes(want) ? out : '';
  }, what, 30_000);
}

describe('image attachments (tmux)', () => {
  let env: Env;
  let s: Session;
  let dir: string;
  const image = png(3 * 1024 * 1024); // over the JSON body limit (1 MiB): the route has its own

  beforeAll(() => {
    env = makeEnv();
    configFor(env);
    s = env.json<Session>(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'up']);
    dir = join(env.home, 'uploads', s.id);
  }, 60_000);
  afterAll(() => env?.cleanup());

  it('takes an image from the page over HTTP into uploads/<id>/, 0600, and the agent reads it', async () => {
    await screenWith(env, 'up', 'AGENT-READY', 'the agent to start');
    const r = await post(env, 'up', image, { 'content-type': 'image/png' }, 'Screen Shot 1.png');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ file: 'Screen_Shot_1.png', path: join(dir, 'Screen_Shot_1.png'), type: 'image/png', size: image.length, sha256: sha(image), sent: false });
    expect(readFileSync(join(dir, 'Screen_Shot_1.png')).equals(image)).toBe(true);
    expect(statSync(join(dir, 'Screen_Shot_1.png')).mode & 0o777).toBe(0o600);
    // the CLI: upload by path and type "<message> <path>" into the agent
    const file = join(env.root, 'bug.png');
    const other = png(5000);
    writeFileSync(file, other);
    const cli = env.run(['upload', 'up', file, '--message', 'look at this']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`→ ${join(dir, 'bug.png')} (typed into the agent)`);
    const screen = await screenWith(env, 'up', `SHA[${sha(other)}]`, 'the agent to hash the image it was sent');
    expect(screen).toContain(`look at this ${join(dir, 'bug.png')}`);
    // …and the one the page uploaded, sent by its path
    const sent = env.run(['upload', 'up', file, '--send', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect((JSON.parse(sent.stdout) as UploadResult[])[0]).toMatchObject({ file: 'bug-1.png', sent: true, sendError: null });
    await screenWith(env, 'up', `${join(dir, 'bug-1.png')}`, 'the second path typed');
  }, 90_000);

  it('takes base64 over the socket; over HTTP a host path can never be named', async () => {
    const client = await DaemonClient.connect({ paths: getPaths(env.home), autoSpawn: false });
    try {
      const gif = Buffer.from(`GIF89a${'x'.repeat(100)}`);
      const r = await client.call('sessions.upload', { name: s.id, filename: 'anim.gif', type: 'image/gif', data: gif.toString('base64') });
      expect(r).toMatchObject({ file: 'anim.gif', path: join(dir, 'anim.gif'), sha256: sha(gif) });
      await expect(client.call('sessions.upload', { name: 'up', data: Buffer.from('plain text').toString('base64') })).rejects.toThrow(/only PNG, JPEG, GIF or WebP/);
    } finally {
      client.close();
    }
    // (`path` is a socket param only: a query naming one is not a param, the body is what is stored)
    const hostImage = join(env.root, 'host-only.png');
    writeFileSync(hostImage, png(100));
    const body = png(200);
    const r = await post(env, 'up', body, { 'content-type': 'image/png' }, 'x.png', `&path=${encodeURIComponent(hostImage)}&data=AAAA`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(readFileSync(join(dir, r.body?.file ?? '')).equals(body)).toBe(true);
  }, 30_000);

  it('refuses a non-image, a mismatched type, an oversized body, a wrong Content-Type and another origin — writing nothing', async () => {
    const before = listing(dir);
    const text = Buffer.from('#!/bin/sh\necho not an image\n');
    const refused: [Buffer, Record<string, string>, number, RegExp][] = [
      [text, { 'content-type': 'image/png' }, 400, /not an image clauderon accepts.*image\/png, image\/jpeg, image\/gif, image\/webp/],
      [image.subarray(0, 5000), { 'content-type': 'image/jpeg' }, 400, /sent as image\/jpeg but its bytes are image\/png/],
      [png(10 * 1024 * 1024 + 1), { 'content-type': 'image/png' }, 413, /over the limit of 10485760 bytes/],
      [text, { 'content-type': 'text/plain' }, 415, /Content-Type image\/png, image\/jpeg, image\/gif, image\/webp.*nothing was written/],
      [image.subarray(0, 5000), { 'content-type': 'image/svg+xml' }, 415, /image\/png/],
      [image.subarray(0, 5000), { 'content-type': 'image/png', origin: 'http://evil.example' }, 403, /Origin/],
      [image.subarray(0, 5000), { 'content-type': 'image/png', 'sec-fetch-site': 'cross-site' }, 403, /Sec-Fetch-Site/],
      [Buffer.alloc(0), { 'content-type': 'image/png' }, 400, /empty/],
    ];
    for (const [body, headers, status, why] of refused) {
      const r = await post(env, 'up', body, headers);
      expect(r.status, `${JSON.stringify(headers)}: ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body?.error?.message).toMatch(why);
    }
    // the CLI checks first, naming what is accepted
    const notes = join(env.root, 'notes.txt');
    writeFileSync(notes, 'hello');
    const cli = env.run(['upload', 'up', notes]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/notes\.txt: .*only PNG, JPEG, GIF or WebP images/);
    const big = join(env.root, 'big.png');
    writeFileSync(big, png(10 * 1024 * 1024 + 1));
    expect(env.run(['upload', 'up', big]).stderr).toMatch(/over the limit of 10485760 bytes/);
    // and a create with a wrong attachment creates nothing
    const bad = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'p', '--name', 'nope', '--attach', notes]);
    expect(bad.code).toBe(1);
    expect(env.run(['show', 'nope']).code).not.toBe(0);
    expect(listing(dir)).toEqual(before);
  }, 60_000);

  it('create --attach gives the new session’s agent the image’s path', async () => {
    const file = join(env.root, 'layout.jpg');
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
    writeFileSync(file, jpeg);
    const r = env.run(['create', '--backend', 'tmux', '--repo', env.repo, '--prompt', 'fix the layout', '--name', 'up2', '--attach', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout) as Session & { uploads: UploadResult[] };
    expect(created.uploads).toHaveLength(1);
    expect(created.uploads[0]).toMatchObject({ file: 'layout.jpg', path: join(env.home, 'uploads', created.id, 'layout.jpg'), sent: true });
    await screenWith(env, 'up2', `SHA[${sha(jpeg)}]`, 'the new agent to hash the attached image');
    // delete removes the session's uploads
    expect(env.run(['delete', 'up2', '--force']).code).toBe(0);
    expect(existsSync(join(env.home, 'uploads', created.id))).toBe(false);
  }, 90_000);
});

const dockerRun = dockerAvailable() || shouldRequireDocker();

describe.skipIf(!dockerRun)('image attachments (docker, real engine)', () => {
  let env: Env;
  const D = dockerBinary();

  afterAll(() => {
    if (env) for (const id of spawnSync(D, ['ps', '-aq', '--filter', `label=clauderon.home=${env.home}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync(D, ['rm', '-f', id]);
    env?.cleanup();
  });

  it('the agent in the container reads the image at /workspace/.clauderon/uploads/<id>/', async () => {
    const images = await ensureTestImages();
    env = makeEnv();
    configFor(env, `[docker]\nimage = "${images.full}"\nnetwork = "host"\n`);
    const s = env.json<Session>(['create', '--backend', 'docker', '--repo', env.repo, '--prompt', 'p', '--name', 'box']);
    await screenWith(env, 'box', 'AGENT-READY', 'the agent to start in its container');
    const image = png(2 * 1024 * 1024);
    const r = await post(env, 'box', image, { 'content-type': 'image/png' }, 'bug.png');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const inside = `/workspace/.clauderon/uploads/${s.id}/bug.png`;
    expect(r.body).toMatchObject({ path: inside, hostPath: join(env.home, 'uploads', s.id, 'bug.png') });
    // the CLI sends the container path into the agent, which hashes the file it finds there
    const file = join(env.root, 'second.webp');
    const webp = Buffer.concat([Buffer.from('RIFF'), randomBytes(4), Buffer.from('WEBP'), randomBytes(3000)]);
    writeFileSync(file, webp);
    const cli = env.run(['upload', 'box', file, '--message', 'see']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`→ /workspace/.clauderon/uploads/${s.id}/second.webp (typed into the agent)`);
    await screenWith(env, 'box', `SHA[${sha(webp)}]`, 'the container agent to hash the image');
    // the one from the page, too
    const again = spawnSync(D, ['exec', 'clauderon-box', 'sha256sum', inside], { encoding: 'utf8' });
    expect(again.stdout.split(' ')[0]).toBe(sha(image));
  }, 900_000);
});
