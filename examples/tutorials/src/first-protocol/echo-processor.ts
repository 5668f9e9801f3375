import { map } from 'rxjs';
import type { ServerProcessor } from '@rxmsg/node';
import { ChatProtocol } from './chat-protocol';

/** Answers each `Say` with a `Said` of the same text, from the sender itself: an echo. */
export const echoProcessor: ServerProcessor<typeof ChatProtocol> = (incoming$, peer) =>
  incoming$.pipe(map((say) => ({ kind: 'Said', from: peer.id, text: say.text }) as const));
