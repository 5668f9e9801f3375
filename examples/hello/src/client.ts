import { concat, ignoreElements, of, take } from 'rxjs';
import { createClient, type ClientProcessor } from '@rxmsg/node';
import { HelloProtocol } from './protocol';

/** Says Hello once, waits for the answer, then completes (which closes the connection). */
export function helloClientProcessor(name: string): ClientProcessor<typeof HelloProtocol> {
  return (incoming$) => concat(of({ kind: 'Hello', name } as const), incoming$.pipe(take(1), ignoreElements()));
}

/**
 * Connect, greet, and resolve with the server's answer.
 * @param connect - the server address.
 * @param name - who says hello.
 */
export async function greet(connect: string, name: string): Promise<string> {
  const client = createClient({
    connect,
    protocol: HelloProtocol,
    processor: helloClientProcessor(name),
    config: { connectRetry: { initialMs: 50, maxMs: 500, factor: 2, jitter: 0.5, maxAttempts: 5 } } as const,
  });
  let answer = '';
  client.messages$.subscribe((m) => {
    answer = m.kind === 'World' ? m.greeting : `error ${m.code}: ${m.message}`;
  });
  await client.closed;
  return answer;
}
