import { createCompositeServer, createRooms, serverStage, type ServerMessage } from '@rxmsg/node';
import { chatRouter, initialChatState, loggedIn } from './chat-router';
import { GoodbyeProtocol } from './goodbye-protocol';
import { goodbyeProcessor } from './goodbye-processor';
import { LoginProtocol } from './login-protocol';
import { loginProcessor } from './login-processor';
import { RoomProtocol } from './room-protocol';
import { roomProcessor } from './room-processor';

/**
 * Start the stacked chat server: each connection logs in (text), chats (binary), and is
 * seen off (text), all on one socket.
 * @param listen - e.g. `tcp://127.0.0.1:0`.
 * @param users - who may log in: user name → password.
 */
export function startStackedServer(listen: string, users: ReadonlyMap<string, string>) {
  const rooms = createRooms<ServerMessage<typeof RoomProtocol>>();
  return createCompositeServer({
    listen,
    stages: {
      login: serverStage(LoginProtocol, loginProcessor(users)),
      // Only connections that logged in enter the chat: the room sees `user` as a string.
      chat: serverStage(RoomProtocol, roomProcessor(rooms), { requires: loggedIn }),
      goodbye: serverStage(GoodbyeProtocol, goodbyeProcessor),
    },
    initialState: initialChatState,
    router: chatRouter,
    rooms,
    config: { maxFrameBytes: 4096 } as const,
  });
}
