// The relay of each running sprite (src/backends/relay/keeper.ts): its channel is a Sprites exec
// running `node relay.mjs` there, opened with max_run_after_disconnect=1s (the non-TTY default is
// 10 s), so a relay whose stream broke frees its fixed ports before the next one starts.
import { RelayKeeper } from '../relay/keeper.js';
import type { SessionTargets } from '../spec.js';
import type { SpritesClient } from './client.js';
import { SPRITE } from './transfer.js';

export function spriteRelays(client: () => SpritesClient, targets: SessionTargets | undefined): RelayKeeper<string> {
  return new RelayKeeper<string>({
    targets,
    keyOf: (sprite) => sprite,
    script: SPRITE.relay,
    describe: (sprite) => `sprite ${sprite}`,
    hint: 'does the sprite have node?',
    open: (sprite, args) => client().exec(sprite, ['node', ...args], { stdin: true, maxRunAfterDisconnect: '1s' }),
  });
}
