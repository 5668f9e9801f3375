import { expect } from 'chai';
import fc from 'fast-check';
import { binaryCodec, textCodec } from '@rxmsg/core';
import { FakeConnection } from '@rxmsg/test-utils';
import { WireLink, type WireEvent } from '../src/wire-link';

function open(codec = textCodec, max = 1024, framing: 'stream' | 'message' = 'stream') {
  const connection = new FakeConnection();
  connection.framing = framing;
  const link = new WireLink(connection, codec, max);
  const events: WireEvent[] = [];
  let done: 'complete' | unknown;
  const subscription = link.events$.subscribe({ next: (e) => events.push(e), complete: () => (done = 'complete'), error: (e: unknown) => (done = e) });
  return { connection, link, events, subscription, done: () => done };
}

describe('WireLink', () => {
  it('decodes JSON lines split anywhere (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean()), { maxKeys: 4 }), { maxLength: 8 }), fc.nat(), (values, seed) => {
        const { connection, events, subscription } = open();
        const bytes = new TextEncoder().encode(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
        const cut = bytes.length === 0 ? 0 : seed % bytes.length;
        connection.receive(bytes.subarray(0, cut));
        connection.receive(bytes.subarray(cut));
        subscription.unsubscribe();
        expect(events.map((e) => (e.type === 'message' ? e.value : e.type))).to.deep.equal(values);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes length-prefixed MessagePack and encodes what it sends with the same codec', () => {
    const { connection, link, events, subscription } = open(binaryCodec);
    connection.receive(binaryCodec.encodeFrame({ t: 'X', list: [1, 2] }) as Uint8Array);
    expect(events).to.deep.equal([{ type: 'message', value: { t: 'X', list: [1, 2] } }]);
    link.send({ a: 1 });
    expect(binaryCodec.decode((connection.written[0] as Uint8Array).subarray(4))).to.deep.equal({ a: 1 });
    subscription.unsubscribe();
  });

  it('sends one payload per message on message transports (WebSocket)', () => {
    const { connection, link, events, subscription } = open(textCodec, 1024, 'message');
    connection.receive('{"a":1}');
    link.send({ b: 2 });
    expect(events).to.deep.equal([{ type: 'message', value: { a: 1 } }]);
    expect(connection.text()).to.equal('{"b":2}');
    subscription.unsubscribe();
  });

  it('answers heartbeat pings itself and shows no control frame', () => {
    const { connection, events, subscription } = open();
    connection.receive(textCodec.controlFrame('ping', true) as string);
    expect(events).to.deep.equal([]);
    expect(connection.text()).to.equal(textCodec.controlFrame('pong', true));
    subscription.unsubscribe();
  });

  it('reports a malformed payload and goes on with the next', () => {
    const { connection, events, subscription } = open();
    connection.receive('nope\n{"ok":1}\n');
    expect(events.map((e) => (e.type === 'malformed' ? e.error.code : e))).to.deep.equal(['MESSAGE_MALFORMED', { type: 'message', value: { ok: 1 } }]);
    subscription.unsubscribe();
  });

  it('holds at most maxFrameBytes of a peer that floods one endless frame', () => {
    const { connection, events, subscription } = open(textCodec, 256);
    const chunk = 'x'.repeat(100);
    for (let i = 0; i < 1_000; i++) connection.receive(chunk); // 100 KB, no newline
    expect(events.some((e) => e.type === 'malformed' && e.error.code === 'FRAME_TOO_LARGE')).to.equal(true);
    connection.receive('\n{"after":true}\n');
    expect(events.at(-1)).to.deep.equal({ type: 'message', value: { after: true } });
    subscription.unsubscribe();
  });

  it('completes when the connection closes and destroys it once on unsubscribe', () => {
    const a = open();
    a.connection.destroy();
    expect(a.done()).to.equal('complete');
    const b = open();
    b.subscription.unsubscribe();
    b.subscription.unsubscribe();
    expect(b.connection.closed).to.equal(true);
  });
});
