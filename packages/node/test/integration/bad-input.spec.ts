import { expect } from 'chai';
import {
  DecodeError,
  FrameTooLargeError,
  MAX_SKIP_FACTOR,
  FrameTruncatedError,
  InvalidMessageError,
  MalformedMessageError,
  UnknownMessageError,
  createServer,
  type DecodeErrorCode,
  type DecodeErrorPolicy,
  type ServerEvent,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { BinaryEcho, TextEcho, echo, ofType, pings, pongs, record, type EchoProtocol, type EventLog } from './echo-protocol';
import { WirePeer, frames, lengthPrefix } from './wire-peer';

const MAX = 1024;
const POLICIES: readonly DecodeErrorPolicy[] = ['ignore', 'reply', 'disconnect'];
/** Messages the well-behaved peer sends, in batches interleaved with the attack. */
const GOOD_MESSAGES = 200;
const BATCH = 20;

type DecodeErrorClass<E extends DecodeError = DecodeError> = abstract new (...args: never[]) => E;

/** `error` as an instance of `type`, or a failed assertion. */
function narrow<E extends DecodeError>(error: DecodeError, type: DecodeErrorClass<E>): E {
  expect(error).to.be.instanceOf(type);
  if (!(error instanceof type)) throw new Error('unreachable');
  return error;
}

interface AttackContext {
  readonly attacker: WirePeer;
  readonly policy: DecodeErrorPolicy;
  /** Let the well-behaved peer send its next batch (no-op once all are sent). */
  readonly between: () => Promise<void>;
  /** The attacker's decode-error event; rejects if none arrives in time. */
  readonly decodeError: () => Promise<DecodeError>;
}

interface Attack {
  readonly name: string;
  readonly protocol: EchoProtocol;
  readonly code: DecodeErrorCode;
  readonly errorClass: DecodeErrorClass;
  /**
   * `true` when the stream cannot be resynchronised (a declared length past MAX_SKIP_FACTOR times
   * the limit): whatever the policy, the connection is closed with reason `frame-too-large`.
   */
  readonly fatal?: boolean;
  /** Send the bad input; returns once the decode error was reported. */
  run(ctx: AttackContext): Promise<DecodeError>;
  /** Extra checks on the error. */
  check?(error: DecodeError): void;
}

/** An attack that is one write. */
const writing = (bytes: string | Uint8Array) => async (ctx: AttackContext) => {
  await ctx.attacker.write(bytes);
  return ctx.decodeError();
};

const binaryFrame = (payload: readonly number[]) => Uint8Array.from([...lengthPrefix(payload.length), ...payload]);

/** A frame much larger than MAX, sent in pieces; the error must arrive before the frame ends. */
async function oversized(ctx: AttackContext, head: Uint8Array | string, piece: string, pieces: number, tail: string | Uint8Array) {
  await ctx.attacker.write(head);
  await ctx.attacker.write(piece);
  // Only head + one piece (about 2 * MAX) is on the wire: the server reports without waiting for the end.
  const error = await ctx.decodeError();
  if (ctx.policy !== 'disconnect') {
    for (let i = 1; i < pieces; i++) {
      await ctx.attacker.write(piece);
      await ctx.between();
    }
    await ctx.attacker.write(tail);
  }
  return error;
}

const PIECE = 'x'.repeat(2 * MAX);
const PIECES = 32;
/** A binary frame of MAX_SKIP_FACTOR * MAX bytes, the largest that is skipped, sent in pieces. */
const SKIP_PIECES = 8;
const SKIP_PIECE = 'x'.repeat((MAX_SKIP_FACTOR * MAX) / SKIP_PIECES);

const ATTACKS: readonly Attack[] = [
  {
    name: 'malformed JSON',
    protocol: TextEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing('{"kind":"Ping",\n'),
  },
  {
    name: 'a line that is not UTF-8',
    protocol: TextEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d, 0x0a)),
  },
  {
    name: 'JSON that is not an object',
    protocol: TextEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing('[1,2]\n'),
  },
  {
    name: 'a valid JSON object failing the schema',
    protocol: TextEcho,
    code: 'MESSAGE_INVALID',
    errorClass: InvalidMessageError,
    run: writing('{"kind":"Ping","n":"one"}\n'),
    check: (e) => {
      expect(e).to.have.property('messageName', 'Ping');
      expect(narrow(e, InvalidMessageError).issues.map((i) => i.path)).to.deep.equal([['n']]);
    },
  },
  {
    name: 'an unknown tag',
    protocol: TextEcho,
    code: 'MESSAGE_UNKNOWN',
    errorClass: UnknownMessageError,
    run: writing('{"kind":"Launch","n":1}\n'),
    check: (e) => expect(e).to.have.property('tag', 'Launch'),
  },
  {
    name: 'a line much longer than maxFrameBytes, sent in pieces',
    protocol: TextEcho,
    code: 'FRAME_TOO_LARGE',
    errorClass: FrameTooLargeError,
    run: (ctx) => oversized(ctx, '{"kind":"Ping","n":1,"pad":"', PIECE, PIECES, '"}\n'),
    check: (e) => {
      expect(e).to.have.property('limit', MAX);
      // Reported when the limit was crossed, not when the line ended.
      expect(narrow(e, FrameTooLargeError).size).to.be.above(MAX).and.at.most(PIECE.length + 64);
    },
  },
  {
    name: 'a payload that is not MessagePack',
    protocol: BinaryEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    // A map announcing one entry, cut short inside its frame.
    run: writing(binaryFrame([0x81, 0xa1])),
  },
  {
    name: 'the never-used MessagePack byte 0xc1',
    protocol: BinaryEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing(binaryFrame([0xc1])),
  },
  {
    name: 'an empty frame',
    protocol: BinaryEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing(lengthPrefix(0)),
  },
  {
    name: 'MessagePack that is not a map',
    protocol: BinaryEcho,
    code: 'MESSAGE_MALFORMED',
    errorClass: MalformedMessageError,
    run: writing(binaryFrame([0x2a])),
  },
  {
    name: 'a valid map failing the schema',
    protocol: BinaryEcho,
    code: 'MESSAGE_INVALID',
    errorClass: InvalidMessageError,
    run: writing(frames(BinaryEcho.codec, [{ kind: 'Ping', n: 1.5 }])),
    check: (e) => expect(narrow(e, InvalidMessageError).issues.map((i) => i.path)).to.deep.equal([['n']]),
  },
  {
    name: 'an unknown tag',
    protocol: BinaryEcho,
    code: 'MESSAGE_UNKNOWN',
    errorClass: UnknownMessageError,
    run: writing(frames(BinaryEcho.codec, [{ kind: 'Launch', n: 1 }])),
    check: (e) => expect(e).to.have.property('tag', 'Launch'),
  },
  {
    name: 'a frame larger than maxFrameBytes but within the skip bound, sent in pieces',
    protocol: BinaryEcho,
    code: 'FRAME_TOO_LARGE',
    errorClass: FrameTooLargeError,
    run: (ctx) => oversized(ctx, lengthPrefix(MAX_SKIP_FACTOR * MAX), SKIP_PIECE, SKIP_PIECES, new Uint8Array(0)),
    check: (e) => {
      expect(e).to.have.property('limit', MAX);
      expect(e).to.have.property('size', MAX_SKIP_FACTOR * MAX);
      expect(e).to.have.property('resumable', true);
    },
  },
  {
    name: 'a length prefix of 4 GiB',
    protocol: BinaryEcho,
    code: 'FRAME_TOO_LARGE',
    errorClass: FrameTooLargeError,
    fatal: true,
    run: writing(lengthPrefix(0xffffffff)),
    check: (e) => {
      expect(e).to.have.property('size', 0xffffffff);
      expect(e).to.have.property('limit', MAX);
      expect(e).to.have.property('resumable', false);
    },
  },
  {
    // After a switch to a binary protocol, a JSON line reads as a length prefix of about 2 GB.
    name: 'a JSON line sent to a binary protocol',
    protocol: BinaryEcho,
    code: 'FRAME_TOO_LARGE',
    errorClass: FrameTooLargeError,
    fatal: true,
    run: writing('{"kind":"Ping","n":1}\n'),
    check: (e) => {
      expect(e).to.have.property('size', 0x7b226b69);
      expect(e).to.have.property('resumable', false);
    },
  },
];

