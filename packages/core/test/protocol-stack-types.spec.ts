import { expect } from 'chai';
import { z } from 'zod';
import { ProtocolDefinitionError, defineProtocol, defineStack, toAsyncApi, type AsyncApiDocument } from '@rxmsg/core';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles. Each test also
// asserts at run time what happens when the types are bypassed.

const P = defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });

describe('defineStack and toAsyncApi types', () => {
  it('a stage takes a protocol or a runtime stage carrying one; toAsyncApi takes a protocol or a stack', () => {
    const stack = defineStack({ name: 's', stages: [{ name: 'a', protocol: P }, { name: 'b', protocol: { protocol: P }, next: 'words' }] });
    const doc: AsyncApiDocument = toAsyncApi(stack);
    const single: AsyncApiDocument = toAsyncApi(P, { servers: ['tcp://127.0.0.1:1'] });
    const version: '3.0.0' = doc.asyncapi;
    expect([version, single.asyncapi]).to.deep.equal(['3.0.0', '3.0.0']);
  });

  it('a stage without a protocol does not compile, and throws when forced', () => {
    // @ts-expect-error a stage needs a protocol
    expect(() => defineStack({ name: 's', stages: [{ name: 'a' }] })).to.throw(ProtocolDefinitionError);
  });

  it('`next` is words and `stages` a list', () => {
    const bad = () => {
      // @ts-expect-error `next` is words, not a stage reference
      defineStack({ name: 's', stages: [{ name: 'a', protocol: P, next: 1 }] });
      // @ts-expect-error a protocol is not a stage list
      defineStack({ name: 's', stages: P });
    };
    expect(bad).to.be.a('function');
  });

  it('toAsyncApi refuses what is neither a protocol nor a stack', () => {
    const bad = () => {
      // @ts-expect-error toAsyncApi takes a protocol or a stack
      toAsyncApi({ name: 'x' });
    };
    expect(bad).to.throw(TypeError);
  });
});
