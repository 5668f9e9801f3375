import { z } from 'zod';
import { defineProtocol, type ServerMessage } from '@rxmsg/node';

/** A room name: also a bound on what a peer can make the server keep (see `maxRoomsPerPeer`). */
const RoomName = z.string().min(1).max(32);

/**
 * A chat with rooms. Three of its messages are requests, each answered by a message of the other
 * side: the library numbers them, matches the answers and fails them on time.
 */
export const RoomsProtocol = defineProtocol({
  name: 'rooms-chat',
  tag: 'kind',
  codec: 'text',
  client: {
    Join: z.object({ room: RoomName }),
    Say: z.object({ room: RoomName, text: z.string().min(1).max(500) }),
    History: z.object({ room: RoomName }),
    Pong: z.object({}),
  },
  server: {
    Joined: z.object({ room: RoomName, members: z.array(z.number()) }),
    Said: z.object({ room: RoomName, from: z.number(), text: z.string() }),
    Line: z.object({ from: z.number(), text: z.string() }),
    Ping: z.object({}),
  },
  requests: {
    // The client asks, the server answers: Join with one Joined, History with any number of Line.
    client: { Join: 'Joined', History: { stream: 'Line' } },
    // The server asks, the client answers.
    server: { Ping: 'Pong' },
  },
  // Said goes through its own outbound queue, the 'chatter' lane of the server's config.
  lanes: { Said: 'chatter' },
});

/** What the server sends: `Joined`, `Said`, `Line` or `Ping`. */
export type RoomsServerMessage = ServerMessage<typeof RoomsProtocol>;

/** The `Said` message, the only one sent to rooms. */
export type Said = Extract<RoomsServerMessage, { kind: 'Said' }>;