interface Arena {
  readonly log: EventLog<ServerEvent>;
  readonly good: WirePeer;
  readonly goodId: number;
  readonly attacker: WirePeer;
  readonly attackerId: number;
  readonly snapshotIds: () => number[];
  /** Send the next batch of the good peer's messages. */
  readonly between: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/** A server with one well-behaved peer and one attacker connected, identified by their peer ids. */
async function arena(protocol: EchoProtocol, policy: DecodeErrorPolicy): Promise<Arena> {
  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol,
    processor: echo,
    config: { maxFrameBytes: MAX, onDecodeError: policy, flushTimeoutMs: 1000 },
  });
  const peers: WirePeer[] = [];
  try {
    const log = record(server.events$);
    const address = server.addresses()[0]!;
    const connectedIds = () => ofType(log.events, 'connected').map((e) => e.peerId);
    const good = await WirePeer.connect(address, protocol.codec);
    peers.push(good);
    await eventually(() => connectedIds().length === 1, 1000, 'good peer connected');
    const attacker = await WirePeer.connect(address, protocol.codec);
    peers.push(attacker);
    await eventually(() => connectedIds().length === 2, 1000, 'attacker connected');
    const [goodId, attackerId] = connectedIds();
    if (goodId === undefined || attackerId === undefined) throw new Error('peers not connected');
    let sent = 0;
    const between = async () => {
      if (sent >= GOOD_MESSAGES) return;
      await good.send(...pings(sent, sent + BATCH));
      sent += BATCH;
    };
    return {
      log,
      good,
      goodId,
      attacker,
      attackerId,
      snapshotIds: () => server.snapshot().connections.map((c) => c.id),
      between,
      close: async () => {
        for (const p of peers) p.destroy();
        await server.close();
      },
    };
  } catch (error) {
    for (const p of peers) p.destroy();
    await server.close();
    throw error;
  }
}

