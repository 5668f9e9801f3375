import { expect } from 'chai';
import { z } from 'zod';
import { ProtocolDefinitionError, defineProtocol, defineStack, type AnyProtocol } from '@rxmsg/core';

const P = defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });
const Q = defineProtocol({ name: 'q', tag: 'kind', codec: 'binary', client: { C: z.object({}) }, server: { D: z.object({}) } });

describe('defineStack', () => {
  it('keeps the stages in order, with their protocols and transitions, frozen', () => {
    const stack = defineStack({ name: 's', description: 'two stages', stages: [{ name: 'first', protocol: P, next: 'B: go to second' }, { name: 'second', protocol: Q }] });
    expect(stack.name).to.equal('s');
    expect(stack.description).to.equal('two stages');
    expect(stack.stages.map((s) => [s.name, s.protocol, s.next])).to.deep.equal([
      ['first', P, 'B: go to second'],
      ['second', Q, undefined],
    ]);
    expect('next' in stack.stages[1]!).to.equal(false);
    expect(Object.isFrozen(stack) && Object.isFrozen(stack.stages) && Object.isFrozen(stack.stages[0])).to.equal(true);
  });

  it('takes a runtime stage (anything with a protocol) in place of a protocol', () => {
    const stage = { side: 'server', protocol: P, processor: () => undefined };
    expect(defineStack({ name: 's', stages: [{ name: 'only', protocol: stage }] }).stages[0]!.protocol).to.equal(P);
  });

  const refused: [string, Parameters<typeof defineStack>[0], RegExp][] = [
    ['no stage', { name: 's', stages: [] }, /at least one stage/],
    ['a name used twice', { name: 's', stages: [{ name: 'a', protocol: P }, { name: 'a', protocol: Q }] }, /defined twice/],
    ['an empty name', { name: 's', stages: [{ name: '', protocol: P }] }, /letters, digits/],
    ['a name with a slash', { name: 's', stages: [{ name: 'a/b', protocol: P }] }, /letters, digits/],
    ['no protocol', { name: 's', stages: [{ name: 'a', protocol: {} as AnyProtocol }] }, /has no protocol/],
    ['null', { name: 's', stages: [{ name: 'a', protocol: null as unknown as AnyProtocol }] }, /has no protocol/],
  ];
  for (const [what, definition, message] of refused) {
    it(`refuses ${what}: ProtocolDefinitionError`, () => {
      expect(() => defineStack(definition)).to.throw(ProtocolDefinitionError, message).with.property('code', 'PROTOCOL_INVALID');
    });
  }
});
