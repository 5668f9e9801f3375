import { ignoreElements, tap } from 'rxjs';
import { z } from 'zod';
import { createRooms, createServer, defineProtocol, type ServerMessage } from '@rxmsg/node';

/** The protocol of the README's rooms sample. */
export const LobbyChat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: { Say: z.object({ text: z.string().max(500) }) },
  server: { Said: z.object({ from: z.number(), text: z.string() }), Notice: z.object({ text: z.string() }) },
});
type Said = Extract<ServerMessage<typeof LobbyChat>, { kind: 'Said' }>;

/** The README's rooms sample: a typed topic, joined while the processor runs, sent to except the sender. */
// #region rooms
export function startLobby(listen: string) {
  const rooms = createRooms<ServerMessage<typeof LobbyChat>>(); // created first: processors close over it
  const lobby = rooms.topic<Said>('lobby'); // a room typed by what may be sent to it
  return createServer({
    listen,
    protocol: LobbyChat,
    rooms,
    processor: (in$, peer) =>
      in$.pipe(
        tap(({ text }) => lobby.except(peer).send({ kind: 'Said', from: peer.id, text })),
        ignoreElements(),
        lobby.during(peer), // a member while this runs; gone anyway when the connection closes
      ),
  });
}
// Outside processors: server.to('lobby').send(m), server.broadcast(m), server.sendTo(peerId, m).
// #endregion
