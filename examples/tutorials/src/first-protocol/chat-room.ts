import { concat, defer, finalize, ignoreElements, of, tap } from 'rxjs';
import type { Peer, ServerProcessor } from '@rxmsg/node';
import { ChatProtocol, type ChatClientMessage, type ChatServerMessage } from './chat-protocol';

/**
 * A chat room. The processor runs once per connection, and every run shares one set of members:
 * each connection is welcomed with its id, then every `Say` it sends is told to every member,
 * the sender included. A connection leaves the room when its input ends or it closes.
 *
 * @returns a server processor for {@link ChatProtocol}; each call makes a new, empty room.
 */
export function chatRoom(): ServerProcessor<typeof ChatProtocol> {
  const members = new Set<Peer<ChatClientMessage, ChatServerMessage, unknown>>();
  return (incoming$, peer) =>
    defer(() => {
      members.add(peer);
      const tellEveryone$ = incoming$.pipe(
        tap((say) => {
          for (const member of members) member.send({ kind: 'Said', from: peer.id, text: say.text });
        }),
        ignoreElements(),
        finalize(() => members.delete(peer)),
      );
      return concat(of({ kind: 'Welcome', id: peer.id } as const), tellEveryone$);
    });
}
