import { expect } from 'chai';
import {
  FrameTooLargeError,
  SendQueueFullError,
  binaryCodec,
  textCodec,
  type Codec,
} from '@rxmsg/core';
import { FakeConnection } from '@rxmsg/test-utils';
import { BACKPRESSURE_CAP, OutboundPolicy, type OutboundConfig, type OutboundHost } from '../src/outbound-policy';

type Call = readonly ['hold', boolean] | readonly ['full', SendQueueFullError] | readonly ['dropped', 'drop-newest' | 'drop-oldest' | 'no-credit'];

/** Records every call the policy makes, in order. */
class RecordingOutboundHost implements OutboundHost {
  readonly calls: Call[] = [];

  holdInput(on: boolean): void {
    this.calls.push(['hold', on]);
  }

  relieved(): void {
    this.calls.push(['hold', false]);
  }

  queueFull(error: SendQueueFullError): void {
    this.calls.push(['full', error]);
  }

  droppedOut(cause: 'drop-newest' | 'drop-oldest' | 'no-credit'): void {
    this.calls.push(['dropped', cause]);
  }

  take(): Call[] {
    return this.calls.splice(0);
  }
}

/**
 * A policy over a fake connection whose socket accepts writes only while `writable`, and whose
 * end-of-tick flush runs when the test calls `tick()`.
 */
function rig(config: Partial<OutboundConfig>, stream = true) {
  const host = new RecordingOutboundHost();
  let writable = true;
  const connection = new FakeConnection(() => writable);
  const pending: (() => void)[] = [];
  const full: OutboundConfig = { maxFrameBytes: 1024, sendQueueLimit: 4, sendQueueBytes: 1 << 20, onSendQueueFull: 'backpressure', ...config };
  const policy = new OutboundPolicy(host, connection, full, stream, (work) => pending.push(work));
  const tick = (): void => {
    for (const work of pending.splice(0)) work();
  };
  return {
    host,
    connection,
    policy,
    tick,
    /** Write one message that fills the socket: from now on the queue keeps what is sent. */
    block(): void {
      writable = false;
      expect(policy.send(textCodec, { n: 0 })).to.equal(true);
      tick();
      expect(connection.written).to.have.length(1);
      expect(policy.queue.length).to.equal(0);
    },
    /** The socket is full again: it takes the next write, then keeps what is sent queued. */
    refill(): void {
      writable = false;
    },
    /** The socket drained and takes everything from now on. */
    drain(): void {
      writable = true;
      policy.queue.drained();
    },
  };
}

/** The messages a text connection received, in order. */
function sentNumbers(connection: FakeConnection): unknown[] {
  return connection
    .text()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (line.startsWith('#') ? line : (JSON.parse(line) as { n: number }).n));
}

/** `{"n":N}\n` is 8 bytes for one digit. */
const FRAME_BYTES = 8;

