/**
 * A load generator that costs as little CPU as a client can: plain `net` sockets writing
 * pre-encoded frames of the binary bench protocol (4-byte big-endian length + MessagePack), so that
 * on a machine whose cores the load shares with the server, the server is the bound.
 * - one-way: each connection writes the same 64 KiB block of `Ping` frames again and again,
 *   waiting for `drain` whenever `write()` says the socket is full;
 * - ping-pong (fan-in): each connection sends one `Ping`, and one more for every complete frame
 *   it reads back (a `Pong`: only the length prefixes are read, nothing is decoded).
 */
import { connect, type Socket } from 'node:net';
import { encode } from '@msgpack/msgpack';

/** One frame of the binary bench protocol carrying `{ kind: 'Ping', n }`. */
export function pingFrame(n: number): Buffer {
  const body = encode({ kind: 'Ping', n });
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

/** A block of whole `Ping` frames of at least `bytes` bytes; `frames` is how many it holds. */
export function pingBlock(bytes: number): { readonly block: Buffer; readonly frames: number } {
  const parts: Buffer[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const f = pingFrame(n & 0x3fff_ffff);
    parts.push(f);
    size += f.length;
  }
  return { block: Buffer.concat(parts), frames: parts.length };
}

/** A running load: `count` is messages sent (one-way) or round trips completed (ping-pong). */
export interface RawLoad {
  readonly count: () => number;
  readonly stop: () => void;
}

/**
 * Open `connections` sockets to `host:port`, `onReady` once all are connected, then load them.
 * Connections are opened 64 at a time (each opens the next once connected).
 */
export function rawLoad(host: string, port: number, mode: 'one-way' | 'ping-pong', connections: number, onReady: () => void): RawLoad {
  const { block, frames } = pingBlock(64 * 1024);
  const ping = pingFrame(1);
  const sockets: Socket[] = [];
  let count = 0;
  let connected = 0;
  let stopped = false;

  const pump = (s: Socket): void => {
    while (!stopped && !s.destroyed) {
      count += frames;
      if (!s.write(block)) {
        s.once('drain', () => pump(s));
        return;
      }
    }
  };
  const pingPong = (s: Socket): void => {
    let pending = 0; // bytes of the frame being read that are still to come
    let header: Buffer = Buffer.alloc(0); // a length prefix split across chunks
    s.on('data', (chunk: Buffer) => {
      let at = 0;
      let completed = 0;
      while (at < chunk.length) {
        if (pending > 0) {
          const take = Math.min(pending, chunk.length - at);
          pending -= take;
          at += take;
          if (pending === 0) completed++;
          continue;
        }
        const need = 4 - header.length;
        const got = chunk.subarray(at, at + need);
        at += got.length;
        header = header.length === 0 && got.length === 4 ? got : Buffer.concat([header, got]);
        if (header.length < 4) break;
        pending = header.readUInt32BE(0);
        header = Buffer.alloc(0);
        if (pending === 0) completed++;
      }
      count += completed;
      for (let i = 0; i < completed && !stopped; i++) s.write(ping);
    });
    s.write(ping);
  };

  const open = (i: number): void => {
    if (stopped) return;
    const s = connect({ host, port, noDelay: true }, () => {
      connected++;
      if (i + 64 < connections) open(i + 64);
      if (connected === connections) {
        onReady();
        for (const x of sockets) (mode === 'one-way' ? pump : pingPong)(x);
      }
    });
    s.on('error', () => undefined);
    sockets.push(s);
  };
  for (let i = 0; i < Math.min(64, connections); i++) open(i);
  return {
    count: () => count,
    stop: () => {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}
