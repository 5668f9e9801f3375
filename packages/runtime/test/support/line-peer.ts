import type { ConnectionHandlers } from '@rxmsg/core';
import type { MemoryConnection, MemoryTransport } from '@rxmsg/runtime';

const decoder = new TextDecoder();

/**
 * A client end of a memory connection that speaks JSON lines by hand: what it received, parsed
 * (heartbeat control lines left out). `reading: false` never starts it: a peer that never reads.
 */
export class LinePeer implements ConnectionHandlers {
  readonly received: unknown[] = [];
  closed = false;
  private text = '';
  private scanned = 0;

  constructor(
    readonly connection: MemoryConnection,
    reading = true,
  ) {
    if (reading) connection.start(this);
  }

  static dial(memory: MemoryTransport, address: string, reading = true): LinePeer {
    return new LinePeer(memory.dial(address), reading);
  }

  send(message: unknown): void {
    this.connection.write(`${JSON.stringify(message)}\n`);
  }

  onData(chunk: Uint8Array): void {
    this.text += decoder.decode(chunk, { stream: true });
    for (let i = this.text.indexOf('\n', this.scanned); i >= 0; i = this.text.indexOf('\n', this.scanned)) {
      const line = this.text.slice(this.scanned, i);
      this.scanned = i + 1;
      if (!line.startsWith('#')) this.received.push(JSON.parse(line) as unknown);
    }
    if (this.scanned === this.text.length) {
      this.text = '';
      this.scanned = 0;
    }
  }

  /** The server ended its side: end ours too, as a socket without half-open does. */
  onEnd(): void {
    this.connection.end();
  }

  onDrain(): void {}

  onClose(): void {
    this.closed = true;
  }

  destroy(): void {
    this.connection.destroy();
  }
}
