import { concat, ignoreElements, of, take } from 'rxjs';
import type { ServerProcessor } from '@rxmsg/node';
import type { ChatState } from './chat-router';
import { GoodbyeProtocol } from './goodbye-protocol';

/** Sums the session up from the connection's state, then waits for the client's `Bye` (or the end of its input). */
export const goodbyeProcessor: ServerProcessor<typeof GoodbyeProtocol, ChatState> = (incoming$, peer) =>
  concat(
    of({ kind: 'Farewell', id: peer.id, said: peer.state.said } as const),
    incoming$.pipe(take(1), ignoreElements()),
  );
