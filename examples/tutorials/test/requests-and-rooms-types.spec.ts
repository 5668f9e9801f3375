import { rpc, type Rooms, type ServerProcessor } from '@rxmsg/node';
import { RoomsProtocol, type RoomsServerMessage, type Said } from '@rxmsg-examples/tutorials';

const chat = rpc(RoomsProtocol);
declare const rooms: Rooms<RoomsServerMessage>;

// What tutorial 4 says does not compile. Compiled by `tsc -b`, never run.
export const checks: ServerProcessor<typeof RoomsProtocol> = (incoming$, peer) => {
  // A request the server does not send.
  // @ts-expect-error Join is a client request
  void chat.request(peer, { kind: 'Join', room: 'lobby' });
  // A topic typed by Said takes nothing else.
  // @ts-expect-error a Joined is not a Said
  rooms.topic<Said>('lobby').send({ kind: 'Joined', room: 'lobby', members: [] });
  return incoming$.pipe(
    chat.respond(peer, {
      // @ts-expect-error a Join is answered by a Joined, not a Line
      Join: () => ({ kind: 'Line', from: 1, text: 'no' }) as const,
    }),
  );
};
