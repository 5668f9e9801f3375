import { expect } from 'chai';
import { EMPTY, NEVER, map } from 'rxjs';
import { z } from 'zod';
import {
  SERVER_CONFIG_DEFAULTS,
  binaryCodec,
  defineProtocol,
  textCodec,
  type AnyProtocol,
  type Codec,
  type DecodeErrorPolicy,
  type Processor,
} from '@rxmsg/core';
import { type ConnectionEvent, type Router } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection, eventually } from '@rxmsg/test-utils';

/** A server session on a fake connection, with the engine's events recorded. */
function session<State>(
  protocol: AnyProtocol,
  processor: Processor<unknown, unknown, State>,
  options: { policy?: DecodeErrorPolicy; router?: Router<State>; state?: State } = {},
) {
  const connection = new FakeConnection();
  const events: ConnectionEvent[] = [];
  const s = new Session<State>({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: { ...SERVER_CONFIG_DEFAULTS, onDecodeError: options.policy ?? 'ignore' },
    state: options.state ?? ({} as State),
    stages: new Map([['main', { side: 'server' as const, protocol, processor }]]),
    router: options.router ?? ((_s, _p, previous) => (previous === null ? 'main' : null)),
    emit: (e) => events.push(e),
    onClosed: () => {},
  });
  s.start();
  const ofType = <T extends ConnectionEvent['type']>(type: T) => events.filter((e): e is Extract<ConnectionEvent, { type: T }> => e.type === type);
  return { connection, events, session: s, ofType };
}

const echo: Processor<unknown, unknown, unknown> = (in$) => in$.pipe(map(() => ({ kind: 'Ok' }) as const));

