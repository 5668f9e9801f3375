import { createRooms, createServer } from '@rxmsg/node';
import type { PingOptions } from './ping-loop';
import { RoomHistory } from './room-history';
import { roomsProcessor } from './rooms-processor';
import { RoomsProtocol, type RoomsServerMessage } from './rooms-protocol';

/** Bounds of the server, each a limit on what one peer can make it hold. */
export const ROOMS_SERVER_CONFIG = {
  maxFrameBytes: 4096,
  // Requests the server itself may have outstanding per connection (here: at most one Ping).
  maxRequestsInFlight: 4,
  // Said goes to this lane (see the protocol): a reader that falls behind loses the oldest Said
  // first, never a Joined, a Line or a Ping, which stay in the lossless default lane.
  lanes: { chatter: { limit: 256, policy: 'drop-oldest', priority: 1 } },
} as const;

/** Options of {@link startRoomsServer}. */
export interface RoomsServerOptions {
  readonly ping?: PingOptions;
  readonly maxRoomsPerPeer?: number;
}

/**
 * Start the chat server. The rooms registry is created first, because the processor closes over it.
 * @param listen - e.g. `tcp://127.0.0.1:4000`.
 */
export function startRoomsServer(listen: string, options: RoomsServerOptions = {}) {
  const rooms = createRooms<RoomsServerMessage>({ maxRoomsPerPeer: options.maxRoomsPerPeer ?? 8 });
  const ping = options.ping ?? { everyMs: 10_000, timeoutMs: 5_000 };
  return createServer({
    listen,
    protocol: RoomsProtocol,
    processor: roomsProcessor(rooms, new RoomHistory(), ping),
    rooms,
    config: ROOMS_SERVER_CONFIG,
  });
}
