import { concat, ignoreElements, of, tap } from 'rxjs';
import type { Rooms, ServerProcessor } from '@rxmsg/node';
import type { ChatProtocol, ChatServerMessage } from './chat-protocol';

/**
 * A chat room. The processor runs once per connection, and every run shares one room of the
 * server's rooms registry: each connection is welcomed with its id, then every `Say` it sends is
 * told to every member, the sender included. A connection leaves the room when its input ends or
 * it closes.
 *
 * @param rooms - the registry the server is given as its `rooms` option.
 * @returns a server processor for {@link ChatProtocol}.
 */
export function chatRoom(rooms: Rooms<ChatServerMessage>): ServerProcessor<typeof ChatProtocol> {
  const room = rooms.topic('chat');
  return (incoming$, peer) =>
    concat(
      of({ kind: 'Welcome', id: peer.id } as const),
      incoming$.pipe(
        tap((say) => room.send({ kind: 'Said', from: peer.id, text: say.text })),
        ignoreElements(),
      ),
    ).pipe(room.during(peer));
}
