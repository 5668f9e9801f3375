import { createRooms, createServer } from '@rxmsg/node';
import { ChatProtocol, type ChatServerMessage } from './chat-protocol';
import { chatRoom } from './chat-room';
import { echoProcessor } from './echo-processor';

/**
 * Config of both servers, validated once when a server starts. `as const` keeps the literal
 * `'reply'`, which type-checks only because {@link ChatProtocol} defines `errorReplies.server`.
 */
export const SERVER_CONFIG = {
  maxFrameBytes: 4096,
  onDecodeError: 'reply',
} as const;

/**
 * Start a server that echoes every `Say` back to its sender.
 * @param listen - e.g. `tcp://127.0.0.1:0` (port 0: any free port; see `server.addresses()`).
 */
export function startEchoServer(listen: string) {
  return createServer({ listen, protocol: ChatProtocol, processor: echoProcessor, config: SERVER_CONFIG });
}

/**
 * Start a server where every connection joins one chat room.
 * @param listen - e.g. `tcp://127.0.0.1:4000`.
 */
export function startChatServer(listen: string) {
  const rooms = createRooms<ChatServerMessage>();
  return createServer({ listen, protocol: ChatProtocol, processor: chatRoom(rooms), rooms, config: SERVER_CONFIG });
}
