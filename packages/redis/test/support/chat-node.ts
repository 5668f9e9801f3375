import { EMPTY, from, merge, mergeMap, of, type Observable } from 'rxjs';
import { z } from 'zod';
import { PeerNotFoundError, RxmsgError, createRooms, createServer, defineProtocol, type ServerEvent, type ServerMessage } from '@rxmsg/node';
import { redisRoomAdapter, type RedisRoomAdapter, type RedisRoomAdapterOptions } from '@rxmsg/redis';

/** A chat protocol for the Redis tests: join rooms, say something in one, send to one peer by id. */
export const Chat = defineProtocol({
  name: 'redis-chat',
  tag: 'kind',
  codec: 'text',
  client: {
    Join: z.object({ room: z.string() }),
    Say: z.object({ room: z.string().optional(), text: z.string() }),
    Direct: z.object({ to: z.number(), text: z.string() }),
    Confirm: z.object({ to: z.number(), text: z.string() }),
  },
  server: {
    Welcome: z.object({ id: z.number(), node: z.number() }),
    Joined: z.object({ room: z.string() }),
    Line: z.object({ text: z.string() }),
    Sent: z.object({ result: z.string() }),
  },
});
export type ChatOut = ServerMessage<typeof Chat>;

/** A chat server on a loopback TCP port whose rooms span every node of `options.namespace`. */
export async function startChatNode(options: RedisRoomAdapterOptions) {
  const adapter: RedisRoomAdapter = redisRoomAdapter(options);
  const rooms = createRooms<ChatOut>({ adapter });
  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: Chat,
    rooms,
    processor: (in$, peer): Observable<ChatOut> => {
      const replies = in$.pipe(
        mergeMap((m): Observable<ChatOut> => {
          switch (m.kind) {
            case 'Join':
              rooms.join(peer, m.room);
              return of({ kind: 'Joined', room: m.room });
            case 'Say':
              if (m.room === undefined) rooms.except(peer).send({ kind: 'Line', text: m.text });
              else rooms.to(m.room).except(peer).send({ kind: 'Line', text: m.text });
              return EMPTY;
            case 'Direct':
              return of({ kind: 'Sent', result: rooms.sendTo(m.to, { kind: 'Line', text: m.text }) });
            case 'Confirm':
              return from(rooms.sendToConfirmed(m.to, { kind: 'Line', text: m.text }).then(
                (result): ChatOut => ({ kind: 'Sent', result }),
                (error: unknown): ChatOut => ({ kind: 'Sent', result: error instanceof PeerNotFoundError ? `${error.code} ${error.reason}` : error instanceof RxmsgError ? error.code : String(error) }),
              ));
          }
        }),
      );
      return merge(of<ChatOut>({ kind: 'Welcome', id: peer.id, node: rooms.node }), replies);
    },
  });
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  return { server, rooms, adapter, events, address: server.addresses()[0]! };
}
