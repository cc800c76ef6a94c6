// Sprites figures (`npm run bench -- --only sprites`, called from bench/run.ts), against the API
// double of fixtures/sprites (the real API is a remote service), which holds an exec stream open
// ~5 s after its EXIT frame as the real server does (the SDK's websocket.js says so):
//
//  1. one short command through the backend's exec client (`SpritesClient.run`, the call behind
//     every liveness check, transfer and start) beside `docker exec` of the same container — what
//     the double's exec costs itself — measured in the same run;
//  2. the same command by a client that waits for the server to close the stream after EXIT (what
//     the client did before it closed the stream itself): the time each exec would have paid.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { TuiBenchContext } from './tui.js';

export type SpritesBenchContext = Pick<TuiBenchContext, 'log' | 'row' | 'describe' | 'p50' | 'aborting'>;

const N = 20;
const WAITING = 3;

function time<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  return fn().then(() => performance.now() - t0);
}

export async function benchSprites(ctx: SpritesBenchContext): Promise<void> {
  const { log, describe, row, p50 } = ctx;
  log(`\n## sprites (the API double of fixtures/sprites, sprites on the real Docker engine): ${N} short execs through the backend's client vs docker exec of the same container; ${WAITING} by a client that waits for the server's close`);
  const { dockerAvailable, dockerBinary, ensureTestImages } = await import('../fixtures/docker/test-image.js');
  if (!dockerAvailable()) {
    log('  skipped: no Docker engine answers `docker info`');
    return;
  }
  const images = await ensureTestImages({ log: (m) => log(`  ${m}`) });
  const { startSpritesDouble } = await import('../fixtures/sprites/server.js');
  const { SpritesClient } = await import('../src/backends/sprites/client.js');
  const token = `bench-${randomBytes(8).toString('hex')}`;
  const sd = await startSpritesDouble({ token, image: images.full, label: `sprites-bench-${randomBytes(3).toString('hex')}` });
  const client = new SpritesClient(sd.url, token);
  const name = `bench-${randomBytes(3).toString('hex')}`;
  try {
    await client.create(name);
    await client.run(name, ['true']); // warm: the container starts on the first exec
    const container = sd.sprites.get(name)?.container ?? '';
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < N && !ctx.aborting(); i++) {
      ours.push(await time(() => client.run(name, ['true'])));
      bare.push(
        await time(
          () => new Promise<void>((resolve, reject) => execFile(dockerBinary(), ['exec', '-u', '1000:1000', container, 'true'], (e) => (e ? reject(new Error(e.message)) : resolve()))),
        ),
      );
    }
    log(`  SpritesClient.run(true):    ${describe(ours)}`);
    log(`  docker exec (the baseline): ${describe(bare)}`);
    log(`  streams the client left to the server to close: ${sd.lingered()}`);
    const waiting: number[] = [];
    for (let i = 0; i < WAITING && !ctx.aborting(); i++) {
      waiting.push(
        await time(
          () =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(`${sd.url.replace(/^http/, 'ws')}/v1/sprites/${name}/exec?cmd=true&tty=false&stdin=false`, { headers: { authorization: `Bearer ${token}` } });
              ws.once('error', reject);
              ws.once('close', () => resolve());
            }),
        ),
      );
    }
    log(`  waiting for the server's close after EXIT: ${describe(waiting)}`);
    row('sprites: one exec round trip (p50) vs docker exec', p50(ours), p50(bare), Math.round(Math.max(p50(bare) * 2, p50(bare) + 50)));
    row("sprites: an exec that waits for the server's close (p50)", p50(waiting), p50(ours));
  } finally {
    await client.destroy(name).catch(() => undefined);
    await sd.close();
  }
}
