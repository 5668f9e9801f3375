import { defer, finalize, ignoreElements, takeWhile, tap } from 'rxjs';
import type { ClientMessage, Peer, ServerMessage, ServerProcessor } from '@rxmsg/node';
import type { ChatState } from './chat-router';
import { RoomProtocol } from './room-protocol';

type RoomPeer = Peer<ClientMessage<typeof RoomProtocol>, ServerMessage<typeof RoomProtocol>, ChatState>;

/**
 * The chat room behind the login: every `Say` goes to every member under the sender's user name.
 * `Leave`, or the end of the input, leaves the room and hands the connection back to the router.
 *
 * @returns a server processor for {@link RoomProtocol}; each call makes a new, empty room.
 */
export function roomProcessor(): ServerProcessor<typeof RoomProtocol, ChatState> {
  const members = new Set<RoomPeer>();
  return (incoming$, peer) =>
    defer(() => {
      const from = peer.state.user ?? 'anonymous'; // the router lets only logged-in users in
      members.add(peer);
      return incoming$.pipe(
        takeWhile((message) => message.kind === 'Say'),
        tap((say) => {
          peer.state.said++;
          for (const member of members) member.send({ kind: 'Said', from, text: say.text });
        }),
        ignoreElements(),
        finalize(() => members.delete(peer)),
      );
    });
}
