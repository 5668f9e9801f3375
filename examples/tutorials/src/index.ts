/**
 * The code of the rxmsg tutorials in `docs/tutorials`. The tests run it, and check that every
 * code block of the tutorials is a copy of one of these files.
 * @packageDocumentation
 */

// Tutorial 1: your first protocol and processor.
export { ChatProtocol } from './first-protocol/chat-protocol';
export type { ChatClientMessage, ChatServerMessage } from './first-protocol/chat-protocol';
export { echoProcessor } from './first-protocol/echo-processor';
export { chatRoom } from './first-protocol/chat-room';
export { SERVER_CONFIG, startChatServer, startEchoServer } from './first-protocol/start-server';
export { echo, sayEach } from './first-protocol/echo-client';
export { connectChatClient, welcomeOf } from './first-protocol/chat-client';
export type { ChatClient } from './first-protocol/chat-client';
export { chatDemo } from './first-protocol/chat-demo';
export type { ChatDemoResult } from './first-protocol/chat-demo';

// Tutorial 2: protocol stacking.
export { LoginProtocol } from './protocol-stacking/login-protocol';
export { RoomProtocol } from './protocol-stacking/room-protocol';
export { GoodbyeProtocol } from './protocol-stacking/goodbye-protocol';
export { chatRouter, initialChatState } from './protocol-stacking/chat-router';
export type { ChatState } from './protocol-stacking/chat-router';
export { loginProcessor } from './protocol-stacking/login-processor';
export { roomProcessor } from './protocol-stacking/room-processor';
export { goodbyeProcessor } from './protocol-stacking/goodbye-processor';
export { startStackedServer } from './protocol-stacking/stacked-server';
export { chatStage, clientRouter, goodbyeStage, loginStage } from './protocol-stacking/client-stages';
export type { ChatScript, ClientChatState } from './protocol-stacking/client-stages';
export { connectStackedClient } from './protocol-stacking/stacked-client';

// Tutorial 3: sending a large result.
export { TableProtocol } from './large-result/table-protocol';
export { readTable } from './large-result/table';
export type { TableRow } from './large-result/table';
export { cursorProcessor } from './large-result/cursor-processor';
export { pacedProcessor } from './large-result/paced-processor';
export { streamsProcessor } from './large-result/streams-processor';
export { startTableServer } from './large-result/start-table-server';
export { fetchRows } from './large-result/fetch-rows';
export type { FetchResult } from './large-result/fetch-rows';
export { fetchStreams } from './large-result/fetch-streams';
export type { StreamQuery } from './large-result/fetch-streams';

// Typed stacks (docs/typed-stacks.md): a routed composite client, a state guard, validateOutbound.
export { AuthProtocol, KvProtocol } from './typed-stacks/kv-protocols';
export { authProcessor, kvProcessor, loggedIn, startKvServer } from './typed-stacks/kv-server';
export type { KvState, LoggedIn } from './typed-stacks/kv-server';
export { connectKvClient } from './typed-stacks/kv-client';
export type { KvClientState } from './typed-stacks/kv-client';
export { kvDemo } from './typed-stacks/kv-demo';

// Tutorial 4: a chat with rooms and typed requests.
export { RoomsProtocol } from './requests-and-rooms/rooms-protocol';
export type { RoomsServerMessage, Said } from './requests-and-rooms/rooms-protocol';
export { RoomHistory } from './requests-and-rooms/room-history';
export type { HistoryLine } from './requests-and-rooms/room-history';
export { pingLoop } from './requests-and-rooms/ping-loop';
export type { PingOptions } from './requests-and-rooms/ping-loop';
export { roomsProcessor } from './requests-and-rooms/rooms-processor';
export { ROOMS_SERVER_CONFIG, startRoomsServer } from './requests-and-rooms/start-rooms-server';
export type { RoomsServerOptions } from './requests-and-rooms/start-rooms-server';
export { ROOMS_CLIENT_CONFIG, connectRoomsClient } from './requests-and-rooms/rooms-client';
export type { RoomsClient } from './requests-and-rooms/rooms-client';

// The README's samples of the request, rooms, typed-stacks, lanes, resumption and handshake sections.
export { requestsDemo } from './readme/requests-demo';
export { LobbyChat, startLobby } from './readme/rooms-demo';
export { Watch, startWatchServer } from './readme/lanes-demo';
export { Notes, NotesLogin, startNotesServer } from './readme/state-guard-demo';
export { Counter, connectCounter, startCounterServer } from './readme/resume-demo';
export { Who, startWhoServer } from './readme/handshake-demo';

// docs/asyncapi.md: the key-value stack of docs/typed-stacks.md as an AsyncAPI document.
export { KvStack, kvAsyncApi } from './asyncapi/kv-stack';
