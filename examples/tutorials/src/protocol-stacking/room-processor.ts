import { ignoreElements, takeWhile, tap } from 'rxjs';
import type { Rooms, ServerMessage, ServerProcessor } from '@rxmsg/node';
import type { LoggedIn } from './chat-router';
import type { RoomProtocol } from './room-protocol';

/**
 * The chat room behind the login: every `Say` goes to every member under the sender's user name.
 * `Leave`, or the end of the input, leaves the room and hands the connection back to the router.
 *
 * @param rooms - the registry the server is given as its `rooms` option.
 * @returns a server processor for {@link RoomProtocol}, for logged-in connections only.
 */
export function roomProcessor(rooms: Rooms<ServerMessage<typeof RoomProtocol>>): ServerProcessor<typeof RoomProtocol, LoggedIn> {
  const room = rooms.topic('room');
  return (incoming$, peer) =>
    incoming$.pipe(
      takeWhile((message) => message.kind === 'Say'),
      tap((say) => {
        peer.state.said++;
        room.send({ kind: 'Said', from: peer.state.user, text: say.text });
      }),
      ignoreElements(),
      room.during(peer),
    );
}