describe('OutboundPolicy', () => {
  it('encodes a frame per message on a stream and coalesces one tick into one write', () => {
    const { policy, connection, tick, host } = rig({});
    expect(policy.send(textCodec, { n: 1 })).to.equal(true);
    expect(policy.send(textCodec, { n: 2 })).to.equal(true);
    tick();
    expect(connection.written).to.deep.equal(['{"n":1}\n{"n":2}\n']);
    expect(policy.messagesOut).to.equal(2);
    expect(host.calls).to.deep.equal([]);
  });

  it('encodes one payload per write on a message transport, heartbeats unframed', () => {
    const { policy, connection, tick } = rig({}, false);
    policy.send(textCodec, { n: 1 });
    policy.control(textCodec, 'ping');
    policy.send(textCodec, { n: 2 });
    tick();
    expect(connection.written).to.deep.equal(['{"n":1}', '#ping', '{"n":2}']);
  });

  describe('frame size limit', () => {
    for (const codec of [textCodec, binaryCodec] as const) {
      for (const stream of [true, false]) {
        it(`throws FrameTooLargeError for a message over maxFrameBytes and queues nothing (${codec.name}, ${stream ? 'stream' : 'message'})`, () => {
          const { policy, host, connection, tick } = rig({ maxFrameBytes: 64 }, stream);
          expect(() => policy.send(codec, { s: 'x'.repeat(200) }))
            .to.throw(FrameTooLargeError)
            .with.property('code', 'FRAME_TOO_LARGE');
          expect(policy.queue.length).to.equal(0);
          expect(policy.messagesOut).to.equal(0);
          tick();
          expect(connection.written).to.deep.equal([]);
          expect(host.calls).to.deep.equal([]);
        });
      }
    }

    it('counts text in UTF-8 bytes', () => {
      const { policy } = rig({ maxFrameBytes: 64 });
      // 30 UTF-16 units, 90 UTF-8 bytes.
      expect(() => policy.send(textCodec, { s: '世'.repeat(30) })).to.throw(FrameTooLargeError);
      expect(policy.send(textCodec, { s: 'x'.repeat(30) })).to.equal(true);
    });

    for (const codec of [textCodec, binaryCodec] as const) {
      it(`sends a message whose payload is exactly maxFrameBytes (${codec.name})`, () => {
        const { policy } = rig({ maxFrameBytes: 64 });
        const message = exactly(codec, 64);
        expect(policy.send(codec, message)).to.equal(true);
      });
    }

    // Regression: the limit was checked with 8 bytes of slack for the framing, so a payload of up to
    // maxFrameBytes + 7 went out and was refused as FRAME_TOO_LARGE by a peer with the same limit.
    for (const codec of [textCodec, binaryCodec] as const) {
      for (const stream of [true, false]) {
        it(`refuses exactly what a peer with the same maxFrameBytes refuses (${codec.name}, ${stream ? 'stream' : 'message'})`, () => {
          const max = 64;
          for (let bytes = max - 2; bytes <= max + 10; bytes++) {
            const message = exactly(codec, bytes);
            const { policy, connection, tick } = rig({ maxFrameBytes: max }, stream);
            let sent: boolean;
            try {
              sent = policy.send(codec, message);
            } catch (error) {
              expect(error).to.be.instanceOf(FrameTooLargeError).with.property('limit', max);
              sent = false;
            }
            expect(sent, `payload of ${bytes} bytes`).to.equal(bytes <= max);
            tick();
            if (!sent || !stream) continue;
            // The peer frames what was written with the same limit: it gets the message back, not an error.
            const framer = codec.createFramer(max);
            const chunk = connection.written[0]!;
            framer.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
            const frame = framer.next();
            expect(frame).not.to.be.instanceOf(FrameTooLargeError);
            expect(frame === undefined ? undefined : codec.decode(frame as string | Uint8Array)).to.deep.equal(message);
          }
        });
      }
    }

    it('throws what the codec throws', () => {
      const { policy } = rig({});
      const failing: Codec = {
        ...textCodec,
        encodeFrame: () => {
          throw new RangeError('cannot encode');
        },
      };
      expect(() => policy.send(failing, { n: 1 })).to.throw(RangeError);
      expect(policy.messagesOut).to.equal(0);
    });
  });

  describe("onSendQueueFull: 'disconnect'", () => {
    it('reports queueFull for the message over sendQueueLimit and refuses it', () => {
      const r = rig({ onSendQueueFull: 'disconnect', sendQueueLimit: 4 });
      r.block();
      for (let n = 1; n <= 4; n++) expect(r.policy.send(textCodec, { n })).to.equal(true);
      expect(r.host.calls).to.deep.equal([]);
      expect(r.policy.send(textCodec, { n: 5 })).to.equal(false);
      const calls = r.host.take();
      expect(calls).to.have.length(1);
      expect(calls[0]![0]).to.equal('full');
      expect(calls[0]![1]).to.be.instanceOf(SendQueueFullError).with.property('code', 'SEND_QUEUE_FULL');
      expect(r.policy.queue.length).to.equal(4);
      // Only the message the socket took is out; the 4 queued are not, the refused one never will be.
      expect(r.policy.messagesOut).to.equal(1);
    });

    it('reports queueFull at sendQueueBytes', () => {
      const r = rig({ onSendQueueFull: 'disconnect', sendQueueLimit: 1000, sendQueueBytes: 4 * FRAME_BYTES });
      r.block();
      for (let n = 1; n <= 4; n++) expect(r.policy.send(textCodec, { n })).to.equal(true);
      expect(r.policy.queue.bytes).to.equal(4 * FRAME_BYTES);
      expect(r.policy.send(textCodec, { n: 5 })).to.equal(false);
      expect(r.host.calls.map((c) => c[0])).to.deep.equal(['full']);
    });
  });

  describe("onSendQueueFull: 'drop-newest'", () => {
    it('refuses the new message at the limit and reports it; the queued ones go out', () => {
      const r = rig({ onSendQueueFull: 'drop-newest', sendQueueLimit: 4 });
      r.block();
      for (let n = 1; n <= 6; n++) r.policy.send(textCodec, { n });
      expect(r.host.take()).to.deep.equal([
        ['dropped', 'drop-newest'],
        ['dropped', 'drop-newest'],
      ]);
      expect(r.policy.messagesOut).to.equal(1);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, 1, 2, 3, 4]);
      // Written messages only: the 2 dropped never count.
      expect(r.policy.messagesOut).to.equal(5);
    });

    it('refuses at sendQueueBytes', () => {
      const r = rig({ onSendQueueFull: 'drop-newest', sendQueueLimit: 1000, sendQueueBytes: 3 * FRAME_BYTES });
      r.block();
      for (let n = 1; n <= 4; n++) r.policy.send(textCodec, { n });
      expect(r.host.take()).to.deep.equal([['dropped', 'drop-newest']]);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, 1, 2, 3]);
    });
  });

  describe("onSendQueueFull: 'drop-oldest'", () => {
    it('drops the oldest queued message for each new one at the limit', () => {
      const r = rig({ onSendQueueFull: 'drop-oldest', sendQueueLimit: 4 });
      r.block();
      for (let n = 1; n <= 6; n++) expect(r.policy.send(textCodec, { n })).to.equal(true);
      expect(r.host.take()).to.deep.equal([
        ['dropped', 'drop-oldest'],
        ['dropped', 'drop-oldest'],
      ]);
      expect(r.policy.queue.length).to.equal(4);
      expect(r.policy.messagesOut).to.equal(1);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, 3, 4, 5, 6]);
      // 7 accepted, 2 dropped from the queue: 5 out.
      expect(r.policy.messagesOut).to.equal(5);
    });

    it('drops at sendQueueBytes', () => {
      const r = rig({ onSendQueueFull: 'drop-oldest', sendQueueLimit: 1000, sendQueueBytes: 3 * FRAME_BYTES });
      r.block();
      for (let n = 1; n <= 5; n++) r.policy.send(textCodec, { n });
      expect(r.host.take()).to.deep.equal([
        ['dropped', 'drop-oldest'],
        ['dropped', 'drop-oldest'],
      ]);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, 3, 4, 5]);
    });
  });

  describe("onSendQueueFull: 'backpressure'", () => {
    it('queues past the limit while holding input, then holds input no more once the queue drained', () => {
      const r = rig({ onSendQueueFull: 'backpressure', sendQueueLimit: 4 });
      r.block();
      for (let n = 1; n <= 4; n++) r.policy.send(textCodec, { n });
      expect(r.host.calls).to.deep.equal([]);
      expect(r.policy.send(textCodec, { n: 5 })).to.equal(true);
      expect(r.policy.send(textCodec, { n: 6 })).to.equal(true);
      expect(r.host.take()).to.deep.equal([
        ['hold', true],
        ['hold', true],
      ]);
      r.drain();
      expect(r.host.take()).to.deep.equal([['hold', false]]);
      expect(sentNumbers(r.connection)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });

    it(`closes with queueFull past ${BACKPRESSURE_CAP} times sendQueueLimit, nothing lost before`, () => {
      const limit = 4;
      const r = rig({ onSendQueueFull: 'backpressure', sendQueueLimit: limit });
      r.block();
      let n = 1;
      while (r.policy.send(textCodec, { n })) n++;
      expect(r.policy.queue.length).to.equal(BACKPRESSURE_CAP * limit);
      expect(n).to.equal(BACKPRESSURE_CAP * limit + 1);
      const calls = r.host.take();
      expect(calls.filter((c) => c[0] === 'hold')).to.have.length(BACKPRESSURE_CAP * limit - limit);
      expect(calls.filter((c) => c[0] === 'hold' && !c[1])).to.deep.equal([]);
      const full = calls.filter((c) => c[0] === 'full');
      expect(full).to.have.length(1);
      expect(full[0]![1]).to.be.instanceOf(SendQueueFullError);
    });

    it(`closes with queueFull past ${BACKPRESSURE_CAP} times sendQueueBytes`, () => {
      const r = rig({ onSendQueueFull: 'backpressure', sendQueueLimit: 1000, sendQueueBytes: 2 * FRAME_BYTES });
      r.block();
      let n = 1;
      // One digit each: FRAME_BYTES a message.
      while (r.policy.send(textCodec, { n: n % 10 })) n++;
      expect(r.policy.queue.bytes).to.equal(BACKPRESSURE_CAP * 2 * FRAME_BYTES);
      expect(r.host.calls.filter((c) => c[0] === 'full')).to.have.length(1);
    });
  });

  describe('heartbeats', () => {
    it('keeps at most one pong and one ping waiting however many are asked for', () => {
      const r = rig({ sendQueueLimit: 100 });
      r.block();
      expect(r.policy.control(textCodec, 'pong')).to.equal(true);
      expect(r.policy.control(textCodec, 'ping')).to.equal(true);
      for (let i = 0; i < 1000; i++) {
        expect(r.policy.control(textCodec, 'pong')).to.equal(false);
        expect(r.policy.control(textCodec, 'ping')).to.equal(false);
      }
      expect(r.policy.queue.length).to.equal(2);
      expect(r.policy.messagesOut).to.equal(1);
      expect(r.host.calls).to.deep.equal([]);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, '#pong', '#ping']);
      // Heartbeats are not messages.
      expect(r.policy.messagesOut).to.equal(1);
    });

    it('allows a new one once the previous one left the queue', () => {
      const r = rig({ sendQueueLimit: 100 });
      expect(r.policy.control(textCodec, 'pong')).to.equal(true);
      expect(r.policy.control(textCodec, 'pong')).to.equal(false);
      r.tick();
      expect(r.policy.control(textCodec, 'pong')).to.equal(true);
      r.tick();
      expect(r.connection.written).to.deep.equal(['#pong\n', '#pong\n']);
    });

    it('keeps one waiting behind queued messages until they are written', () => {
      const r = rig({ sendQueueLimit: 100 });
      r.block();
      r.policy.send(textCodec, { n: 1 });
      expect(r.policy.control(binaryCodec, 'pong')).to.equal(true);
      r.policy.send(textCodec, { n: 2 });
      expect(r.policy.control(binaryCodec, 'pong')).to.equal(false);
      r.drain();
      expect(r.policy.control(binaryCodec, 'pong')).to.equal(true);
    });

    it("is not dropped by drop-oldest: with a heartbeat oldest, the new message is refused instead", () => {
      const r = rig({ onSendQueueFull: 'drop-oldest', sendQueueLimit: 2 });
      r.block();
      expect(r.policy.control(textCodec, 'pong')).to.equal(true);
      r.policy.send(textCodec, { n: 1 });
      expect(r.policy.send(textCodec, { n: 2 })).to.equal(false);
      expect(r.host.take()).to.deep.equal([['dropped', 'drop-newest']]);
      // The pong still waits: it answers for this one too.
      expect(r.policy.control(textCodec, 'pong')).to.equal(false);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, '#pong', 1]);
    });

    for (const policy of ['disconnect', 'drop-newest', 'drop-oldest', 'backpressure'] as const) {
      it(`go past the limits under '${policy}' when the queue is full: never dropped, never a reason to close`, () => {
        const r = rig({ onSendQueueFull: policy, sendQueueLimit: 2 });
        r.block();
        r.policy.send(textCodec, { n: 1 });
        r.policy.send(textCodec, { n: 2 });
        expect(r.policy.control(textCodec, 'pong')).to.equal(true);
        expect(r.policy.control(textCodec, 'ping')).to.equal(true);
        expect(r.policy.credit(textCodec, 7, 64)).to.equal(true);
        expect(r.host.take()).to.deep.equal([]);
        expect(r.policy.queue.length).to.equal(5);
        r.drain();
        expect(sentNumbers(r.connection)).to.deep.equal([0, 1, 2, '#pong', '#ping', '#credit 7 64']);
      });
    }

    it("a credit grant is never dropped by drop-oldest: messages behind it are dropped, or the new one refused while it is oldest", () => {
      const r = rig({ onSendQueueFull: 'drop-oldest', sendQueueLimit: 3 });
      r.block();
      r.policy.send(textCodec, { n: 1 });
      expect(r.policy.credit(textCodec, 7, 64)).to.equal(true);
      r.policy.send(textCodec, { n: 2 });
      // Full: message 1 is the oldest and goes; then the grant is the oldest and the new message is refused.
      expect(r.policy.send(textCodec, { n: 3 })).to.equal(true);
      expect(r.policy.send(textCodec, { n: 4 })).to.equal(false);
      expect(r.host.take()).to.deep.equal([
        ['dropped', 'drop-oldest'],
        ['dropped', 'drop-newest'],
      ]);
      r.drain();
      expect(sentNumbers(r.connection)).to.deep.equal([0, '#credit 7 64', 2, 3]);
      // Once the grant has left, drop-oldest drops the oldest message again.
      r.refill();
      // 5 to 7 fill the socket in one write; 8 to 10 fill the queue; 11 and 12 drop 8 and 9.
      for (let n = 5; n <= 12; n++) r.policy.send(textCodec, { n });
      expect(r.host.take().filter((c) => c[0] === 'dropped')).to.deep.equal([
        ['dropped', 'drop-oldest'],
        ['dropped', 'drop-oldest'],
      ]);
      r.drain();
      expect(sentNumbers(r.connection).slice(4)).to.deep.equal([5, 6, 7, 10, 11, 12]);
    });

    it('past the hard cap, close the connection (the peer is not reading at all)', () => {
      const r = rig({ onSendQueueFull: 'drop-newest', sendQueueLimit: 2 });
      r.block();
      let queued = 0;
      while (r.policy.credit(textCodec, 1, 1)) queued++;
      expect(queued).to.equal(BACKPRESSURE_CAP * 2);
      expect(r.host.calls.map((c) => c[0])).to.deep.equal(['full']);
    });

    it('a peer that pings and never reads makes the queue hold one pong', () => {
      const r = rig({ onSendQueueFull: 'disconnect', sendQueueLimit: 4 });
      r.block();
      for (let i = 0; i < 100_000; i++) r.policy.control(textCodec, 'pong');
      expect(r.policy.queue.length).to.equal(1);
      expect(r.host.calls).to.deep.equal([]);
    });
  });
});

/** A message whose encoded payload under `codec` is exactly `bytes` bytes. */
function exactly(codec: Codec, bytes: number): { s: string } {
  // The string's own header may grow with its length (MessagePack): search downwards.
  for (let n = bytes; n >= 0; n--) {
    const message = { s: 'x'.repeat(n) };
    if (codec.byteLength(codec.encodePayload(message)) === bytes) return message;
  }
  throw new Error(`no message of ${bytes} bytes`);
}
