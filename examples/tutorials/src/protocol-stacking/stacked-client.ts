import { clientStage, createCompositeClient } from '@rxmsg/node';
import { chatStage, clientRouter, goodbyeStage, loginStage, type ChatScript, type ClientChatState } from './client-stages';
import { GoodbyeProtocol } from './goodbye-protocol';
import { LoginProtocol } from './login-protocol';
import { RoomProtocol } from './room-protocol';

/**
 * Connect a scripted client to the stacked chat server. Returns the client handle (its `events$`
 * and `closed`) and the state object its stages fill in; read the state once `closed` resolves.
 */
export function connectStackedClient(address: string, script: ChatScript) {
  const state: ClientChatState = { script, verdict: undefined, heard: [], farewell: undefined };
  const client = createCompositeClient({
    connect: address,
    stages: {
      login: clientStage(LoginProtocol, loginStage),
      chat: clientStage(RoomProtocol, chatStage),
      goodbye: clientStage(GoodbyeProtocol, goodbyeStage),
    },
    initialState: () => state,
    router: clientRouter,
  });
  return { client, state };
}
