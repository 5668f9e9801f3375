import { expect } from 'chai';
import fc from 'fast-check';
import { z } from 'zod';
import {
  DecodeError,
  FrameTruncatedError,
  InvalidMessageError,
  MalformedMessageError,
  MessageSet,
  ProtocolDefinitionError,
  UnknownMessageError,
  binaryCodec,
  defineProtocol,
  textCodec,
  type ClientMessage,
  type Codec,
  type ServerMessage,
} from '@rxmsg/core';

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: {
    Join: z.object({ room: z.string(), nick: z.string().min(1) }),
    Say: z.object({ text: z.string(), to: z.array(z.object({ id: z.number().int() })).optional() }),
    Leave: z.object({}),
  },
  server: {
    Said: z.object({ from: z.string(), text: z.string() }),
    Error: z.object({ code: z.string() }),
  },
  errorReplies: { server: (e) => ({ kind: 'Error', code: e.code }) },
});

describe('defineProtocol', () => {
  it('keeps the name and tag and defaults to the text codec', () => {
    expect(Chat).to.include({ name: 'chat', tag: 'kind', codec: textCodec });
  });

  it('resolves codec names and passes a Codec object through', () => {
    const base = { name: 'p', tag: 't', client: { A: z.object({}) }, server: { B: z.object({}) } } as const;
    expect(defineProtocol({ ...base, codec: 'binary' }).codec).to.equal(binaryCodec);
    expect(defineProtocol({ ...base, codec: 'text' }).codec).to.equal(textCodec);
    const custom: Codec = { ...textCodec, name: 'custom' };
    expect(defineProtocol({ ...base, codec: custom }).codec).to.equal(custom);
  });

  it('lists message names in definition order, per direction', () => {
    expect(Chat.client.names).to.deep.equal(['Join', 'Say', 'Leave']);
    expect(Chat.server.names).to.deep.equal(['Said', 'Error']);
    expect(Chat.client.tag).to.equal('kind');
  });

  it('adds the tag field to every message', () => {
    const join: ClientMessage<typeof Chat> = { kind: 'Join', room: 'r', nick: 'ada' };
    expect(Chat.client.parse(join)).to.deep.equal(join);
    expect(Chat.client.parse({ kind: 'Leave' })).to.deep.equal({ kind: 'Leave' });
    // Without the tag the message is not one of the protocol's.
    expect(Chat.client.parse({ room: 'r', nick: 'ada' })).to.be.instanceOf(UnknownMessageError);
  });

  it('keeps the two directions apart', () => {
    expect(Chat.client.parse({ kind: 'Said', from: 'a', text: 'b' })).to.be.instanceOf(UnknownMessageError);
    expect(Chat.server.parse({ kind: 'Said', from: 'a', text: 'b' })).to.deep.equal({ kind: 'Said', from: 'a', text: 'b' });
  });

  it('builds error replies from the decode error', () => {
    const reply: ServerMessage<typeof Chat> | undefined = Chat.errorReplies.server?.(new FrameTruncatedError(3));
    expect(reply).to.deep.equal({ kind: 'Error', code: 'FRAME_TRUNCATED' });
    expect(Chat.errorReplies.client).to.equal(undefined);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(Chat)).to.equal(true);
    expect(Object.isFrozen(Chat.errorReplies)).to.equal(true);
    expect(Object.isFrozen(Chat.lanes)).to.equal(true);
  });

  it('keeps the lane of each message named in lanes, in a record without a prototype', () => {
    const Watch = defineProtocol({ name: 'w', tag: 'kind', client: { Get: z.object({}) }, server: { Changed: z.object({}), Reply: z.object({}) }, lanes: { Changed: 'notify' } });
    expect({ ...Watch.lanes }).to.deep.equal({ Changed: 'notify' });
    expect(Watch.lanes['toString']).to.equal(undefined);
    expect({ ...Chat.lanes }).to.deep.equal({});
  });

  describe('definition errors', () => {
    const cases: [string, () => unknown][] = [
      [
        'a client message declaring the tag field itself',
        () => defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({ kind: z.literal('A') }) }, server: { B: z.object({}) } }),
      ],
      [
        'a server message declaring the tag field itself',
        () => defineProtocol({ name: 'p', tag: 'type', client: { A: z.object({}) }, server: { B: z.object({ type: z.string() }) } }),
      ],
      ['a direction without messages', () => defineProtocol({ name: 'p', tag: 'kind', client: {}, server: { B: z.object({}) } })],
      [
        'lanes naming a message the protocol does not define',
        // A JavaScript caller (or a cast): TypeScript rejects the name.
        () => defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) }, lanes: { C: 'notify' } as unknown as { B: string } }),
      ],
      [
        // The shape of a zod 3 object schema (no `_zod`): it would fail every message at run time.
        'a schema that is not a zod 4 object (a zod 3 schema)',
        () =>
          defineProtocol({
            name: 'p',
            tag: 'kind',
            client: { A: { shape: {}, _def: { typeName: 'ZodObject' }, extend: () => ({}) } as unknown as z.ZodObject },
            server: { B: z.object({}) },
          }),
      ],
      [
        'a zod 4 schema that is not an object',
        () => defineProtocol({ name: 'p', tag: 'kind', client: { A: z.string() as unknown as z.ZodObject }, server: { B: z.object({}) } }),
      ],
      [
        'an empty lane name',
        () => defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) }, lanes: { B: '' } }),
      ],
    ];
    for (const [name, define] of cases) {
      it(`rejects ${name} with ProtocolDefinitionError`, () => {
        expect(define).to.throw(ProtocolDefinitionError).with.property('code', 'PROTOCOL_INVALID');
      });
    }
  });
});

