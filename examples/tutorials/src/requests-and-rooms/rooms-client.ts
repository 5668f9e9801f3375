import { filter, from, ignoreElements, merge, mergeMap } from 'rxjs';
import { createClient, rpc, type ClientProcessor, type RequestOptions } from '@rxmsg/node';
import { RoomsProtocol } from './rooms-protocol';

const chat = rpc(RoomsProtocol);

/** The client's bounds and reconnect policy. */
export const ROOMS_CLIENT_CONFIG = {
  // Requests this client may have outstanding at once; one more fails at once with a RequestLimitError.
  maxRequestsInFlight: 8,
  reconnect: { initialMs: 50, maxMs: 1_000, factor: 2, jitter: 0.5, maxAttempts: 20, stableAfterMs: 1_000 },
} as const;

/**
 * Connect a chat client that reconnects, and rejoins its rooms on every new connection.
 * @param address - the chat server, e.g. `tcp://127.0.0.1:4000`.
 */
export function connectRoomsClient(address: string) {
  const joined = new Set<string>();

  // Runs once per connection: answers the server's Pings, and rejoins the rooms of the previous connection.
  const processor: ClientProcessor<typeof RoomsProtocol> = (incoming$, peer) =>
    merge(
      incoming$.pipe(chat.respond(peer, { Ping: () => ({ kind: 'Pong' }) })),
      from([...joined]).pipe(
        mergeMap((room) => chat.request(peer, { kind: 'Join', room })),
        ignoreElements(),
      ),
    );

  const client = createClient({
    connect: address,
    protocol: RoomsProtocol,
    processor,
    config: ROOMS_CLIENT_CONFIG,
  });

  return {
    client,
    /** Join `room`; resolves with its members' ids. Safe to send twice, so it is resent after a reconnect. */
    async join(room: string): Promise<number[]> {
      const { members } = await chat.request(client, { kind: 'Join', room }, { timeoutMs: 2_000, idempotent: true });
      joined.add(room);
      return members;
    },
    /** Say `text` in `room` (a room this client joined). Not a request: nothing answers it. */
    say(room: string, text: string): boolean {
      return client.send({ kind: 'Say', room, text });
    },
    /** The last lines said in `room`, as a cold stream: subscribing asks, unsubscribing cancels. */
    history$(room: string, options: RequestOptions = {}) {
      return chat.request$(client, { kind: 'History', room }, options);
    },
    /** What the other members say, in every room this client joined. */
    said$: client.messages$.pipe(filter((m) => m.kind === 'Said')),
  };
}

/** A client made by {@link connectRoomsClient}. */
export type RoomsClient = ReturnType<typeof connectRoomsClient>;
