import { map } from 'rxjs';
import { createServer, type ServerProcessor } from '@rxmsg/node';
import { HelloProtocol } from './protocol';

/** Answers every Hello with a World greeting. */
export const helloServerProcessor: ServerProcessor<typeof HelloProtocol> = (incoming$) =>
  incoming$.pipe(map((hello) => ({ kind: 'World', greeting: `Hello, ${hello.name}!` }) as const));

/**
 * Start the hello server.
 * @param listen - address(es) to listen on, e.g. `tcp://127.0.0.1:0`.
 */
export function startHelloServer(listen: string | readonly string[]) {
  return createServer({
    listen,
    protocol: HelloProtocol,
    processor: helloServerProcessor,
    config: { onDecodeError: 'reply', maxFrameBytes: 4096 } as const,
  });
}
