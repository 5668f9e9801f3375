import { expect } from 'chai';
import { KvStack, kvAsyncApi } from '@rxmsg-examples/tutorials';

type Json = Record<string, unknown>;
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], o);

describe('AsyncAPI export (docs/asyncapi.md)', () => {
  const doc = kvAsyncApi('tcp://127.0.0.1:4000');

  it('one channel per stage, in order: auth in JSON lines, kv in length-prefixed MessagePack', () => {
    expect(Object.keys(doc.channels)).to.deep.equal(['auth', 'kv']);
    expect(KvStack.stages.map((s) => s.protocol.name)).to.deep.equal(['auth', 'kv']);
    expect(at(doc.channels, 'auth', 'x-rxmsg-framing', 'type')).to.equal('newline-delimited');
    expect(at(doc.channels, 'kv', 'x-rxmsg-framing')).to.include({ type: 'length-prefixed', prefixBytes: 4, byteOrder: 'big-endian', maxPayloadBytes: 65_536 });
    expect(at(doc.channels, 'auth', 'x-rxmsg-stage', 'next')).to.match(/Welcome: go to kv/);
  });

  it('the messages the docs show, with their content types and schemas', () => {
    expect(at(doc.components, 'messages', 'kv.client.Put', 'contentType')).to.equal('application/x-msgpack');
    expect(at(doc.components, 'messages', 'auth.client.Login', 'contentType')).to.equal('application/json');
    expect(at(doc.components, 'schemas', 'auth.client.Login', 'properties', 'user')).to.deep.equal({ type: 'string', minLength: 1, maxLength: 32 });
    expect(at(doc.components, 'schemas', 'kv.server.Value', 'properties', 'value')).to.deep.equal({ type: ['string', 'null'] });
    expect(at(doc.operations, 'kv.receive', 'action')).to.equal('receive');
    expect(at(doc.servers, 'tcp', 'host')).to.equal('127.0.0.1:4000');
  });
});
