import { filter, firstValueFrom } from 'rxjs';
import type { ServerEvent, ServerSnapshot } from '@rxmsg/node';
import type { ChatServerMessage } from './chat-protocol';
import { connectChatClient, welcomeOf } from './chat-client';
import { startChatServer } from './start-server';

/** What {@link chatDemo} saw. */
export interface ChatDemoResult {
  /** The id the room welcomed ada with. */
  readonly adaId: number;
  /** The id the room welcomed bob with. */
  readonly bobId: number;
  /** The first `Said` that bob received. */
  readonly bobHeard: ChatServerMessage;
  /** The server while both were connected. */
  readonly snapshot: ServerSnapshot;
  /** Every server event after the start, up to `stopped`. */
  readonly events: readonly ServerEvent[];
}

/** Ada and bob join a room on a loopback port; ada speaks, bob hears; everything closes. */
export async function chatDemo(): Promise<ChatDemoResult> {
  const server = await startChatServer('tcp://127.0.0.1:0');
  const events: ServerEvent[] = [];
  server.events$.subscribe((event) => events.push(event));
  const address = server.addresses()[0]!; // one listen address, so one bound address

  const ada = connectChatClient(address);
  const bob = connectChatClient(address);
  const [adaId, bobId] = await Promise.all([welcomeOf(ada), welcomeOf(bob)]);

  const bobHears = firstValueFrom(bob.messages$.pipe(filter((message) => message.kind === 'Said')));
  ada.send({ kind: 'Say', text: 'hello, room' });
  const bobHeard = await bobHears;
  const snapshot = server.snapshot();

  await ada.close();
  await bob.close();
  await server.close();
  return { adaId, bobId, bobHeard, snapshot, events };
}
