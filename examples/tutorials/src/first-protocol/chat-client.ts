import { filter, firstValueFrom, ignoreElements, map } from 'rxjs';
import { createClient, type ClientProcessor } from '@rxmsg/node';
import { ChatProtocol } from './chat-protocol';

/** Sends nothing by itself and stays until the input ends: the program speaks with `client.send`. */
const listenOnly: ClientProcessor<typeof ChatProtocol> = (incoming$) => incoming$.pipe(ignoreElements());

/**
 * Connect a chat client. Its `messages$` is hot: subscribe right away to see the `Welcome`.
 * @param address - the chat server, e.g. `tcp://127.0.0.1:4000`.
 */
export function connectChatClient(address: string) {
  return createClient({ connect: address, protocol: ChatProtocol, processor: listenOnly });
}

/** A client made by {@link connectChatClient}. */
export type ChatClient = ReturnType<typeof connectChatClient>;

/**
 * The id the room welcomed `client` with. Call it before the `Welcome` can arrive,
 * that is in the same tick as {@link connectChatClient}.
 */
export function welcomeOf(client: ChatClient): Promise<number> {
  return firstValueFrom(
    client.messages$.pipe(
      filter((message) => message.kind === 'Welcome'),
      map((welcome) => welcome.id),
    ),
  );
}
