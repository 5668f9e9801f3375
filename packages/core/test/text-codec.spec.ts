import { expect } from 'chai';
import { FrameTooLargeError, LineFramer, MalformedMessageError, textCodec } from '@rxmsg/core';
import { hex } from './support/bytes';

describe('textCodec', () => {
  it('is the text wire format over lines', () => {
    expect(textCodec).to.include({ name: 'text', payloadType: 'text' });
    expect(textCodec.createFramer(64)).to.be.instanceOf(LineFramer);
  });

  describe('encodeFrame: exactly JSON + "\\n"', () => {
    const cases: [string, unknown, string][] = [
      ['a message', { kind: 'Hello', name: 'Ada' }, '{"kind":"Hello","name":"Ada"}\n'],
      ['nested values', { kind: 'M', a: [1, null, true], o: { x: 1.5 } }, '{"kind":"M","a":[1,null,true],"o":{"x":1.5}}\n'],
      ['a \\n inside a string is escaped', { s: 'a\nb\r' }, '{"s":"a\\nb\\r"}\n'],
      ['non-ASCII text is kept as is', { s: 'é€😀' }, '{"s":"é€😀"}\n'],
      ['a lone surrogate is escaped', { s: '\ud800' }, '{"s":"\\ud800"}\n'],
      ['undefined fields are dropped', { a: 1, b: undefined }, '{"a":1}\n'],
    ];
    for (const [name, message, line] of cases) {
      it(name, () => {
        expect(textCodec.encodeFrame(message)).to.equal(line);
        expect(textCodec.encodePayload(message)).to.equal(line.slice(0, -1));
      });
    }

    it('never puts a raw \\n before the terminator', () => {
      const line = textCodec.encodeFrame({ s: '\n\n', t: '\u2028' }) as string;
      expect(line.indexOf('\n')).to.equal(line.length - 1);
    });
  });

  describe('decode from bytes', () => {
    const good: [string, string, unknown][] = [
      ['an object', '7b 22 6b 22 3a 31 7d', { k: 1 }], // {"k":1}
      ['UTF-8 text', '7b 22 73 22 3a 22 c3 a9 f0 9f 98 80 22 7d', { s: 'é😀' }], // {"s":"é😀"}
      ['surrounding whitespace', '20 7b 7d 09', {}], // ' {}\t'
      ['a non-object JSON value (rejected later by the protocol)', '5b 31 5d', [1]], // [1]
    ];
    for (const [name, bytes, value] of good) {
      it(`accepts ${name}`, () => expect(textCodec.decode(hex(bytes))).to.deep.equal(value));
    }

    const bad: [string, string][] = [
      ['a byte that is never UTF-8 (0xff)', '7b 22 73 22 3a 22 ff 22 7d'],
      ['an overlong encoding (0xc0 0xaf)', '22 c0 af 22'],
      ['an encoded surrogate (0xed 0xa0 0x80)', '22 ed a0 80 22'],
      ['a truncated sequence (0xe2 0x82)', '22 e2 82 22'],
      ['a stray continuation byte (0x80)', '22 80 22'],
      ['an empty line', ''],
      ['an unfinished object', '7b 22 6b 22 3a'], // {"k":
      ['a bare word', '6e 6f 70 65'], // nope
      ['two objects on one line', '7b 7d 7b 7d'], // {}{}
      ['a trailing comma', '7b 22 6b 22 3a 31 2c 7d'], // {"k":1,}
      ['single quotes', '7b 27 6b 27 3a 31 7d'], // {'k':1}
    ];
    for (const [name, bytes] of bad) {
      it(`rejects ${name} with MalformedMessageError`, () => {
        expect(() => textCodec.decode(hex(bytes)))
          .to.throw(MalformedMessageError)
          .with.property('code', 'MESSAGE_MALFORMED');
      });
    }

    it('keeps the underlying failure as cause', () => {
      const caught = (bytes: string): unknown => {
        try {
          textCodec.decode(hex(bytes));
        } catch (e) {
          return e;
        }
        return undefined;
      };
      expect(caught('ff')).to.be.instanceOf(MalformedMessageError).with.property('cause').that.is.instanceOf(TypeError);
      expect(caught('7b')).to.be.instanceOf(MalformedMessageError).with.property('cause').that.is.instanceOf(SyntaxError);
    });
  });

  describe('decode from a string payload (WebSocket text frames)', () => {
    it('parses JSON', () => expect(textCodec.decode('{"kind":"Hello"}')).to.deep.equal({ kind: 'Hello' }));
    it('rejects invalid JSON', () => {
      expect(() => textCodec.decode('{"kind"')).to.throw(MalformedMessageError).with.property('code', 'MESSAGE_MALFORMED');
    });
  });

  describe('byteLength', () => {
    const cases: [string, string][] = [
      ['ASCII', '{"a":1}\n'],
      ['2-byte characters', 'é'],
      ['3-byte characters', '€\u2028'],
      ['astral characters (surrogate pairs)', '😀x😀'],
      ['a lone surrogate (encoded as U+FFFD)', 'a\ud800b\udc00'],
    ];
    for (const [name, text] of cases) {
      it(`counts UTF-8 bytes of ${name}`, () => {
        expect(textCodec.byteLength(text)).to.equal(new TextEncoder().encode(text).length);
      });
    }
    it('counts bytes of a Uint8Array', () => expect(textCodec.byteLength(hex('01 02 03'))).to.equal(3));
  });

  it('round-trips what it encodes', () => {
    const message = { kind: 'Say', text: 'line one\nline two', n: -1.25, list: [{ deep: true }] };
    const line = new TextEncoder().encode(textCodec.encodeFrame(message) as string);
    const framer = textCodec.createFramer(1024);
    framer.push(line);
    const payload = framer.next();
    // The text codec's framer decodes a chunk's complete lines at once: the frame is text.
    expect(payload).to.be.a('string');
    expect(textCodec.decode(payload as string)).to.deep.equal(message);
  });

  it('frames a line split across chunks as bytes, which decode to the same message', () => {
    const bytes = new TextEncoder().encode(textCodec.encodeFrame({ kind: 'Say', text: 'héllo' }) as string);
    const framer = textCodec.createFramer(1024);
    framer.push(bytes.subarray(0, 10));
    expect(framer.next()).to.equal(undefined);
    framer.push(bytes.subarray(10));
    const payload = framer.next();
    expect(payload).to.be.instanceOf(Uint8Array);
    expect(textCodec.decode(payload as Uint8Array)).to.deep.equal({ kind: 'Say', text: 'héllo' });
  });

  it('keeps the good lines of a chunk that holds a line of invalid UTF-8, and rejects that line alone', () => {
    const enc = new TextEncoder();
    const chunk = Uint8Array.from([...enc.encode('{"n":1}\n'), 0x7b, 0xff, 0x7d, 0x0a, ...enc.encode('{"n":3}\n')]);
    const framer = textCodec.createFramer(1024);
    framer.push(chunk);
    const decoded: unknown[] = [];
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      try {
        decoded.push(textCodec.decode(f as Uint8Array | string));
      } catch (error) {
        decoded.push(error instanceof MalformedMessageError ? 'malformed' : error);
      }
    }
    expect(decoded).to.deep.equal([{ n: 1 }, 'malformed', { n: 3 }]);
  });

  it('counts a line of multi-byte characters in bytes against maxFrameBytes', () => {
    const framer = textCodec.createFramer(8);
    // 6 characters, 12 bytes.
    framer.push(new TextEncoder().encode('"éééééé"\n"ok"\n'));
    const first = framer.next();
    expect(first).to.be.instanceOf(FrameTooLargeError);
    expect((first as FrameTooLargeError).message).to.include('14');
    expect(framer.next()).to.equal('"ok"');
    expect(framer.bufferedBytes).to.equal(0);
  });
});