describe('MessageSet.parse', () => {
  it('returns the typed message', () => {
    const parsed = Chat.client.parse({ kind: 'Say', text: 'hi', to: [{ id: 1 }] });
    expect(parsed).not.to.be.instanceOf(DecodeError);
    expect(parsed).to.deep.equal({ kind: 'Say', text: 'hi', to: [{ id: 1 }] });
  });

  it("drops fields the schema does not name (zod's default)", () => {
    expect(Chat.client.parse({ kind: 'Leave', extra: 1 })).to.deep.equal({ kind: 'Leave' });
  });

  it('works on a MessageSet built directly', () => {
    const set = new MessageSet<{ t: 'A'; n: number }>('t', { A: z.object({ n: z.number() }) });
    expect(set.parse({ t: 'A', n: 1 })).to.deep.equal({ t: 'A', n: 1 });
  });

  describe('not an object: MalformedMessageError', () => {
    const cases: [string, unknown][] = [
      ['null', null],
      ['an array', [{ kind: 'Leave' }]],
      ['a string', 'Leave'],
      ['a number', 42],
      ['a boolean', true],
      ['undefined', undefined],
    ];
    for (const [name, value] of cases) {
      it(name, () => {
        expect(Chat.client.parse(value)).to.be.instanceOf(MalformedMessageError).with.property('code', 'MESSAGE_MALFORMED');
      });
    }
  });

  describe('no known tag: UnknownMessageError', () => {
    const cases: [string, unknown, string | undefined][] = [
      ['missing tag', { room: 'r' }, undefined],
      ['unknown tag', { kind: 'Shout' }, 'Shout'],
      ['tag of the other direction', { kind: 'Error', code: 'x' }, 'Error'],
      ['an Object.prototype name as tag', { kind: 'constructor' }, 'constructor'],
      ['a number tag', { kind: 1 }, '1'],
      ['a null tag', { kind: null }, 'null'],
      ['a boolean tag', { kind: true }, 'true'],
      ['an object tag', { kind: { name: 'Join' } }, '[object Object]'],
    ];
    for (const [name, value, tag] of cases) {
      it(name, () => {
        const result = Chat.client.parse(value);
        expect(result).to.be.instanceOf(UnknownMessageError).and.include({ code: 'MESSAGE_UNKNOWN', tag });
      });
    }
  });

  describe('schema violations: InvalidMessageError with the zod issues', () => {
    const cases: [string, unknown, { path: PropertyKey[]; code: string }[]][] = [
      ['a missing field', { kind: 'Join', room: 'r' }, [{ path: ['nick'], code: 'invalid_type' }]],
      ['a field of the wrong type', { kind: 'Join', room: 1, nick: 'ada' }, [{ path: ['room'], code: 'invalid_type' }]],
      ['a refinement', { kind: 'Join', room: 'r', nick: '' }, [{ path: ['nick'], code: 'too_small' }]],
      [
        'every issue, nested paths included',
        { kind: 'Say', text: 5, to: [{ id: 1 }, { id: 1.5 }] },
        [
          { path: ['text'], code: 'invalid_type' },
          { path: ['to', 1, 'id'], code: 'invalid_type' },
        ],
      ],
    ];
    for (const [name, value, issues] of cases) {
      it(name, () => {
        const result = Chat.client.parse(value);
        expect(result).to.be.instanceOf(InvalidMessageError).and.include({ code: 'MESSAGE_INVALID' });
        const error = result as InvalidMessageError;
        expect(error.messageName).to.equal((value as { kind: string }).kind);
        expect(error.issues.map((i) => ({ path: i.path, code: i.code }))).to.deep.equal(issues);
        for (const issue of error.issues) expect(issue.message).to.be.a('string').that.is.not.empty;
      });
    }
  });
});

