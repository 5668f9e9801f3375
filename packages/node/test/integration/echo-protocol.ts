import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import { defineProtocol, type ClientMessage, type ServerEvent, type ServerMessage } from '@rxmsg/node';

const client = { Ping: z.object({ n: z.number().int(), pad: z.string().optional() }) };
const server = { Pong: z.object({ n: z.number().int() }), Oops: z.object({ code: z.string() }) };

/** Ping/Pong over JSON lines; the server answers bad input with `Oops` under `onDecodeError: 'reply'`. */
export const TextEcho = defineProtocol({
  name: 'echo-text',
  tag: 'kind',
  codec: 'text',
  client,
  server,
  errorReplies: { server: (e) => ({ kind: 'Oops', code: e.code }) },
});

/** The same messages over length-prefixed MessagePack. */
export const BinaryEcho = defineProtocol({
  name: 'echo-binary',
  tag: 'kind',
  codec: 'binary',
  client,
  server,
  errorReplies: { server: (e) => ({ kind: 'Oops', code: e.code }) },
});

/** Either echo protocol (they share their message types). */
export type EchoProtocol = typeof TextEcho | typeof BinaryEcho;
export type Ping = ClientMessage<typeof TextEcho>;
export type EchoReply = ServerMessage<typeof TextEcho>;

/** Answers every `Ping n` with `Pong n`. */
export function echo(in$: Observable<Ping>): Observable<EchoReply> {
  return in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const));
}

/** `Ping` messages numbered `from` to `to - 1`. */
export function pings(from: number, to: number): Ping[] {
  const out: Ping[] = [];
  for (let n = from; n < to; n++) out.push({ kind: 'Ping', n });
  return out;
}

/** `Pong` messages numbered `from` to `to - 1`. */
export function pongs(from: number, to: number): EchoReply[] {
  const out: EchoReply[] = [];
  for (let n = from; n < to; n++) out.push({ kind: 'Pong', n });
  return out;
}

/** Every event of a hot stream, and whether it completed. */
export interface EventLog<E> {
  readonly events: E[];
  readonly completed: () => boolean;
}

/** Record a server's (or client's) events from now on. */
export function record<E>(events$: Observable<E>): EventLog<E> {
  const events: E[] = [];
  let done = false;
  events$.subscribe({ next: (e) => events.push(e), complete: () => (done = true) });
  return { events, completed: () => done };
}

/** The events of one type, narrowed. */
export function ofType<T extends ServerEvent['type']>(events: readonly ServerEvent[], type: T): Extract<ServerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);
}
