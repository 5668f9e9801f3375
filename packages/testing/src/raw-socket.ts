import { createConnection, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { parseAddress } from '@rxmsg/core';

/** Options of {@link RawSocket.connect}. */
export interface RawSocketOptions {
  /** Options of `node:tls` `connect` for a `tls://` address, e.g. `ca` to trust a test certificate. */
  readonly tls?: ConnectionOptions;
}

/**
 * A plain socket to a test server: write raw bytes, read what comes back. What arrives is kept
 * incrementally (a growing buffer; complete lines split once each, when first asked for), so reading it after every
 * chunk costs what the chunk added, not what was received before it.
 */
export class RawSocket {
  private readonly chunkList: Buffer[] = [];
  private store: Buffer = Buffer.alloc(0);
  private storeLength = 0;
  private readonly lineList: string[] = [];
  /** Offset in the store where the next line starts (lines are split lazily, when asked for). */
  private lineStart = 0;
  private waiters: (() => void)[] = [];
  /** Resolves when the connection is closed (the socket ends its side when the server ends its own). */
  readonly ended: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.append(c);
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

  /** Everything received so far (a view: later data does not change it). */
  received(): Buffer {
    return this.store.subarray(0, this.storeLength);
  }

  /** The chunks received so far, in order, as the socket delivered them. */
  chunks(): readonly Buffer[] {
    return this.chunkList;
  }

  /** Received text split into complete lines. */
  lines(): string[] {
    return this.splitLines().slice();
  }

  /** How many complete lines were received. */
  get lineTotal(): number {
    return this.splitLines().length;
  }

  /** The complete lines, split from where the previous call stopped (UTF-8 never has 0x0a inside a character). */
  private splitLines(): readonly string[] {
    for (;;) {
      const end = this.store.indexOf(0x0a, this.lineStart);
      if (end < 0 || end >= this.storeLength) return this.lineList;
      this.lineList.push(this.store.toString('utf8', this.lineStart, end));
      this.lineStart = end + 1;
    }
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
    await this.until((s) => s.lineTotal >= n, timeoutMs);
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

  /** Keep chunk `c`: in the chunk list, and in the byte store (grown by doubling). */
  private append(c: Buffer): void {
    this.chunkList.push(c);
    const needed = this.storeLength + c.length;
    if (needed > this.store.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.store.length * 2, 4096));
      this.store.copy(grown, 0, 0, this.storeLength);
      this.store = grown;
    }
    c.copy(this.store, this.storeLength);
    this.storeLength = needed;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
