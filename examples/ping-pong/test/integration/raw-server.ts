import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Write } from './transcript';

/** A TCP server on loopback that plays the server's part from raw bytes, to test what a client does. */
export class RawServer {
  private readonly sockets = new Set<Socket>();
  /** The first connection's socket: resolves once a client connects. */
  readonly connection: Promise<Socket>;
  /** Resolves when the first client ends its side of the connection (or the connection closes). */
  readonly clientEnded: Promise<void>;

  private constructor(
    private readonly server: Server,
    onConnection: (socket: Socket) => void,
  ) {
    let ended!: () => void;
    this.clientEnded = new Promise((resolve) => (ended = resolve));
    this.connection = new Promise((resolve) => {
      server.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.on('error', () => {});
        // Like a well-behaved peer: end our side once the client has ended its own.
        socket.once('end', () => {
          ended();
          socket.end();
        });
        socket.once('close', () => {
          ended();
          this.sockets.delete(socket);
        });
        onConnection(socket);
        resolve(socket);
      });
    });
  }

  /** Listen on 127.0.0.1, port 0; `onConnection` gets each accepted socket. */
  static listen(onConnection: (socket: Socket) => void): Promise<RawServer> {
    const server = createServer({ allowHalfOpen: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new RawServer(server, onConnection)));
    });
  }

  /** `tcp://127.0.0.1:port`. */
  get address(): string {
    return `tcp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Destroy every connection and stop listening. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Play the server's writes of a transcript on `socket`: each server write goes out once the
 * client has sent all the bytes of the client writes before it. Server writes after the first
 * `serverWrites` are withheld: the server then stops talking.
 */
export function replayServer(socket: Socket, writes: readonly Write[], serverWrites: number): void {
  let received = 0;
  let next = 0;
  let expected = 0;
  let sent = 0;
  const pump = (): void => {
    while (next < writes.length) {
      const w = writes[next]!;
      if (w.from === 'C') {
        if (received < expected + w.bytes.length) return;
        expected += w.bytes.length;
      } else {
        if (sent === serverWrites) return;
        socket.write(w.bytes);
        sent++;
      }
      next++;
    }
  };
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    pump();
  });
  pump();
}
