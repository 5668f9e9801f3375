import { z } from 'zod';
import { concat, ignoreElements, map, of, take, type Observable } from 'rxjs';
import { defineProtocol, type ClientProcessor, type ServerProcessor } from '@rxmsg/core';

/** Pings answered by pongs, as JSON lines. */
export const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number(), text: z.string() }) },
  server: { Pong: z.object({ n: z.number(), text: z.string() }) },
});

export type Ping = { readonly kind: 'Ping'; readonly n: number; readonly text: string };

/** The server: each Ping answered by the Pong with the same fields. */
export const pong: ServerProcessor<typeof Echo> = (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n, text: m.text }) as const));

/** `count` pings with some multi-byte text, so that cuts fall inside characters too. */
export function pings(count: number): Ping[] {
  return Array.from({ length: count }, (_, n) => ({ kind: 'Ping', n, text: `ping ${n} é✓😀` }) as const);
}

/** A client that sends `messages`, then ends after as many replies. */
export function sendAndWait(messages: readonly Ping[]): ClientProcessor<typeof Echo> {
  return (in$): Observable<Ping> => concat(of(...messages), in$.pipe(take(messages.length), ignoreElements()));
}
