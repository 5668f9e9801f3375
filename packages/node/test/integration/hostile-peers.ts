import { expect } from 'chai';
import { createConnection, type Socket } from 'node:net';
import { map, startWith, takeWhile, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  createClient,
  defineProtocol,
  parseAddress,
  type ClientEvent,
  type ClientMessage,
  type Codec,
  type Framer,
  type ServerMessage,
  type ServerSnapshot,
} from '@rxmsg/node';
import { within } from '@rxmsg/test-utils';
import { record } from './echo-protocol';

// Helpers of the hostile-mix and whole-server property tests: a protocol whose replies are as large
// as the requests (so that a peer that does not read fills its send queue by bytes, not only by
// count), hostile raw peers that never make the test process itself buffer without bound, a lockstep
// well-behaved client, and a sampler that checks the memory budget while the server runs.

const client = { Ping: z.object({ n: z.number().int(), pad: z.string().optional() }) };
const server = { Pong: z.object({ n: z.number().int(), pad: z.string().optional() }), Oops: z.object({ code: z.string() }) };

/** `Ping n pad` is answered by `Pong n pad`, over JSON lines; bad input gets `Oops` under `onDecodeError: 'reply'`. */
export const MirrorText = defineProtocol({
  name: 'mirror-text',
  tag: 'kind',
  codec: 'text',
  client,
  server,
  errorReplies: { server: (e) => ({ kind: 'Oops', code: e.code }) },
});

/** The same messages over length-prefixed MessagePack. */
export const MirrorBinary = defineProtocol({
  name: 'mirror-binary',
  tag: 'kind',
  codec: 'binary',
  client,
  server,
  errorReplies: { server: (e) => ({ kind: 'Oops', code: e.code }) },
});

/** Either mirror protocol (they share their message types). */
export type MirrorProtocol = typeof MirrorText | typeof MirrorBinary;
export type MirrorPing = ClientMessage<typeof MirrorText>;
export type MirrorReply = ServerMessage<typeof MirrorText>;

/** Answers every `Ping` with a `Pong` of the same number and pad. */
export function mirror(in$: Observable<MirrorPing>): Observable<MirrorReply> {
  return in$.pipe(map((m): MirrorReply => (m.pad === undefined ? { kind: 'Pong', n: m.n } : { kind: 'Pong', n: m.n, pad: m.pad })));
}

/** The `Ping` a well-behaved peer sends as its `n`th request: pads of 0 to `maxPad` bytes, so frames differ in size. */
export function nthPing(n: number, maxPad = 600): MirrorPing {
  const size = (n * 7919) % (maxPad + 1);
  return size === 0 ? { kind: 'Ping', n } : { kind: 'Ping', n, pad: 'p'.repeat(size) };
}

/** The answer to {@link nthPing}. */
export function nthPong(n: number, maxPad = 600): MirrorReply {
  const { pad } = nthPing(n, maxPad);
  return pad === undefined ? { kind: 'Pong', n } : { kind: 'Pong', n, pad };
}

/**
 * A raw TCP socket for abuse: what it receives is only counted (never kept), and what it writes
 * waits for `drain`, so that a server that stops reading it never makes the test process buffer
 * without bound.
 */
