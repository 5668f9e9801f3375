import { WebSocket, type RawData } from 'ws';
import { parseAddress, type Connection, type ConnectionHandlers, type Listener, type RxmsgError } from '@rxmsg/core';
import { wsTransport, type WsTransportOptions } from '@rxmsg/ws';
import { eventually } from '@rxmsg/test-utils';

/** What a test's handlers saw of a connection, in order. */
export interface Seen {
  readonly data: Uint8Array[];
  readonly events: string[];
  drains: number;
  closes: (RxmsgError | undefined)[];
}

/** Handlers that record what they are told into a {@link Seen}. */
export function recorder(): { seen: Seen; handlers: ConnectionHandlers } {
  const seen: Seen = { data: [], events: [], drains: 0, closes: [] };
  return {
    seen,
    handlers: {
      onData: (chunk) => {
        seen.data.push(chunk);
        seen.events.push('data');
      },
      onEnd: () => seen.events.push('end'),
      onDrain: () => {
        seen.drains++;
        seen.events.push('drain');
      },
      onClose: (error) => {
        seen.closes.push(error);
        seen.events.push('close');
      },
    },
  };
}

/** A raw `ws` client and what it received. */
export interface RawClient {
  readonly ws: WebSocket;
  readonly messages: { readonly data: Buffer; readonly binary: boolean }[];
  /** Resolves with the close code once the client is closed. */
  readonly closed: Promise<number>;
}

/** Connect a plain `ws` client to `url`. */
export async function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url);
  const messages: { data: Buffer; binary: boolean }[] = [];
  // binaryType is the default 'nodebuffer': every message is one Buffer.
  ws.on('message', (data: RawData, binary: boolean) => messages.push({ data: data as Buffer, binary }));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** A listening server-side WsConnection factory: the accepted connection and a raw client to it. */
export async function serverAndClient(
  options: WsTransportOptions = {},
  path = '/test',
): Promise<{ listener: Listener; accepted: Connection; client: RawClient }> {
  const accepted: Connection[] = [];
  const listener = await wsTransport(options).listen(parseAddress(`ws://127.0.0.1:0${path}`), (c) => accepted.push(c), { noDelay: true });
  const client = await rawClient(listener.address);
  await eventually(() => accepted.length === 1, 2000, 'accepted');
  return { listener, accepted: accepted[0]!, client };
}

/** The text of each received chunk. */
export function texts(chunks: readonly Uint8Array[]): string[] {
  return chunks.map((c) => new TextDecoder().decode(c));
}
