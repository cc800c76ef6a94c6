// The relay of each running pod (src/backends/relay/keeper.ts): its channel is an exec stream running
// `node relay.mjs` in the pod's `clauderon` container.
import { RelayKeeper } from '../relay/keeper.js';
import type { SessionTargets } from '../spec.js';
import type { Apis, Ref } from './client.js';
import { execStream } from './exec.js';
import { formatId, POD } from './objects.js';
import { KEEPER } from './transfer.js';

export function podRelays(apis: Apis, targets: SessionTargets | undefined): RelayKeeper<Ref> {
  return new RelayKeeper<Ref>({
    targets,
    keyOf: formatId,
    script: POD.relay,
    describe: (ref) => `pod ${ref.pod}`,
    hint: 'does the image have node?',
    open: async (ref, args) => {
      const { kc } = await apis.get(ref.context);
      return execStream(kc, { ...ref, container: KEEPER }, ['node', ...args], { stdin: true });
    },
  });
}
