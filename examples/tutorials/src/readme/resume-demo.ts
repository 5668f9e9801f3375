import { z } from 'zod';
import { createClient, createServer, defineProtocol, type ServerProcessor } from '@rxmsg/node';

/** The protocol of the README's resumption sample. */
export const Counter = defineProtocol({
  name: 'counter',
  tag: 'kind',
  client: { Add: z.object({ n: z.number().int() }) },
  server: { Total: z.object({ total: z.number().int() }) },
});

/** The README's resumption sample: the same `resume` on both sides; the client's events tell the application. */
// #region resume
const resume = { bufferBytes: 65_536, windowMs: 30_000 } as const; // replay buffer per side; how long a lost session waits

export function startCounterServer(listen: string, processor: ServerProcessor<typeof Counter>) {
  return createServer({ listen, protocol: Counter, processor, resume });
}

export function connectCounter(address: string, log: (line: string) => void) {
  const client = createClient({ connect: address, protocol: Counter, resume });
  client.events$.subscribe((e) => {
    if (e.type === 'link-lost') log('reconnecting'); // the session waits; processors and requests go on
    if (e.type === 'resumed') log('resumed'); // same peer id and state; what was missed is replayed once
    if (e.type === 'resume-refused') log(`new session: ${e.reason}`); // e.g. 'expired' after windowMs
  });
  return client;
}
// #endregion
