import { map } from 'rxjs';
import { z } from 'zod';
import { defineProtocol } from '@rxmsg/core';
import { createServer, type memoryTransport } from '@rxmsg/runtime';

/** A client's Ping `n` answered by the server's Pong `n`. */
export const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

/** An {@link Echo} server on `memory://echo:0` of `memory`; the caller closes it. */
export function memoryEchoServer(memory: ReturnType<typeof memoryTransport>) {
  return createServer({
    listen: 'memory://echo:0',
    transports: [memory],
    protocol: Echo,
    processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)),
  });
}
