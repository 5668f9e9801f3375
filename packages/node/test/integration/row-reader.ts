import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket, type RawData } from 'ws';

/** Where and how a {@link readRows} reader connects, and what it asks for. */
export interface RowReaderOptions {
  /** `tcp://`, `tls://` or `ws://` address of the server. */
  readonly address: string;
  /** The one message (a JSON object) written first: the request for the rows. */
  readonly request: object;
  /** Rows to read, numbered 0 to `count - 1`. */
  readonly count: number;
  /** For `tls://`: the certificate authority to trust. */
  readonly ca?: string;
  /**
   * A slow reader: after every `every` rows it stops reading until `until(rowsRead)` holds (polled every 5 ms), so
   * that the sender meets a full socket and a full queue. Fails if `until()` does not hold within
   * `timeoutMs` (default 20 s).
   */
  readonly stall?: { readonly every: number; readonly until: (rows: number) => boolean; readonly timeoutMs?: number };
}

/** What a {@link readRows} reader saw. */
export interface RowReading {
  /** Rows read, all in order. */
  readonly rows: number;
  /** Times it stopped reading (see {@link RowReaderOptions.stall}). */
  readonly stalls: number;
}

/** A running {@link readRows} reader. */
export interface RowReader {
  /** Resolves once `count` rows arrived in order and the connection is closed (see {@link readRows}). */
  readonly done: Promise<RowReading>;
  /** Stop reading and close the connection now (safe to call twice); `done` then rejects unless it resolved. */
  close(): void;
}

/**
 * A cheap reader of rows sent as JSON lines (stream transports) or one JSON object per WebSocket
 * message, whose only digits are the row index (`{"kind":"Row","i":N}`): it checks the index
 * sequence on the bytes, without decoding, so that it reads faster than any server writes.
 * `done` resolves once `count` rows arrived in order and its connection is closed; it rejects
 * (after closing) on a row out of order, on more rows than `count`, and on a connection that ends early.
 */
export function readRows(options: RowReaderOptions): RowReader {
  let close = (): void => {};
  const done = new Promise<RowReading>((resolve, reject) => {
    const { count, stall } = options;
    let expected = 0;
    let value = 0;
    let stalls = 0;
    let nextStall = stall === undefined ? Infinity : stall.every;
    let timer: NodeJS.Timeout | undefined;
    let failure: Error | undefined;
    let finished = false;

    /** Feeds one chunk (or message) of bytes; false once the reading is over. */
    const feed = (bytes: Uint8Array): boolean => {
      for (let k = 0; k < bytes.length; k++) {
        const c = bytes[k]!;
        if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
        else if (c === 0x7d) {
          if (value !== expected || expected >= count) {
            failure = new Error(`row ${value} arrived where row ${expected} of ${count} was expected`);
            return false;
          }
          expected++;
          value = 0;
        }
      }
      return true;
    };

    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (failure !== undefined) reject(failure);
      else if (expected !== count) reject(new Error(`the connection ended after ${expected} of ${count} rows`));
      else resolve({ rows: expected, stalls });
    };

    /** After a chunk: done, or stall, or read on. */
    const afterChunk = (ok: boolean, pause: () => void, resume: () => void, end: () => void): void => {
      if (!ok || expected === count) {
        finished = true;
        end();
        return;
      }
      if (expected < nextStall || stall === undefined) return;
      nextStall += stall.every;
      stalls++;
      pause();
      const deadline = Date.now() + (stall.timeoutMs ?? 20_000);
      const poll = (): void => {
        timer = undefined;
        if (finished) return;
        if (stall.until(expected)) resume();
        else if (Date.now() > deadline) {
          failure = new Error(`stalled at row ${expected}: the sender never filled its queue`);
          finished = true;
          end();
        } else timer = setTimeout(poll, 5);
      };
      timer = setTimeout(poll, 5);
    };

    const request = JSON.stringify(options.request);
    if (options.address.startsWith('ws://')) {
      const ws = new WebSocket(options.address);
      ws.on('error', (error) => (failure ??= error));
      ws.on('close', settle);
      ws.on('open', () => ws.send(request));
      close = () => {
        finished = true;
        ws.terminate();
      };
      ws.on('message', (data: RawData) => {
        if (finished) return;
        // binaryType 'nodebuffer': one Buffer per message.
        afterChunk(feed(data as Buffer), () => ws.pause(), () => ws.resume(), () => ws.terminate());
      });
      return;
    }
    const url = new URL(options.address);
    const port = Number(url.port);
    const socket: Socket =
      url.protocol === 'tls:'
        ? tlsConnect({ host: url.hostname, port, ...(options.ca === undefined ? {} : { ca: options.ca }) })
        : netConnect({ host: url.hostname, port });
    socket.on('error', (error) => (failure ??= error));
    socket.on('close', settle);
    socket.once(url.protocol === 'tls:' ? 'secureConnect' : 'connect', () => socket.write(request + '\n'));
    socket.on('data', (chunk: Buffer) => {
      if (finished) return;
      afterChunk(feed(chunk), () => socket.pause(), () => socket.resume(), () => socket.destroy());
    });
    close = () => {
      finished = true;
      socket.destroy();
    };
  });
  return { done, close: () => close() };
}