export class HostileSocket {
  bytesReceived = 0;
  /** Resolves when the socket is closed, by either side. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => {
      this.bytesReceived += c.length;
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connect to a `tcp://` address; `undefined` when the connection fails. */
  static connect(address: string): Promise<HostileSocket | undefined> {
    const a = parseAddress(address);
    if (a.kind !== 'inet') throw new Error(`not a TCP address: ${address}`);
    return new Promise((resolve) => {
      const s = createConnection({ host: a.host, port: a.port });
      s.setNoDelay(true);
      const fail = () => {
        s.destroy();
        resolve(undefined);
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        resolve(new HostileSocket(s));
      });
    });
  }

  /** `true` while bytes can still be written. */
  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Stop reading: what the server sends piles up in the kernel's buffers, then in the server. */
  stopReading(): void {
    this.socket.pause();
  }

  /**
   * Write `chunk`; if the socket's buffer is full, wait for `drain`, the close, or `deadline`
   * (ms since the epoch), whichever comes first.
   * @returns whether the socket can take more now.
   */
  write(chunk: string | Uint8Array, deadline: number): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    if (this.socket.write(chunk)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const s = this.socket;
      const done = (ok: boolean) => {
        clearTimeout(timer);
        s.off('drain', onDrain);
        s.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
      s.once('drain', onDrain);
      s.once('close', onClose);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A raw peer that decodes what it receives as it arrives (one pass over the bytes, however many
 * megabytes a reply stream is), keeps the messages and counts the heartbeats it was sent.
 */
export class ReadingPeer {
  readonly messages: unknown[] = [];
  controls = 0;
  /** Resolves when the socket is closed, by either side. */
  readonly closed: Promise<void>;
  private readonly framer: Framer;
  private waiter: (() => void) | undefined;
  private failure: unknown;

  private constructor(
    readonly socket: Socket,
    private readonly codec: Codec,
  ) {
    this.framer = codec.createFramer(0x7fffffff);
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => this.take(c));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.wake());
  }

  /** Connect to a `tcp://` address. */
  static connect(address: string, codec: Codec): Promise<ReadingPeer> {
    const a = parseAddress(address);
    if (a.kind !== 'inet') throw new Error(`not a TCP address: ${address}`);
    return new Promise((resolve, reject) => {
      const s = createConnection({ host: a.host, port: a.port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new ReadingPeer(s, codec));
      });
    });
  }

  /** `true` once the socket is closed. */
  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Write without waiting for the kernel: a peer the server stopped reading must not block its caller. */
  write(bytes: Uint8Array): void {
    if (this.socket.writable) this.socket.write(bytes);
  }

  /** Wait until `predicate` holds, the socket closes, or `timeoutMs` passes; reject in the last two cases unless it holds. */
  async until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.failure !== undefined) throw this.failure;
      if (this.socket.destroyed) throw new Error(`socket closed waiting for ${what} (${this.messages.length} messages received)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${this.messages.length} messages received)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  private take(chunk: Buffer): void {
    this.framer.push(new Uint8Array(chunk));
    for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) {
      if (f instanceof Error) {
        this.failure = f;
        break;
      }
      if (this.codec.controlOf(f) !== undefined) this.controls++;
      else this.messages.push(this.codec.decode(f));
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

/** Resolve after `ms` (pacing a trickle; never used to wait for something to happen). */
export function pace(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The worst the budget checker saw, over every sample. */
export interface BudgetFigures {
  samples: number;
  maxBufferedBytes: number;
  maxHeldBytes: number;
  maxQueued: number;
  maxConnections: number;
  /** Broken bounds, as text (the first few). */
  readonly violations: string[];
}

/**
 * Checks a server's memory budget on every {@link check} call and every `everyMs` while running:
 * each connection holds at most `limits.perConnection` bytes and queues at most `limits.queued`
 * messages, all together hold at most `limits.total`, and the server's sum is the sum of its connections'. A sample can miss a peak; the bounds are upper
 * bounds, so whatever a sample sees must be within them.
 */
export class BudgetSampler {
  readonly figures: BudgetFigures = { samples: 0, maxBufferedBytes: 0, maxHeldBytes: 0, maxQueued: 0, maxConnections: 0, violations: [] };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly server: { snapshot(): ServerSnapshot },
    private readonly limits: { readonly perConnection: number; readonly queued: number; readonly total: number },
    everyMs = 10,
  ) {
    this.timer = setInterval(() => this.check(), everyMs);
  }

  /** Take one sample now. */
  check(): void {
    const snap = this.server.snapshot();
    const f = this.figures;
    f.samples++;
    f.maxBufferedBytes = Math.max(f.maxBufferedBytes, snap.bufferedBytes);
    f.maxConnections = Math.max(f.maxConnections, snap.connections.length);
    let sum = 0;
    for (const c of snap.connections) {
      sum += c.heldBytes;
      f.maxHeldBytes = Math.max(f.maxHeldBytes, c.heldBytes);
      f.maxQueued = Math.max(f.maxQueued, c.queued);
      const { perConnection, queued } = this.limits;
      if (c.heldBytes > perConnection) this.violate(`connection ${c.id} held ${c.heldBytes} > ${perConnection} bytes`);
      if (c.queued > queued) this.violate(`connection ${c.id} queued ${c.queued} > ${queued} messages`);
    }
    if (snap.bufferedBytes > this.limits.total) this.violate(`the server held ${snap.bufferedBytes} > ${this.limits.total} bytes`);
    if (sum !== snap.bufferedBytes) this.violate(`bufferedBytes ${snap.bufferedBytes} != ${sum}, the sum of heldBytes`);
  }

  /** Stop sampling (takes one last sample). */
  stop(): BudgetFigures {
    clearInterval(this.timer);
    this.check();
    return this.figures;
  }

  private violate(what: string): void {
    if (this.figures.violations.length < 10) this.figures.violations.push(what);
  }
}

/** Events that mean a well-behaved client lost or was refused something. */
function failures(events: readonly ClientEvent[]): ClientEvent[] {
  return events.filter((e) => e.type === 'decode-error' || e.type === 'processor-error' || e.type === 'send-queue-full' || e.type === 'message-dropped');
}

/**
 * A real client doing request/response in lockstep for as long as it runs: each `Pong n` is
 * answered by `Ping n + 1` ({@link nthPing}). `stopAndCheck()` lets it finish after the answer in
 * flight and checks that every answer came, in order, and that the connection ended normally.
 */
export function lockstepClient(address: string, protocol: MirrorProtocol, cleanup: (() => unknown)[]) {
  let stopping = false;
  const got: MirrorReply[] = [];
  const c = createClient({
    connect: address,
    protocol,
    processor: (in$) =>
      in$.pipe(
        takeWhile((m) => m.kind === 'Pong' && !stopping),
        map((m) => nthPing(m.kind === 'Pong' ? m.n + 1 : -1)),
        startWith(nthPing(0)),
      ),
  });
  cleanup.push(() => c.close());
  const log = record(c.events$);
  c.messages$.subscribe((m) => got.push(m));
  return {
    answers: () => got.length,
    /** Stop, and check that every answer came, in order, without an error event. @returns the number of answers. */
    async stopAndCheck(): Promise<number> {
      stopping = true;
      await within(c.closed, 10_000, 'the lockstep client to finish');
      expect(got.length).to.be.above(0);
      expect(got).to.deep.equal(Array.from({ length: got.length }, (_, n) => nthPong(n)));
      expect(failures(log.events)).to.deep.equal([]);
      expect(log.events.flatMap((e) => (e.type === 'disconnected' ? [e.reason] : []))).to.deep.equal(['completed']);
      return got.length;
    },
  };
}