/** The JSON-in-a-string idiom: a transform that throws on bad JSON instead of reporting an issue. */
const Json = defineProtocol({
  name: 'json',
  tag: 'kind',
  client: { Doc: z.object({ body: z.string().transform((s): unknown => JSON.parse(s)) }) },
  server: { Ok: z.object({}), Oops: z.object({ code: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Oops', code: e.code }) },
});

/** A codec that fails like user code does: plain `Error`s, not DecodeErrors. */
function throwingCodec(base: Codec, fail: { decode?: boolean; controlOf?: boolean; encode?: boolean }): Codec {
  return {
    ...base,
    createFramer: (max) => base.createFramer(max),
    encodeFrame: (m) => {
      if (fail.encode === true) throw new Error('encoder exploded');
      return base.encodeFrame(m);
    },
    encodePayload: (m) => base.encodePayload(m),
    decode: (p) => {
      if (fail.decode === true) throw new Error('decoder exploded');
      return base.decode(p);
    },
    byteLength: (c) => base.byteLength(c),
    controlFrame: (k, f) => base.controlFrame(k, f),
    controlOf: (p) => {
      if (fail.controlOf === true) throw new TypeError('controlOf exploded');
      return base.controlOf(p);
    },
  };
}

const withCodec = (codec: Codec, extra: { errorReply?: () => never; goingAway?: () => never } = {}) =>
  defineProtocol({
    name: 'custom',
    tag: 'kind',
    codec,
    client: { Ping: z.object({ n: z.number() }) },
    server: { Ok: z.object({}), Bye: z.object({}) },
    ...(extra.errorReply === undefined ? {} : { errorReplies: { server: extra.errorReply } }),
    ...(extra.goingAway === undefined ? {} : { goingAway: { server: extra.goingAway } }),
  });

const PING = '{"kind":"Ping","n":1}\n';

describe('Session: user code that throws is contained to its connection', () => {
  it('a schema transform that throws is a MESSAGE_INVALID decode error under the policy; the next message is served', () => {
    const s = session(Json, echo, { policy: 'reply' });
    expect(() => s.connection.receive('{"kind":"Doc","body":"{not json"}\n{"kind":"Doc","body":"{}"}\n')).not.to.throw();
    const errors = s.ofType('decode-error');
    expect(errors.map((e) => [e.error.code, e.action])).to.deep.equal([['MESSAGE_INVALID', 'reply']]);
    expect(errors[0]!.error.message).to.match(/schema threw/);
    expect(errors[0]!.error.cause).to.be.instanceOf(SyntaxError);
    expect(s.connection.text()).to.equal('{"kind":"Oops","code":"MESSAGE_INVALID"}\n{"kind":"Ok"}\n');
    expect(s.session.closing).to.equal(false);
  });

  for (const policy of ['ignore', 'disconnect'] as const) {
    it(`a codec whose decode throws a plain Error is a MESSAGE_MALFORMED decode error under '${policy}'`, () => {
      const s = session(withCodec(throwingCodec(textCodec, { decode: true })), echo, { policy });
      expect(() => s.connection.receive(PING)).not.to.throw();
      const errors = s.ofType('decode-error');
      expect(errors.map((e) => [e.error.code, e.action])).to.deep.equal([['MESSAGE_MALFORMED', policy]]);
      expect(errors[0]!.error.message).to.match(/decoder exploded/);
      expect(s.session.closing).to.equal(policy === 'disconnect');
    });
  }

  it('a codec whose controlOf throws ends the connection with a processor-error', () => {
    const s = session(withCodec(throwingCodec(binaryCodec, { controlOf: true })), echo);
    expect(() => s.connection.receive(Uint8Array.of(0, 0, 0, 1, 0x80))).not.to.throw();
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['input handling failed: controlOf exploded']);
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
  });

  it('a codec whose encoder throws ends the connection with a processor-error', () => {
    const s = session(withCodec(throwingCodec(textCodec, { encode: true })), echo);
    expect(() => s.connection.receive(PING)).not.to.throw();
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['encoding failed: encoder exploded']);
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
  });

  it('an error-reply builder that throws ends the connection with a processor-error, not the process', () => {
    const protocol = withCodec(textCodec, {
      errorReply: () => {
        throw new Error('reply builder exploded');
      },
    });
    const s = session(protocol, echo, { policy: 'reply' });
    expect(() => s.connection.receive('{"kind":"Nope"}\n')).not.to.throw();
    expect(s.ofType('decode-error').map((e) => e.error.code)).to.deep.equal(['MESSAGE_UNKNOWN']);
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['the error reply builder failed: reply builder exploded']);
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
  });

  it('a going-away builder that throws is reported, and the shutdown still closes the connection', async () => {
    const protocol = withCodec(textCodec, {
      goingAway: () => {
        throw new Error('going-away exploded');
      },
    });
    const s = session(protocol, () => NEVER);
    expect(() => s.session.close('shutdown', undefined, 50)).not.to.throw();
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['the going-away builder failed: going-away exploded']);
    // The processor sees the end of its input; NEVER does not complete, so the deadline destroys it.
    await eventually(() => s.ofType('disconnected').length > 0, 2000, 'disconnected');
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['shutdown']);
  });

  describe("a codec's own framer is user code too", () => {
    /** The text codec with a framer whose `method` throws once `when` says so. */
    function framerThrowing(method: 'push' | 'bufferedBytes' | 'end', when: (buffered: number) => boolean = () => true): Codec {
      return {
        ...textCodec,
        createFramer: (max) => {
          const inner = textCodec.createFramer(max);
          return {
            push: (chunk) => {
              if (method === 'push' && when(inner.bufferedBytes)) throw new Error('push exploded');
              inner.push(chunk);
            },
            next: () => inner.next(),
            end: () => {
              if (method === 'end') throw new Error('end exploded');
              return inner.end();
            },
            takeRemainder: () => inner.takeRemainder(),
            get bufferedBytes() {
              if (method === 'bufferedBytes' && when(inner.bufferedBytes)) throw new Error('bufferedBytes exploded');
              return inner.bufferedBytes;
            },
          };
        },
      };
    }

    it('push that throws ends the connection with a processor-error', () => {
      const s = session(withCodec(framerThrowing('push')), echo);
      expect(() => s.connection.receive(PING)).not.to.throw();
      expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['input handling failed: push exploded']);
      expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
    });

    it('a bufferedBytes getter that throws ends the connection with a processor-error', () => {
      const s = session(withCodec(framerThrowing('bufferedBytes', (held) => held > 3)), echo);
      expect(() => s.connection.receive('{"kind":"Pi')).not.to.throw();
      expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['input handling failed: bufferedBytes exploded']);
      expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
    });

    it('end that throws when the transport closes under a partial frame is reported, not thrown from the close handler', () => {
      const s = session(withCodec(framerThrowing('end')), echo);
      s.connection.receive('{"kind":"Pi');
      expect(() => s.connection.destroy()).not.to.throw();
      expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['input handling failed: end exploded']);
      expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['remote-closed']);
    });

    it('end that throws while the session closes after the end of input is reported, and the close goes on', () => {
      // A processor that never reads its input: the end of input is only taken when the session closes.
      const s = session(withCodec(framerThrowing('end')), () => NEVER);
      s.connection.receive('{"kind":"Pi');
      s.session.onEnd();
      expect(() => s.session.close('shutdown')).not.to.throw();
      expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['input handling failed: end exploded']);
      expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['shutdown']);
    });
  });

  it('a router that throws ends the connection with a processor-error', () => {
    const s = session(withCodec(textCodec), () => EMPTY, {
      router: (_s, _p, previous) => {
        if (previous === null) return 'main';
        throw new Error('router exploded');
      },
    });
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['routing failed: router exploded']);
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
  });

  it('a processor that throws while building its stream ends the connection with a processor-error', () => {
    const s = session(withCodec(textCodec), () => {
      throw new Error('processor exploded');
    });
    expect(s.ofType('processor-error').map((e) => e.error.message)).to.deep.equal(['processor failed: processor exploded']);
    expect(s.ofType('disconnected').map((e) => e.reason)).to.deep.equal(['processor-error']);
  });
});
