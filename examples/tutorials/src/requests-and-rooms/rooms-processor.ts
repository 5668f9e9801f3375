import { endWith, filter, ignoreElements, merge, takeUntil, tap } from 'rxjs';
import { RemoteError, RoomLimitError, rpc, type Rooms, type ServerProcessor } from '@rxmsg/node';
import { pingLoop, type PingOptions } from './ping-loop';
import type { RoomHistory } from './room-history';
import { RoomsProtocol, type RoomsServerMessage, type Said } from './rooms-protocol';

const chat = rpc(RoomsProtocol);

/**
 * The server's processor: answers `Join` and `History`, sends each `Say` to its room, and pings
 * the client. `rooms` and `history` are shared by every connection.
 */
export function roomsProcessor(rooms: Rooms<RoomsServerMessage>, history: RoomHistory, ping: PingOptions): ServerProcessor<typeof RoomsProtocol> {
  return (incoming$, peer) =>
    merge(
      incoming$.pipe(
        chat.respond(
          peer,
          {
            Join: ({ room }) => {
              try {
                rooms.join(peer, room);
              } catch (error) {
                // Past maxRoomsPerPeer: answer the client with a code it can match on.
                if (error instanceof RoomLimitError) throw new RemoteError('ROOM_LIMIT', `at most ${rooms.maxRoomsPerPeer} rooms`);
                throw error;
              }
              return { kind: 'Joined', room, members: rooms.membersOf(room) };
            },
            // A request-stream: each Line is one reply; the end of the array ends the stream.
            History: ({ room }) => history.lines(room).map((line) => ({ kind: 'Line', ...line }) as const),
          },
          {
            // Say is not a request: it comes here, and is told to the room.
            others: (others$) =>
              others$.pipe(
                filter((m) => m.kind === 'Say'),
                filter((say) => rooms.isIn(peer, say.room)),
                tap(({ room, text }) => {
                  history.add(room, { from: peer.id, text });
                  rooms.topic<Said>(room).except(peer).send({ kind: 'Said', room, from: peer.id, text });
                }),
                ignoreElements(),
              ),
          },
        ),
      ),
      // Pinging stops when the client ends its side: then the processor completes and the connection closes.
      pingLoop(peer, ping).pipe(takeUntil(incoming$.pipe(ignoreElements(), endWith(true)))),
    );
}