function decodeErrorsOf(log: EventLog<ServerEvent>, peerId: number) {
  return ofType(log.events, 'decode-error').filter((e) => e.peerId === peerId);
}

function disconnectOf(log: EventLog<ServerEvent>, peerId: number) {
  return ofType(log.events, 'disconnected').find((e) => e.peerId === peerId);
}

/** The well-behaved peer finishes its batches and gets every answer, in order. */
async function goodPeerServedInFull(a: Arena): Promise<void> {
  for (let i = 0; i < GOOD_MESSAGES / BATCH; i++) await a.between();
  expect(await a.good.receive(GOOD_MESSAGES)).to.deep.equal(pongs(0, GOOD_MESSAGES));
  expect(decodeErrorsOf(a.log, a.goodId)).to.deep.equal([]);
  expect(disconnectOf(a.log, a.goodId)).to.equal(undefined);
  expect(a.good.closed).to.equal(false);
}

describe('bad input over a real socket', () => {
  for (const attack of ATTACKS) {
    describe(`${attack.protocol.codec.name}: ${attack.name}`, () => {
      for (const policy of POLICIES) {
        it(`onDecodeError '${policy}': reports ${attack.code}, applies the policy, serves the other peer`, async () => {
          const a = await arena(attack.protocol, policy);
          try {
            // Half of the good peer's messages go before the attack, the rest during and after it.
            for (let i = 0; i < GOOD_MESSAGES / BATCH / 2; i++) await a.between();
            const error = await attack.run({
              attacker: a.attacker,
              policy,
              between: a.between,
              decodeError: async () => {
                await eventually(() => decodeErrorsOf(a.log, a.attackerId).length > 0, 2000, 'decode-error event');
                return decodeErrorsOf(a.log, a.attackerId)[0]!.error;
              },
            });
            expect(error).to.be.instanceOf(attack.errorClass);
            expect(error).to.be.instanceOf(DecodeError);
            expect(error.code).to.equal(attack.code);
            attack.check?.(error);
            const reported = decodeErrorsOf(a.log, a.attackerId);
            expect(reported).to.have.length(1);
            const action = attack.fatal === true ? 'disconnect' : policy;
            expect(reported[0]).to.include({ type: 'decode-error', peerId: a.attackerId, action });

            if (action === 'disconnect') {
              await a.attacker.ended;
              await eventually(() => disconnectOf(a.log, a.attackerId) !== undefined, 1000, 'disconnected event');
              expect(disconnectOf(a.log, a.attackerId)).to.deep.include({
                type: 'disconnected',
                peerId: a.attackerId,
                reason: attack.fatal === true ? 'frame-too-large' : 'decode-error',
                error,
              });
              // Under 'reply', a stream that cannot be resynchronised still gets its error reply before the end.
              const oops = policy === 'reply' ? [{ kind: 'Oops', code: attack.code }] : [];
              expect(a.attacker.messages()).to.deep.equal(oops);
            } else {
              const oops = policy === 'reply' ? [{ kind: 'Oops', code: attack.code }] : [];
              await a.attacker.send({ kind: 'Ping', n: 1000 });
              expect(await a.attacker.receive(oops.length + 1)).to.deep.equal([...oops, { kind: 'Pong', n: 1000 }]);
              expect(a.attacker.closed).to.equal(false);
              expect(a.snapshotIds()).to.include(a.attackerId);
              expect(disconnectOf(a.log, a.attackerId)).to.equal(undefined);
            }
            await goodPeerServedInFull(a);
          } finally {
            await a.close();
          }
        });
      }
    });
  }

  for (const protocol of [TextEcho, BinaryEcho]) {
    const half = protocol === TextEcho ? '{"kind":"Ping","n":' : frames(BinaryEcho.codec, [{ kind: 'Ping', n: 7 }]).subarray(0, 6);

    describe(`${protocol.codec.name}: a peer that stops sending mid-frame`, () => {
      for (const policy of POLICIES) {
        it(`half-closes: onDecodeError '${policy}' reports FRAME_TRUNCATED and applies the policy`, async () => {
          const a = await arena(protocol, policy);
          try {
            await a.between();
            await a.attacker.send({ kind: 'Ping', n: 1000 });
            await a.attacker.write(half);
            a.attacker.raw.end();
            await eventually(() => disconnectOf(a.log, a.attackerId) !== undefined, 1000, 'attacker disconnected');
            const reported = decodeErrorsOf(a.log, a.attackerId);
            expect(reported).to.have.length(1);
            expect(reported[0]!.error.code).to.equal('FRAME_TRUNCATED');
            // Bytes of the unfinished frame that were held (a binary frame's length prefix is not counted).
            expect(narrow(reported[0]!.error, FrameTruncatedError).bytes).to.be.within(1, half.length);
            expect(reported[0]!.action).to.equal(policy);
            await a.attacker.ended;
            const oops = policy === 'reply' ? [{ kind: 'Oops', code: 'FRAME_TRUNCATED' }] : [];
            // The complete message before the cut is still answered.
            expect(a.attacker.messages()).to.deep.equal([{ kind: 'Pong', n: 1000 }, ...oops]);
            expect(disconnectOf(a.log, a.attackerId)).to.include({ reason: policy === 'disconnect' ? 'decode-error' : 'completed' });
            await goodPeerServedInFull(a);
          } finally {
            await a.close();
          }
        });
      }

      it('disconnects abruptly: reports FRAME_TRUNCATED and serves the other peer', async () => {
        const a = await arena(protocol, 'ignore');
        try {
          await a.between();
          await a.attacker.write(half);
          await a.between();
          a.attacker.destroy();
          await eventually(() => disconnectOf(a.log, a.attackerId) !== undefined, 1000, 'attacker disconnected');
          const reported = decodeErrorsOf(a.log, a.attackerId);
          expect(reported.map((e) => e.error.code)).to.deep.equal(['FRAME_TRUNCATED']);
          expect(reported[0]!.error).to.be.instanceOf(FrameTruncatedError);
          await goodPeerServedInFull(a);
        } finally {
          await a.close();
        }
      });
    });
  }

  it("onDecodeError 'disconnect': an attacker that ignores the server's FIN is cut off at flushTimeoutMs", async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: TextEcho,
      processor: echo,
      config: { onDecodeError: 'disconnect', flushTimeoutMs: 100 },
    });
    const log = record(server.events$);
    const attacker = await WirePeer.connect(server.addresses()[0]!, TextEcho.codec, { stayOpen: true });
    try {
      const t0 = Date.now();
      await attacker.write('nonsense\n');
      await eventually(() => ofType(log.events, 'disconnected').length > 0, 5000, 'disconnected event');
      // The server waited for the attacker's FIN for flushTimeoutMs (a lower bound only), then destroyed its socket.
      expect(Date.now() - t0).to.be.at.least(90);
      expect(server.snapshot().connections).to.deep.equal([]);
      expect(ofType(log.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['decode-error']);
    } finally {
      attacker.destroy();
      await server.close();
    }
  });
});
