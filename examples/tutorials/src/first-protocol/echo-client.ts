import { concat, from, ignoreElements, lastValueFrom, take } from 'rxjs';
import { createClient, type ClientProcessor } from '@rxmsg/node';
import { ChatProtocol, type ChatServerMessage } from './chat-protocol';

/** Says each line, waits for as many answers, then completes, which closes the connection. */
export function sayEach(lines: readonly string[]): ClientProcessor<typeof ChatProtocol> {
  return (incoming$) =>
    concat(
      from(lines.map((text) => ({ kind: 'Say', text }) as const)),
      incoming$.pipe(take(lines.length), ignoreElements()),
    );
}

/**
 * Connect to an echo server, say `lines`, and resolve with its answers once the connection is closed.
 * @throws the error the connection ended with, e.g. a `ConnectError` when nobody listens.
 */
export async function echo(address: string, lines: readonly string[]): Promise<ChatServerMessage[]> {
  const client = createClient({ connect: address, protocol: ChatProtocol, processor: sayEach(lines) });
  const answers: ChatServerMessage[] = [];
  client.messages$.subscribe((message) => answers.push(message));
  const last = await lastValueFrom(client.status$);
  if (last.state === 'closed' && last.error !== undefined) throw last.error;
  return answers;
}
