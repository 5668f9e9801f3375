import { expect } from 'chai';
import { z } from 'zod';
import { AddressError, ProtocolDefinitionError, defineProtocol, defineStack, toAsyncApi, type AsyncApiDocument } from '@rxmsg/core';

type Json = Record<string, unknown>;
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], o);
const refs = (operation: unknown) => (at(operation, 'messages') as { $ref: string }[]).map((r) => r.$ref);

const Hello = defineProtocol({
  name: 'hello',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({ name: z.string().min(1).max(64) }) },
  server: { World: z.object({ greeting: z.string() }), Error: z.object({ code: z.string(), message: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Error', code: e.code, message: e.message }) },
  goingAway: { server: () => ({ kind: 'World', greeting: 'bye' }) },
});

const Kv = defineProtocol({
  name: 'kv',
  tag: 'op',
  codec: 'binary',
  client: { Get: z.object({ key: z.string() }), Watch: z.object({ key: z.string() }), Put: z.object({ key: z.string(), value: z.string() }) },
  server: { Value: z.object({ value: z.string().nullable() }), Changed: z.object({ key: z.string() }) },
  requests: { client: { Get: 'Value', Watch: { stream: 'Changed' } } },
});

describe('toAsyncApi', () => {
  describe('a single protocol', () => {
    const doc = toAsyncApi(Hello, { version: '2.1.0', description: 'Greetings.' });

    it('is an AsyncAPI 3.0.0 document with one channel named after the protocol', () => {
      expect(doc.asyncapi).to.equal('3.0.0');
      expect(doc.info).to.include({ title: 'hello', version: '2.1.0' });
      expect(String(doc.info['description'])).to.match(/^Greetings\.\n\n/).and.match(/server's point of view/);
      expect(Object.keys(doc.channels)).to.deep.equal(['hello']);
      expect(doc['x-rxmsg-point-of-view']).to.equal('server');
      expect(doc['x-rxmsg-stack']).to.equal(undefined);
      expect(at(doc.channels, 'hello', 'x-rxmsg-stage')).to.equal(undefined);
      expect(doc.servers).to.equal(undefined);
    });

    it('directions from the server\'s point of view: receive = client messages, send = server messages', () => {
      expect(at(doc.operations, 'hello.receive', 'action')).to.equal('receive');
      expect(refs(at(doc.operations, 'hello.receive'))).to.deep.equal(['#/channels/hello/messages/client.Hello']);
      expect(at(doc.operations, 'hello.send', 'action')).to.equal('send');
      expect(refs(at(doc.operations, 'hello.send'))).to.deep.equal(['#/channels/hello/messages/server.World', '#/channels/hello/messages/server.Error']);
      expect(at(doc.operations, 'hello.send', 'channel')).to.deep.equal({ $ref: '#/channels/hello' });
    });

    it('each message: name, content type, tag, sender and a payload schema with the tag as a constant', () => {
      expect(at(doc.channels, 'hello', 'messages', 'client.Hello')).to.deep.equal({ $ref: '#/components/messages/hello.client.Hello' });
      const message = at(doc.components, 'messages', 'hello.client.Hello');
      expect(message).to.deep.include({
        name: 'Hello',
        contentType: 'application/json',
        payload: { $ref: '#/components/schemas/hello.client.Hello' },
        'x-rxmsg-tag': { field: 'kind', value: 'Hello' },
        'x-rxmsg-sender': 'client',
      });
      expect(at(doc.components, 'schemas', 'hello.client.Hello')).to.deep.equal({
        type: 'object',
        properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, kind: { type: 'string', const: 'Hello' } },
        required: ['name', 'kind'],
      });
      expect(doc.defaultContentType).to.equal('application/json');
    });

    it('the text codec: JSON lines, with its control lines', () => {
      const channel = at(doc.channels, 'hello');
      expect(at(channel, 'x-rxmsg-tag')).to.equal('kind');
      expect(at(channel, 'x-rxmsg-codec', 'name')).to.equal('text');
      expect(at(channel, 'x-rxmsg-framing')).to.include({ type: 'newline-delimited', terminator: '\n' });
      expect(at(channel, 'x-rxmsg-control-frames', 'heartbeat')).to.deep.equal({ ping: '#ping', pong: '#pong' });
    });

    it('names the messages the error-reply and going-away builders produce', () => {
      expect(at(doc.channels, 'hello', 'x-rxmsg-error-reply', 'server')).to.equal('Error');
      expect(at(doc.channels, 'hello', 'x-rxmsg-going-away', 'server')).to.equal('World');
    });

    it('documents a builder that throws instead of failing or hiding it', () => {
      const Throwing = defineProtocol({
        name: 'throwing',
        tag: 'kind',
        client: { A: z.object({}) },
        server: { B: z.object({}) },
        errorReplies: {
          server: () => {
            throw new Error('boom');
          },
        },
      });
      expect(at(toAsyncApi(Throwing).channels, 'throwing', 'x-rxmsg-error-reply', 'server')).to.deep.equal({ message: null, note: 'the builder threw: boom' });
    });

    it('is deterministic: the same protocol gives the same JSON', () => {
      expect(JSON.stringify(toAsyncApi(Hello, { version: '2.1.0', description: 'Greetings.' }))).to.equal(JSON.stringify(doc));
    });
  });

  describe('the binary codec and declared requests', () => {
    const doc = toAsyncApi(Kv, { maxFrameBytes: 65_536 });

    it('MessagePack in 4-byte big-endian length-prefixed frames, with the frame limit', () => {
      const channel = at(doc.channels, 'kv');
      expect(at(channel, 'x-rxmsg-framing')).to.include({ type: 'length-prefixed', prefixBytes: 4, byteOrder: 'big-endian', signed: false, maxPayloadBytes: 65_536 });
      expect(at(channel, 'x-rxmsg-control-frames', 'heartbeat')).to.deep.equal({ ping: 'c1 01', pong: 'c1 02' });
      expect(at(doc.components, 'messages', 'kv.client.Get', 'contentType')).to.equal('application/x-msgpack');
      expect(doc.defaultContentType).to.equal('application/x-msgpack');
    });

    it('one operation per request, with its reply (a stream ends with $end) and the correlation field', () => {
      expect(at(doc.operations, 'kv.request.Get')).to.deep.include({
        action: 'receive',
        messages: [{ $ref: '#/channels/kv/messages/client.Get' }],
        reply: { channel: { $ref: '#/channels/kv' }, messages: [{ $ref: '#/channels/kv/messages/server.Value' }, { $ref: '#/channels/kv/messages/server._error' }] },
        'x-rxmsg-request': { correlation: 'rid', reply: 'Value', stream: false, cancel: '$cancel' },
      });
      expect(refs(at(doc.operations, 'kv.request.Watch', 'reply'))).to.deep.equal([
        '#/channels/kv/messages/server.Changed',
        '#/channels/kv/messages/server._end',
        '#/channels/kv/messages/server._error',
      ]);
      expect(at(doc.operations, 'kv.request.Put')).to.equal(undefined);
      // The correlation field is on requests and replies (optional), not on other messages.
      expect(at(doc.components, 'schemas', 'kv.client.Get', 'properties', 'rid', 'type')).to.equal('integer');
      expect(at(doc.components, 'schemas', 'kv.client.Get', 'required')).to.deep.equal(['key', 'op']);
      expect(at(doc.components, 'schemas', 'kv.client.Put', 'properties', 'rid')).to.equal(undefined);
    });

    it('control messages keep their $ names, under keys AsyncAPI accepts', () => {
      expect(at(doc.components, 'messages', 'kv.server._end')).to.deep.include({ name: '$end', 'x-rxmsg-tag': { field: 'op', value: '$end' } });
      expect(String(at(doc.components, 'messages', 'kv.server._end', 'summary'))).to.match(/control message/);
      for (const key of [...Object.keys(doc.components['messages'] as Json), ...Object.keys(doc.operations)]) expect(key).to.match(/^[A-Za-z0-9._-]+$/);
    });

    it('refuses two names that give the same key (a message named _end next to $end): ProtocolDefinitionError', () => {
      const Clash = defineProtocol({
        name: 'clash',
        tag: 'op',
        client: { Get: z.object({}) },
        server: { Value: z.object({}), _end: z.object({}) },
        requests: { client: { Get: 'Value' } },
      });
      expect(() => toAsyncApi(Clash)).to.throw(ProtocolDefinitionError, /_end/).with.property('code', 'PROTOCOL_INVALID');
    });
  });

  describe('a stack', () => {
    const Bye = defineProtocol({ name: 'bye', tag: 'kind', client: { Bye: z.object({}) }, server: { Bye: z.object({}) } });
    const stack = defineStack({
      name: 'greet-then-kv',
      description: 'Say hello, then use the store.',
      stages: [
        { name: 'greet', protocol: Hello, next: 'the server sends World: go to kv' },
        { name: 'store', protocol: Kv },
        { name: 'bye', protocol: Bye },
      ],
    });
    const doc: AsyncApiDocument = toAsyncApi(stack);

    it('one channel per stage, in stack order, with its order and what moves a connection on', () => {
      expect(Object.keys(doc.channels)).to.deep.equal(['greet', 'store', 'bye']);
      expect(at(doc.channels, 'greet', 'x-rxmsg-stage')).to.deep.equal({ order: 1, next: 'the server sends World: go to kv' });
      expect(at(doc.channels, 'store', 'x-rxmsg-stage')).to.deep.equal({ order: 2 });
      expect(at(doc.channels, 'store', 'x-rxmsg-protocol')).to.equal('kv');
      expect(doc['x-rxmsg-stack']).to.deep.include({ name: 'greet-then-kv', stages: ['greet', 'store', 'bye'] });
      expect(String(doc.info['description'])).to.match(/^Say hello, then use the store\.\n\n/);
      expect(String(toAsyncApi(stack, { description: 'Given.' }).info['description'])).to.match(/^Given\.\n\n/);
      expect(String(doc.info['description'])).to.match(/1\. `greet` \(protocol `hello`, text\): the server sends World: go to kv\n2\. `store` \(protocol `kv`, binary\)/);
    });

    it('messages and operations are keyed by stage: the same name in two directions or stages never collides', () => {
      expect(Object.keys(doc.operations)).to.include.members(['greet.receive', 'greet.send', 'store.receive', 'store.send', 'store.request.Get', 'bye.receive', 'bye.send']);
      expect(at(doc.components, 'messages', 'bye.client.Bye', 'x-rxmsg-sender')).to.equal('client');
      expect(at(doc.components, 'messages', 'bye.server.Bye', 'x-rxmsg-sender')).to.equal('server');
      // Text and binary stages: no single default content type.
      expect(doc.defaultContentType).to.equal(undefined);
    });
  });

  describe('servers', () => {
    it('one entry per address: host:port, path, scheme as protocol; unix sockets by path', () => {
      const doc = toAsyncApi(Hello, { servers: ['tcp://127.0.0.1:4000', 'tcp://[::1]:4001', 'ws://example.org:8080/play', 'unix:/run/hello.sock'] });
      expect(doc.servers).to.deep.equal({
        tcp: { host: '127.0.0.1:4000', protocol: 'tcp', description: 'tcp://127.0.0.1:4000' },
        'tcp-2': { host: '[::1]:4001', protocol: 'tcp', description: 'tcp://[::1]:4001' },
        ws: { host: 'example.org:8080', pathname: '/play', protocol: 'ws', description: 'ws://example.org:8080/play' },
        unix: { host: '/run/hello.sock', protocol: 'unix', description: 'unix:/run/hello.sock' },
      });
    });

    it('soe:// keeps its application protocol as pathname; a unix socket is its path, with no made-up host name', () => {
      const doc = toAsyncApi(Hello, { servers: ['soe://10.0.0.2:30490/kv', 'soe://10.0.0.3:30490', 'unix:///tmp/a.sock'] });
      expect(doc.servers).to.deep.equal({
        soe: { host: '10.0.0.2:30490', pathname: '/kv', protocol: 'soe', description: 'soe://10.0.0.2:30490/kv' },
        'soe-2': { host: '10.0.0.3:30490', protocol: 'soe', description: 'soe://10.0.0.3:30490' },
        unix: { host: '/tmp/a.sock', protocol: 'unix', description: 'unix:///tmp/a.sock' },
      });
      expect(JSON.stringify(doc.servers)).to.not.contain('localhost');
    });

    it('refuses a string that is not an address: AddressError', () => {
      expect(() => toAsyncApi(Hello, { servers: ['localhost'] })).to.throw(AddressError).with.property('code', 'ADDRESS_INVALID');
    });
  });

  describe('schemas a peer writes: the input side', () => {
    const Shapes = defineProtocol({
      name: 'shapes',
      tag: 'kind',
      client: {
        Move: z.object({
          to: z.string().transform((s) => s.split(',').map(Number)), // travels as a string
          speed: z.number().default(1), // may be left out
          at: z.date().optional(), // no JSON form
          even: z.number().refine((n) => n % 2 === 0),
        }),
      },
      server: { Moved: z.object({}) },
    });
    const schema = at(toAsyncApi(Shapes).components, 'schemas', 'shapes.client.Move');

    it('a transform is described by its input, a default makes the field optional', () => {
      expect(at(schema, 'properties', 'to')).to.deep.equal({ type: 'string' });
      expect(at(schema, 'properties', 'speed')).to.deep.equal({ type: 'number', default: 1 });
      expect(at(schema, 'required')).to.deep.equal(['to', 'even', 'kind']);
    });

    it('marks what JSON Schema cannot say: unrepresentable types, custom refinements', () => {
      expect(at(schema, 'properties', 'at', 'x-rxmsg-unrepresentable')).to.be.a('string').and.match(/Date/i);
      expect(at(schema, 'properties', 'even')).to.deep.equal({ type: 'number', 'x-rxmsg-refined': true });
    });

    it('a recursive schema keeps its $refs pointing inside the document', () => {
      const Node: z.ZodType<{ children: unknown[] }> = z.lazy(() => z.object({ children: z.array(Node) }));
      const Tree = defineProtocol({ name: 'tree', tag: 'kind', client: { Tree: z.object({ root: Node }) }, server: { Ok: z.object({}) } });
      const text = JSON.stringify(toAsyncApi(Tree));
      const targets = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!).filter((r) => r.includes('tree.client.Tree'));
      expect(targets.some((r) => r.startsWith('#/components/schemas/tree.client.Tree/definitions/'))).to.equal(true);
      const doc = JSON.parse(text) as Json;
      for (const ref of targets) expect(at(doc, ...ref.slice(2).split('/')), ref).to.not.equal(undefined);
    });

    it('a schema zod cannot convert at all: ProtocolDefinitionError naming the message', () => {
      const Odd = defineProtocol({ name: 'odd', tag: 'kind', client: { Odd: z.object({ x: z.string() }) }, server: { Ok: z.object({}) } });
      const broken = { ...Odd, client: { ...Odd.client, names: ['Odd'], schemaOf: () => ({}) } } as unknown as typeof Odd;
      expect(() => toAsyncApi(broken)).to.throw(ProtocolDefinitionError, /message Odd/).with.property('code', 'PROTOCOL_INVALID');
    });
  });
});
