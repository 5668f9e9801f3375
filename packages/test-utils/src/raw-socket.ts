import { createConnection, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { parseAddress } from '@rxmsg/core';

/** Options of {@link RawSocket.connect}. */
export interface RawSocketOptions {
  /** Options of `node:tls` `connect` for a `tls://` address, e.g. `ca` to trust a test certificate. */
  readonly tls?: ConnectionOptions;
}

/** A plain socket to a test server: write raw bytes, read what comes back. */
export class RawSocket {
  private readonly chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  /** Resolves when the connection is closed (the socket ends its side when the server ends its own). */
  readonly ended: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.wake();
    });
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /**
   * Connect to `tcp://host:port`, `unix:/path` or `tls://host:port`. For TLS it resolves once the
   * handshake is done; what is written and read is the plaintext.
   */
  static connect(address: string, options: RawSocketOptions = {}): Promise<RawSocket> {
    const a = parseAddress(address);
    return new Promise((resolve, reject) => {
      const tls = a.kind === 'inet' && a.scheme === 'tls';
      const s =
        a.kind === 'unix'
          ? createConnection({ path: a.path })
          : tls
            ? connectTls({ ...options.tls, host: a.host, port: a.port })
            : createConnection({ host: a.host, port: a.port });
      s.once('error', reject);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        s.off('error', reject);
        resolve(new RawSocket(s));
      });
    });
  }

  /** Write bytes or text and wait until they are handed to the kernel. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  /** Everything received so far. */
  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Received text split into complete lines. */
  lines(): string[] {
    const text = this.received().toString('utf8');
    const parts = text.split('\n');
    parts.pop();
    return parts;
  }

  /** Wait until `predicate` holds for what was received, or reject after `timeoutMs`. */
  async until(predicate: (s: RawSocket) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; received: ${JSON.stringify(this.received().toString('utf8').slice(0, 500))}`);
      if (this.socket.destroyed && this.socket.readableEnded) {
        if (!predicate(this)) throw new Error(`socket closed; received: ${JSON.stringify(this.received().toString('utf8').slice(0, 500))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait for at least `n` complete lines. */
  async lineCount(n: number, timeoutMs = 5000): Promise<string[]> {
    await this.until((s) => s.lines().length >= n, timeoutMs);
    return this.lines();
  }

  /** Half-close (send FIN). */
  end(): void {
    this.socket.end();
  }

  /** Close at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