describe('MessageSet: any sequence of tags (the last name found is remembered)', () => {
  // Join/Leave are flat (a precompiled validator), Say is not (zod); the rest are no message of this direction.
  const tags = ['Join', 'Say', 'Leave', 'Error', 'Shout', 'constructor', '__proto__', 'Joi', 'Join ', ''];
  const value = fc.record({
    kind: fc.oneof(fc.constantFrom(...tags), fc.string({ maxLength: 5 })),
    room: fc.oneof(fc.string(), fc.integer()),
    nick: fc.string(),
    text: fc.string(),
  });
  /** What zod alone says of `v`: the message, or the error's class and code. */
  function viaZod(v: { kind: string }): unknown {
    const schema = Chat.client.schemaOf(v.kind);
    if (schema === undefined) return 'MESSAGE_UNKNOWN';
    const r = schema.safeParse(v);
    return r.success ? r.data : 'MESSAGE_INVALID';
  }
  const outcome = (r: unknown): unknown => (r instanceof DecodeError ? r.code : r);

  it('parse gives what zod gives, message by message, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        // The tag is a fresh string each time, as a decoder makes it (not the literal the test wrote).
        for (const v of values) expect(outcome(Chat.client.parse({ ...v, kind: v.kind.split('').join('') }))).to.deep.equal(viaZod(v));
      }),
    );
  });

  it('parseTag knows exactly the names of its direction, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        for (const v of values) {
          const r = Chat.client.parseTag({ ...v, kind: v.kind.split('').join('') });
          expect(r instanceof DecodeError ? r.code : 'ok').to.equal(Chat.client.schemaOf(v.kind) === undefined ? 'MESSAGE_UNKNOWN' : 'ok');
        }
      }),
    );
  });
});

describe('MessageSet.parseTag (validation: tag)', () => {
  const P = defineProtocol({
    name: 'p',
    tag: 'kind',
    client: { Ping: z.object({ n: z.number() }) },
    server: { Pong: z.object({ n: z.number() }) },
  });

  it('accepts a known tag without checking the rest of the shape', () => {
    expect(P.client.parseTag({ kind: 'Ping', n: 'not a number' })).to.deep.equal({ kind: 'Ping', n: 'not a number' });
  });

  it('still rejects non-objects and unknown or missing tags', () => {
    expect(P.client.parseTag([1])).to.be.instanceOf(MalformedMessageError);
    expect(P.client.parseTag({ kind: 'Pong', n: 1 })).to.be.instanceOf(UnknownMessageError);
    expect(P.client.parseTag({ n: 1 })).to.be.instanceOf(UnknownMessageError);
  });
});
