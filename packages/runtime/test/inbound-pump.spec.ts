import { expect } from 'chai';
import fc from 'fast-check';
import { EMPTY, Subscription, asyncScheduler, type Observer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import {
  DecodeError,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidMessageError,
  MalformedMessageError,
  SERVER_CONFIG_DEFAULTS,
  UnknownMessageError,
  defineProtocol,
  textCodec,
  type Codec,
  type ControlKind,
  type Credit,
  type FrameResult,
  type Framer,
  type RateLimitPolicy,
} from '@rxmsg/core';
import { ActiveStage, type StageHost } from '../src/active-stage';
import type { PauseCause } from '../src/events';
import { InboundPump, type InboundHost } from '../src/inbound-pump';
import { InputGate, type InputGateHost } from '../src/input-gate';
import type { Stage } from '../src/stage';

type State = { readonly name: string };

const schemas = {
  client: {
    Ping: z.object({ n: z.number() }),
    Json: z.object({
      s: z.string().transform((s) => {
        if (s === 'boom') throw new Error('transform failed');
        return s.toUpperCase();
      }),
    }),
  },
  server: { Pong: z.object({ n: z.number() }) },
};

function protocol(codec: Codec = textCodec) {
  return defineProtocol({ name: 'echo', tag: 'kind', codec, ...schemas });
}

type InboundCall =
  | readonly ['control', ControlKind]
  | readonly ['credit', Credit]
  | readonly ['decode-failed', DecodeError]
  | readonly ['message', unknown]
  | readonly ['remote-end']
  | readonly ['input-failed', unknown];

/** The session's side of the pump: records each call; `stage` is what `receivingStage()` gives. */
class RecordingInboundHost implements InboundHost<State> {
  readonly calls: InboundCall[] = [];
  stage: ActiveStage<State> | undefined;

  receivingStage(): ActiveStage<State> | undefined {
    return this.stage;
  }

  controlIn(stage: ActiveStage<State>, kind: ControlKind): void {
    expect(stage).to.equal(this.stage);
    this.calls.push(['control', kind]);
  }

  creditIn(stage: ActiveStage<State>, credit: Credit): void {
    expect(stage).to.equal(this.stage);
    this.calls.push(['credit', credit]);
  }

  decodeFailed(stage: ActiveStage<State>, error: DecodeError): void {
    expect(stage).to.equal(this.stage);
    this.calls.push(['decode-failed', error]);
  }

  messageIn(message: unknown): void {
    this.calls.push(['message', message]);
  }

  remoteEndDelivered(): void {
    this.calls.push(['remote-end']);
  }

  inputFailed(stage: ActiveStage<State>, error: unknown): void {
    expect(stage).to.equal(this.stage);
    this.calls.push(['input-failed', error]);
  }

  /** The calls of one kind, without their tag. */
  of<K extends InboundCall[0]>(kind: K): Extract<InboundCall, readonly [K, ...unknown[]]>[] {
    return this.calls.filter((c): c is Extract<InboundCall, readonly [K, ...unknown[]]> => c[0] === kind);
  }
}

type GateCall = readonly ['pause'] | readonly ['resume'] | readonly ['flow', PauseCause, boolean] | readonly ['over-rate', boolean];

/** The session's side of the gate: records; `inputReady` schedules the pump, as the session does. */
class RecordingGateHost implements InputGateHost {
  readonly calls: GateCall[] = [];
  pump: InboundPump<State> | undefined;

  pauseInput(): void {
    this.calls.push(['pause']);
  }

  resumeInput(): void {
    this.calls.push(['resume']);
  }

  flowChanged(cause: Exclude<PauseCause, 'frame-buffer'>, paused: boolean): void {
    this.calls.push(['flow', cause, paused]);
  }

  inputReady(): void {
    this.pump?.schedule();
  }

  overRate(disconnect: boolean): void {
    this.calls.push(['over-rate', disconnect]);
  }
}

/** The session's side of the stage, reduced to what input needs: late subscribers and acknowledgements. */
class MinimalStageHost implements StageHost<State> {
  pump: InboundPump<State> | undefined;
  gate: InputGate | undefined;

  readonly peerInfo = { id: 1, remoteAddress: 'test', listener: 'test', listenerContext: undefined, state: {} as State };

  constructor(private readonly receiveQueueLimit: number) {}

  sendFrom(): boolean {
    return false;
  }

  inputAttached(): void {
    this.pump?.schedule();
  }

  inputAcknowledged(stage: ActiveStage<State>): void {
    if (stage.unacked < this.receiveQueueLimit) this.gate?.set('receive-queue', false);
  }

  outputFailed(): void {}

  outputCompleted(): void {}

  close(): void {}

  flushAndClose(): Promise<number> {
    return Promise.resolve(0);
  }

  cancelAndClose(): void {}

  writable(): boolean {
    return false;
  }

  canSend(): boolean {
    return false;
  }

  awaitRoom(): void {}

  grantFrom(): boolean {
    return false;
  }

  noCredit(): void {}

  cleanupFailed(): void {}

  cork(): void {}

  readonly config = SERVER_CONFIG_DEFAULTS;

  readonly scheduler = asyncScheduler;

  droppedIn(): void {}

  report(): void {}
}

interface RigOptions {
  readonly codec?: Codec;
  readonly framer?: Framer;
  readonly rate?: 'none' | RateLimitPolicy;
  readonly validateFully?: boolean;
  readonly receiveQueueLimit?: number;
  readonly maxFrameBytes?: number;
  readonly maxBufferedBytes?: number;
}

/** A pump over a real stage and gate, on virtual time (its `soon` is the scheduler's). */
function rig(options: RigOptions = {}) {
  const s = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  s.maxFrames = Infinity;
  const receiveQueueLimit = options.receiveQueueLimit ?? 100;
  const host = new RecordingInboundHost();
  const gateHost = new RecordingGateHost();
  const stageHost = new MinimalStageHost(receiveQueueLimit);
  const gate = new InputGate(gateHost, options.rate ?? 'none', s);
  const soonCalls: number[] = [];
  const pump = new InboundPump<State>(host, gate, {
    validateFully: options.validateFully ?? true,
    receiveQueueLimit,
    maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20,
    soon: (work) => {
      soonCalls.push(s.now());
      s.schedule(work);
    },
  });
  gateHost.pump = stageHost.pump = pump;
  stageHost.gate = gate;
  const codec = options.codec ?? textCodec;
  const spec: Stage<'server', State> = { side: 'server', protocol: protocol(codec), processor: () => EMPTY };
  const framer = options.framer ?? codec.createFramer(options.maxFrameBytes ?? 1024);
  const stage = new ActiveStage<State>(stageHost, { id: 1, remoteAddress: 'fake:remote', listener: 'fake:listener', listenerContext: undefined, state: { name: 'x' } }, 'echo', spec, framer, 'server');
  host.stage = stage;
  const received: unknown[] = [];
  let completed = false;
  return {
    s,
    host,
    gateHost,
    gate,
    pump,
    stage,
    framer,
    soonCalls,
    received,
    completed: () => completed,
    /** Bytes arrive, as `Session.onData` pushes them. */
    push(text: string): void {
      framer.push(new TextEncoder().encode(text));
    },
    subscribe(): Subscription {
      return stage.messages$.subscribe({ next: (m) => received.push(m), complete: () => (completed = true) });
    },
  };
}

const ping = (n: number): string => `{"kind":"Ping","n":${n}}\n`;

/** An observer that rxjs uses as it is (a Subscription with the observer methods), so that what its `next` throws reaches the caller. */
class ThrowingObserver extends Subscription implements Observer<unknown> {
  constructor(private readonly error0: Error) {
    super();
  }

  next(): void {
    throw this.error0;
  }

  error(): void {}

  complete(): void {}
}

describe('InboundPump', () => {
  describe('delivery', () => {
    it('delivers the frames of a chunk in order and reports each message to the host', () => {
      const r = rig();
      r.subscribe();
      r.push(ping(1) + ping(2) + ping(3));
      r.pump.pump();
      expect(r.received).to.deep.equal([1, 2, 3].map((n) => ({ kind: 'Ping', n })));
      expect(r.host.calls).to.deep.equal([1, 2, 3].map((n) => ['message', { kind: 'Ping', n }]));
      expect(r.pump.messagesIn).to.equal(3);
    });

    it('delivers each message to every subscriber', () => {
      const r = rig();
      const other: unknown[] = [];
      r.subscribe();
      r.stage.messages$.subscribe((m) => other.push(m));
      r.push(ping(1) + ping(2));
      r.pump.pump();
      expect(other).to.deep.equal(r.received);
      expect(other).to.have.length(2);
      expect(r.pump.messagesIn).to.equal(2);
    });

    it('keeps input buffered while the stage has no subscriber, and delivers it at the end of the tick one subscribes', () => {
      const r = rig();
      r.push(ping(1) + ping(2));
      r.pump.pump();
      expect(r.host.calls).to.deep.equal([]);
      r.s.schedule(() => r.subscribe(), 10);
      r.s.flush();
      expect(r.received).to.have.length(2);
      expect(r.soonCalls).to.deep.equal([10]);
    });

    it('skips subscribers that unsubscribed', () => {
      const r = rig();
      const sub = r.subscribe();
      r.push(ping(1));
      r.pump.pump();
      sub.unsubscribe();
      r.push(ping(2));
      r.pump.pump();
      expect(r.received).to.have.length(1);
      expect(r.framer.bufferedBytes).to.be.greaterThan(0);
    });

    it('takes nothing when there is no receiving stage, or the stage ended', () => {
      const r = rig();
      r.subscribe();
      r.push(ping(1));
      const stage = r.host.stage;
      r.host.stage = undefined;
      r.pump.pump();
      r.host.stage = stage;
      r.stage.ended = true;
      r.pump.pump();
      expect(r.received).to.deep.equal([]);
      expect(r.host.calls).to.deep.equal([]);
    });

    it('takes nothing while the gate holds input, and resumes when the hold ends', () => {
      const r = rig();
      r.subscribe();
      r.gate.set('send-queue', true);
      r.push(ping(1) + ping(2));
      r.pump.pump();
      expect(r.received).to.deep.equal([]);
      r.gate.set('send-queue', false);
      r.s.flush();
      expect(r.received).to.have.length(2);
    });

    it('schedules one pump per tick however often it is asked', () => {
      const r = rig();
      r.subscribe();
      r.pump.schedule();
      r.pump.schedule();
      r.pump.schedule();
      r.s.flush();
      r.pump.schedule();
      r.s.flush();
      // One for the subscriber that attached (at once), none for the two asked for within that tick, one after.
      expect(r.soonCalls).to.deep.equal([0, 0]);
    });

    it('does nothing when called from inside a delivery (re-entrancy), and delivers the rest in order', () => {
      const r = rig();
      const nested: number[] = [];
      r.stage.messages$.subscribe((m) => {
        r.received.push(m);
        const before = r.received.length;
        r.pump.pump();
        nested.push(r.received.length - before);
      });
      r.push(ping(1) + ping(2) + ping(3));
      r.pump.pump();
      expect(r.received).to.deep.equal([1, 2, 3].map((n) => ({ kind: 'Ping', n })));
      expect(nested).to.deep.equal([0, 0, 0]);
    });
  });

  describe('decode errors', () => {
    const cases: readonly { readonly line: string; readonly error: new (...args: never[]) => DecodeError; readonly code: string }[] = [
      { line: 'not json', error: MalformedMessageError, code: 'MESSAGE_MALFORMED' },
      { line: '[1,2]', error: MalformedMessageError, code: 'MESSAGE_MALFORMED' },
      { line: '{"n":1}', error: UnknownMessageError, code: 'MESSAGE_UNKNOWN' },
      { line: '{"kind":"Nope"}', error: UnknownMessageError, code: 'MESSAGE_UNKNOWN' },
      { line: '{"kind":"Ping","n":"one"}', error: InvalidMessageError, code: 'MESSAGE_INVALID' },
      { line: '{"kind":"Json","s":"boom"}', error: InvalidMessageError, code: 'MESSAGE_INVALID' },
      { line: '{"kind":"Ping","n":' + '1'.repeat(100) + '}', error: FrameTooLargeError, code: 'FRAME_TOO_LARGE' },
    ];
    for (const { line, error, code } of cases) {
      it(`reports ${code} for ${line.length > 40 ? 'a line over maxFrameBytes' : line} and goes on with the next frame`, () => {
        const r = rig({ maxFrameBytes: 64 });
        r.subscribe();
        r.push(`${line}\n${ping(1)}`);
        expect(() => r.pump.pump()).not.to.throw();
        const failed = r.host.of('decode-failed');
        expect(failed).to.have.length(1);
        expect(failed[0]![1]).to.be.instanceOf(error).with.property('code', code);
        expect(r.received).to.deep.equal([{ kind: 'Ping', n: 1 }]);
        expect(r.pump.messagesIn).to.equal(1);
      });
    }

    it('reports a schema transform that throws as MESSAGE_INVALID with the thrown error as cause', () => {
      const r = rig();
      r.subscribe();
      r.push('{"kind":"Json","s":"boom"}\n{"kind":"Json","s":"ok"}\n');
      r.pump.pump();
      const failed = r.host.of('decode-failed');
      expect(failed).to.have.length(1);
      const error = failed[0]![1];
      expect(error).to.be.instanceOf(InvalidMessageError);
      expect(error.cause).to.be.instanceOf(Error).with.property('message', 'transform failed');
      expect(r.received).to.deep.equal([{ kind: 'Json', s: 'OK' }]);
    });

    it('checks only the tag when not validating fully', () => {
      const r = rig({ validateFully: false });
      r.subscribe();
      r.push('{"kind":"Ping","n":"one"}\n{"kind":"Nope"}\n');
      r.pump.pump();
      expect(r.received).to.deep.equal([{ kind: 'Ping', n: 'one' }]);
      expect(r.host.of('decode-failed').map((c) => c[1].code)).to.deep.equal(['MESSAGE_UNKNOWN']);
    });

    it('turns a codec that throws a plain Error into MESSAGE_MALFORMED with the error as cause', () => {
      const thrown = new TypeError('codec bug');
      const fragile: Codec = {
        ...textCodec,
        name: 'fragile',
        decode: () => {
          throw thrown;
        },
      };
      const r = rig({ codec: fragile });
      r.subscribe();
      r.push(ping(1) + ping(2));
      expect(() => r.pump.pump()).not.to.throw();
      const failed = r.host.of('decode-failed');
      expect(failed).to.have.length(2);
      expect(failed[0]![1]).to.be.instanceOf(MalformedMessageError);
      expect(failed[0]![1].cause).to.equal(thrown);
      expect(r.host.of('input-failed')).to.deep.equal([]);
    });

    it('passes on a DecodeError the codec throws as it is', () => {
      const thrown = new MalformedMessageError('custom');
      const strict: Codec = {
        ...textCodec,
        decode: () => {
          throw thrown;
        },
      };
      const r = rig({ codec: strict });
      r.subscribe();
      r.push(ping(1));
      r.pump.pump();
      expect(r.host.of('decode-failed').map((c) => c[1])).to.deep.equal([thrown]);
    });
  });

  describe('heartbeats', () => {
    it('hands heartbeats to the host, never to subscribers', () => {
      const r = rig();
      r.subscribe();
      r.push('#ping\n' + ping(1) + '#pong\n');
      r.pump.pump();
      expect(r.host.calls).to.deep.equal([
        ['control', 'ping'],
        ['message', { kind: 'Ping', n: 1 }],
        ['control', 'pong'],
      ]);
      expect(r.received).to.deep.equal([{ kind: 'Ping', n: 1 }]);
      expect(r.pump.messagesIn).to.equal(1);
    });

    it('counts heartbeats against the rate limit', () => {
      const r = rig({ rate: { messagesPerSecond: 1, burst: 2, onExceed: 'drop' } });
      r.subscribe();
      r.push('#ping\n#ping\n' + ping(1) + '#ping\n');
      r.s.run(() => r.pump.pump());
      expect(r.host.calls).to.deep.equal([
        ['control', 'ping'],
        ['control', 'ping'],
      ]);
      expect(r.gateHost.calls).to.deep.equal([
        ['over-rate', false],
        ['over-rate', false],
      ]);
      expect(r.received).to.deep.equal([]);
    });
  });

  describe('rate limit', () => {
    it("under 'disconnect' reports the frame over the rate and drops it", () => {
      const r = rig({ rate: { messagesPerSecond: 1, burst: 1, onExceed: 'disconnect' } });
      r.subscribe();
      r.push(ping(1) + ping(2));
      r.s.run(() => r.pump.pump());
      expect(r.received).to.deep.equal([{ kind: 'Ping', n: 1 }]);
      expect(r.gateHost.calls).to.deep.equal([['over-rate', true]]);
    });

    it("under 'pause' takes one frame per token, resuming when the token comes", () => {
      const r = rig({ rate: { messagesPerSecond: 10, burst: 1, onExceed: 'pause' } });
      const at: number[] = [];
      r.stage.messages$.subscribe(() => at.push(r.s.now()));
      r.push(ping(1) + ping(2) + ping(3));
      r.s.flush();
      expect(at).to.deep.equal([0, 100, 200]);
      expect(r.gate.timers).to.equal(0);
      expect(r.gate.paused).to.equal(false);
    });
  });

  describe('user code that throws', () => {
    it('reports an exception thrown by a subscriber to inputFailed, never out of pump()', () => {
      const r = rig();
      const thrown = new Error('subscriber bug');
      r.stage.messages$.subscribe(new ThrowingObserver(thrown));
      r.push(ping(1) + ping(2));
      expect(() => r.pump.pump()).not.to.throw();
      expect(r.host.calls).to.deep.equal([['input-failed', thrown]]);
      expect(r.pump.messagesIn).to.equal(1);
    });

    it('reports an exception thrown by a framer to inputFailed, and pumps again afterwards', () => {
      const thrown = new Error('framer bug');
      let fail = true;
      const inner = textCodec.createFramer(1024);
      const framer: Framer = {
        push: (chunk) => inner.push(chunk),
        next: (): FrameResult => {
          if (fail) throw thrown;
          return inner.next();
        },
        end: () => inner.end(),
        takeRemainder: () => inner.takeRemainder(),
        get bufferedBytes() {
          return inner.bufferedBytes;
        },
      };
      const r = rig({ framer });
      r.subscribe();
      r.push(ping(1));
      expect(() => r.pump.pump()).not.to.throw();
      expect(r.host.calls).to.deep.equal([['input-failed', thrown]]);
      fail = false;
      r.pump.pump();
      expect(r.received).to.deep.equal([{ kind: 'Ping', n: 1 }]);
    });
  });

  describe('receive queue', () => {
    it('pauses at receiveQueueLimit unacknowledged messages and goes on as they are acknowledged', () => {
      const r = rig({ receiveQueueLimit: 2 });
      const got: unknown[] = [];
      const sub = r.stage.messages$.subscribeAcknowledged({ next: (m) => got.push(m) });
      r.push(ping(1) + ping(2) + ping(3) + ping(4));
      r.s.flush();
      expect(got).to.have.length(2);
      expect(r.stage.unacked).to.equal(2);
      expect(r.gateHost.calls).to.deep.equal([['pause'], ['flow', 'receive-queue', true]]);
      expect(r.gate.holding).to.equal(true);
      r.pump.pump();
      expect(got).to.have.length(2);
      sub.ack();
      r.s.flush();
      expect(got).to.have.length(3);
      expect(r.gate.holding).to.equal(true);
      sub.ack();
      sub.ack();
      r.s.flush();
      expect(got).to.have.length(4);
      expect(r.gate.holding).to.equal(false);
      expect(r.gateHost.calls).to.deep.equal([
        ['pause'],
        ['flow', 'receive-queue', true],
        ['resume'],
        ['flow', 'receive-queue', false],
        ['pause'],
        ['flow', 'receive-queue', true],
        ['resume'],
        ['flow', 'receive-queue', false],
      ]);
      sub.unsubscribe();
    });

    it('does not count messages to subscribers that do not acknowledge', () => {
      const r = rig({ receiveQueueLimit: 2 });
      r.subscribe();
      r.push(ping(1) + ping(2) + ping(3));
      r.pump.pump();
      expect(r.received).to.have.length(3);
      expect(r.stage.unacked).to.equal(0);
      expect(r.gateHost.calls).to.deep.equal([]);
    });
  });

  describe('end of input', () => {
    it('reports a frame cut off by the end of input, completes the subscribers and tells the host', () => {
      const r = rig();
      r.subscribe();
      r.push(ping(1) + '{"kind":"Pi');
      r.pump.inputEnded = true;
      r.pump.pump();
      expect(r.received).to.deep.equal([{ kind: 'Ping', n: 1 }]);
      expect(r.completed()).to.equal(true);
      expect(r.stage.inputComplete).to.equal(true);
      const calls = r.host.calls;
      expect(calls.map((c) => c[0])).to.deep.equal(['message', 'decode-failed', 'remote-end']);
      expect(calls[1]![1]).to.be.instanceOf(FrameTruncatedError).with.property('code', 'FRAME_TRUNCATED');
    });

    it('completes without a truncation report when the input ended on a frame boundary', () => {
      const r = rig();
      r.subscribe();
      r.push(ping(1));
      r.pump.inputEnded = true;
      r.pump.pump();
      expect(r.host.calls.map((c) => c[0])).to.deep.equal(['message', 'remote-end']);
      expect(r.completed()).to.equal(true);
    });

    it('completes once, and neither reports truncation nor the remote end when this side ends the input', () => {
      const r = rig();
      r.subscribe();
      r.push('{"kind":"Pi');
      r.pump.completeInput(r.stage);
      r.pump.completeInput(r.stage);
      expect(r.completed()).to.equal(true);
      expect(r.host.calls).to.deep.equal([]);
    });

    it('does not complete a stage that has no subscriber', () => {
      const r = rig();
      r.push(ping(1));
      r.pump.inputEnded = true;
      r.pump.pump();
      expect(r.stage.inputComplete).to.equal(false);
      expect(r.host.calls).to.deep.equal([]);
    });
  });

  describe('frame buffer', () => {
    it('pauses reading (frame-buffer, no flow event) above maxBufferedBytes, and resumes once the bytes are consumed', () => {
      const r = rig({ maxBufferedBytes: 30 });
      r.push(ping(1) + ping(2));
      r.pump.pump();
      expect(r.gateHost.calls).to.deep.equal([['pause']]);
      expect(r.gate.paused).to.equal(true);
      expect(r.gate.holding).to.equal(false);
      r.subscribe();
      r.s.flush();
      expect(r.received).to.have.length(2);
      expect(r.gateHost.calls).to.deep.equal([['pause'], ['resume']]);
      expect(r.gate.paused).to.equal(false);
    });

    it('pauses for a partial frame over the bound while delivering what is complete', () => {
      const r = rig({ maxBufferedBytes: 10 });
      r.subscribe();
      r.push(ping(1) + '{"kind":"Ping","n":');
      r.pump.pump();
      expect(r.received).to.have.length(1);
      expect(r.gateHost.calls).to.deep.equal([['pause']]);
      r.push('2}\n');
      r.pump.pump();
      expect(r.received).to.have.length(2);
      expect(r.gateHost.calls).to.deep.equal([['pause'], ['resume']]);
    });

    it('regulate() does nothing without a receiving stage', () => {
      const r = rig({ maxBufferedBytes: 10 });
      r.push(ping(1));
      r.host.stage = undefined;
      r.pump.regulate();
      expect(r.gateHost.calls).to.deep.equal([]);
    });
  });
});

/** A line of a batch: a valid message, a line that is not JSON, an unknown tag, a heartbeat. */
type BatchLine = 'msg' | 'bad' | 'unknown' | 'ctl';
/** What the first subscriber does when it gets message k of the batch. */
type MidBatchAction = 'none' | 'unsubscribe' | 'close' | 'end' | 'pause' | 'subscribe' | 'switch' | 'throw';

const lineText = (l: BatchLine, i: number): string =>
  l === 'msg' ? `{"kind":"Ping","n":${i}}` : l === 'bad' ? 'not json' : l === 'unknown' ? '{"kind":"Nope"}' : '#ping';

/** The first subscriber: records each message, then acts on message `k` (a Subscription with observer methods: rxjs uses it as it is). */
class ActingObserver extends Subscription implements Observer<unknown> {
  readonly got: number[] = [];
  private seen = 0;

  constructor(
    private readonly k: number,
    private readonly act: () => void,
  ) {
    super();
  }

  next(m: unknown): void {
    this.got.push((m as { n: number }).n);
    if (this.seen++ === this.k) this.act();
  }

  error(): void {}

  complete(): void {}
}

describe('InboundPump: a subscriber acting on message k of a batch (property)', () => {
  /** Where the old one-frame-at-a-time loop sent every line: the model the pump must match. */
  function model(lines: readonly BatchLine[], k: number, action: MidBatchAction, two: boolean) {
    const calls: unknown[] = [];
    const a: number[] = [];
    const b: number[] = [];
    // Subscribers writing to b (one from the start with `two`, one more for each `subscribe`).
    let bOn = two ? 1 : 0;
    let aOn = true;
    let rest: string[] = [];
    let delivered = 0;
    let switched = false;
    let thrown = 0;
    /** With `pause`: the calls made when the pause began (nothing more until it ends). */
    let heldAt: number | undefined;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l === 'bad' || l === 'unknown') calls.push('decode-failed');
      else if (l === 'ctl') calls.push('control');
      else {
        const acting = delivered++ === k ? action : 'none';
        if (aOn) a.push(i);
        if (acting === 'throw') {
          // Reported; this host keeps the stage (a session closes it), so the next pump goes on.
          calls.push('input-failed');
          thrown++;
          continue;
        }
        for (let j = 0; j < bOn; j++) b.push(i);
        calls.push(i);
        if (acting === 'subscribe') bOn++;
        if (acting === 'pause') heldAt = calls.length;
        if (acting === 'unsubscribe') aOn = false;
        const stops = acting === 'close' || acting === 'end' || acting === 'switch' || (acting === 'unsubscribe' && !two);
        if (stops) {
          rest = lines.slice(i + 1).map((x, j) => lineText(x, i + 1 + j));
          switched = acting === 'switch';
          break;
        }
      }
    }
    // The stage switched to reads its own input: two messages.
    if (switched) calls.push(1000, 1001);
    // A message whose delivery threw was counted in before its subscribers were called.
    const messagesIn = calls.filter((x) => typeof x === 'number').length + thrown;
    return { calls, a, b, rest, c: switched ? [1000, 1001] : [], messagesIn, heldAt };
  }

  it('delivers, holds and reports every line where the one-frame-at-a-time loop did', () => {
    const line = fc.constantFrom<BatchLine>('msg', 'msg', 'msg', 'bad', 'unknown', 'ctl');
    const action = fc.constantFrom<MidBatchAction>('none', 'unsubscribe', 'close', 'end', 'pause', 'subscribe', 'switch', 'throw');
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 24 }),
        fc.nat({ max: 20 }),
        action,
        fc.boolean(),
        fc.array(fc.nat({ max: 400 }), { maxLength: 4 }),
        fc.boolean(),
        (lines, k, act, two, cuts, validateFully) => {
          const r = rig({ validateFully });
          const stage = r.stage;
          // The stage a switch moves to: its own framer with two messages, read by its own subscriber.
          const host2 = new MinimalStageHost(100);
          const framer2 = textCodec.createFramer(1024);
          const stage2 = new ActiveStage<State>(host2, { id: 1, remoteAddress: 'r', listener: 'l', listenerContext: undefined, state: { name: 'y' } }, 'echo', stage.spec, framer2, 'server');
          framer2.push(new TextEncoder().encode(ping(1000) + ping(1001)));
          const c: number[] = [];
          stage2.messages$.subscribe((m) => c.push((m as { n: number }).n));
          const b: number[] = [];
          const subscribeB = (): void => void stage.messages$.subscribe((m) => b.push((m as { n: number }).n));
          const a = new ActingObserver(k, () => {
            if (act === 'unsubscribe') a.unsubscribe();
            else if (act === 'close') r.host.stage = undefined;
            else if (act === 'end') stage.ended = true;
            else if (act === 'pause') r.gate.set('receive-queue', true);
            else if (act === 'subscribe') subscribeB();
            else if (act === 'switch') r.host.stage = stage2;
            else if (act === 'throw') throw new Error('subscriber failed');
          });
          stage.messages$.subscribe(a);
          if (two) subscribeB();
          // The batch arrives in chunks cut anywhere, the pump running after each, as Session.onData does.
          const text = lines.map((l, i) => lineText(l, i) + '\n').join('');
          let from = 0;
          for (const cut of [...cuts.map((x) => Math.min(x, text.length)).sort((x, y) => x - y), text.length]) {
            if (cut > from) r.push(text.slice(from, cut));
            from = Math.max(from, cut);
            r.pump.pump();
          }
          r.s.flush();
          const want = model(lines, k, act, two);
          if (act === 'pause' && r.gate.holding) {
            expect(r.host.calls.length).to.equal(want.heldAt);
            r.gate.set('receive-queue', false);
            r.s.flush();
          }
          const calls = r.host.calls.map((call) =>
            call[0] === 'message' ? (call[1] as { n: number }).n : call[0] === 'control' ? 'control' : call[0] === 'decode-failed' ? 'decode-failed' : call[0],
          );
          expect(calls).to.deep.equal(want.calls);
          expect(a.got).to.deep.equal(want.a);
          expect(b).to.deep.equal(want.b);
          expect(c).to.deep.equal(want.c);
          const left: unknown[] = [];
          // A line cut across chunks comes as bytes.
          for (let f = r.framer.next(); f !== undefined; f = r.framer.next()) left.push(f instanceof Uint8Array ? new TextDecoder().decode(f) : f);
          expect(left).to.deep.equal(want.rest);
          expect(r.pump.messagesIn).to.equal(want.messagesIn);
        },
      ),
      { numRuns: 300 },
    );
  });
});
