import { expect } from 'chai';
import { z } from 'zod';
import { ProtocolDefinitionError, defineProtocol, type RequestDeclarations } from '@rxmsg/core';

const client = { Get: z.object({ key: z.string() }), Watch: z.object({ key: z.string() }), Note: z.object({}) };
const server = { Value: z.object({ value: z.string() }), Changed: z.object({ value: z.string() }), Probe: z.object({}) };

/** Define the protocol above with `requests` (and extra messages), unchecked: the run-time checks are under test. */
function define(requests: unknown, extra: { client?: Record<string, z.ZodObject>; server?: Record<string, z.ZodObject>; correlation?: string } = {}) {
  return defineProtocol({
    name: 'kv',
    tag: 'kind',
    client: { ...client, ...extra.client },
    server: { ...server, ...extra.server },
    // Deliberately wrong declarations, past the type checks.
    requests: requests as RequestDeclarations<typeof client, typeof server>,
    ...(extra.correlation === undefined ? {} : { correlation: extra.correlation }),
  });
}

describe('protocol requests', () => {
  it('adds the optional correlation field to requests and replies and the control messages to both directions', () => {
    const Kv = define({ client: { Get: 'Value', Watch: { stream: 'Changed' } } });
    expect(Kv.client.parse({ kind: 'Get', key: 'a', rid: 3 })).to.deep.equal({ kind: 'Get', key: 'a', rid: 3 });
    expect(Kv.client.parse({ kind: 'Get', key: 'a' })).to.deep.equal({ kind: 'Get', key: 'a' });
    expect(Kv.server.parse({ kind: 'Changed', value: 'x', rid: 0 })).to.deep.equal({ kind: 'Changed', value: 'x', rid: 0 });
    // Not correlated: the field is stripped like any unknown one.
    expect(Kv.client.parse({ kind: 'Note', rid: 1 })).to.deep.equal({ kind: 'Note' });
    for (const bad of [-1, 1.5, 2 ** 53, '1']) expect(Kv.client.parse({ kind: 'Get', key: 'a', rid: bad })).to.have.property('code', 'MESSAGE_INVALID');
    for (const set of [Kv.client, Kv.server]) {
      expect(set.parse({ kind: '$end', rid: 1 })).to.deep.equal({ kind: '$end', rid: 1 });
      expect(set.parse({ kind: '$cancel', rid: 1 })).to.deep.equal({ kind: '$cancel', rid: 1 });
      expect(set.parse({ kind: '$error', rid: 1, code: 'BUSY', message: 'm' })).to.deep.equal({ kind: '$error', rid: 1, code: 'BUSY', message: 'm' });
      expect(set.parse({ kind: '$error', rid: 1, code: 'x'.repeat(65), message: '' })).to.have.property('code', 'MESSAGE_INVALID');
      expect(set.parse({ kind: '$end' })).to.have.property('code', 'MESSAGE_INVALID');
    }
    expect(Kv.requests?.sends.client.get('Watch')).to.deep.equal({ reply: 'Changed', stream: true });
  });

  it('uses the declared correlation field', () => {
    const Kv = define({ client: { Get: 'Value' } }, { correlation: 'corr' });
    expect(Kv.client.parse({ kind: 'Get', key: 'a', corr: 7 })).to.deep.equal({ kind: 'Get', key: 'a', corr: 7 });
    expect(Kv.server.parse({ kind: '$end', corr: 7 })).to.deep.equal({ kind: '$end', corr: 7 });
  });

  it('leaves a protocol without requests as it was', () => {
    const Plain = defineProtocol({ name: 'plain', tag: 'kind', client, server });
    expect(Plain.requests).to.equal(undefined);
    expect(Plain.client.parse({ kind: '$end', rid: 1 })).to.have.property('code', 'MESSAGE_UNKNOWN');
  });

  const invalid: [string, () => unknown][] = [
    ['a request that is not a message of its side', () => define({ client: { Value: 'Value' } })],
    ['a reply that is not a message of the other side', () => define({ client: { Get: 'Get' } })],
    ['a stream reply that is not a message of the other side', () => define({ client: { Watch: { stream: 'Nope' } } })],
    ['a message that both requests and answers in one direction', () => define({ client: { Get: 'Probe' }, server: { Probe: 'Note' } })],
    ['a message name starting with $', () => define({ client: { Get: 'Value' } }, { client: { $end: z.object({}) } })],
    ['a message declaring the correlation field', () => define({ client: { Get: 'Value' } }, { server: { Other: z.object({ rid: z.number() }) } })],
    ['an empty correlation field', () => define({ client: { Get: 'Value' } }, { correlation: '' })],
  ];
  for (const [what, make] of invalid) {
    it(`refuses ${what} with a ProtocolDefinitionError`, () => {
      expect(make).to.throw(ProtocolDefinitionError);
    });
  }
});
