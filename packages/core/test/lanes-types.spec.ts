import { expect } from 'chai';
import { z } from 'zod';
import { ProtocolDefinitionError, defineProtocol, type ConfigInput, type LaneConfig } from '@rxmsg/core';
import { resolveConfig } from '@rxmsg/core/internal';

// Type-level tests of lanes: `tsc -b` fails if a line marked @ts-expect-error compiles.

const client = { Get: z.object({ id: z.number() }) };
const server = { Reply: z.object({ id: z.number() }), Changed: z.object({ v: z.number() }) };

describe('lanes (types)', () => {
  it('a protocol puts messages of either direction in lanes, by their names only', () => {
    const Watch = defineProtocol({ name: 'w', tag: 'kind', client, server, lanes: { Changed: 'notify', Get: 'requests' } });
    // Run time refuses them too (ProtocolDefinitionError), for JavaScript callers.
    // @ts-expect-error no message is named Chnged
    expect(() => defineProtocol({ name: 'w', tag: 'kind', client, server, lanes: { Chnged: 'notify' } })).to.throw(ProtocolDefinitionError);
    // @ts-expect-error a lane is named by a string
    expect(() => defineProtocol({ name: 'w', tag: 'kind', client, server, lanes: { Changed: 1 } })).to.throw(ProtocolDefinitionError);
    expect(Watch.lanes['Changed']).to.equal('notify');
  });

  it('a lane config needs a limit and a policy; the policy is one of the send-queue policies', () => {
    const ok = { lanes: { notify: { limit: 100, policy: 'drop-oldest', priority: 1 } } } as const satisfies ConfigInput<'server'>;
    // @ts-expect-error no policy
    const noPolicy: LaneConfig = { limit: 100 };
    // @ts-expect-error not a policy
    const badPolicy: LaneConfig = { limit: 100, policy: 'drop-all' };
    // @ts-expect-error not a lane field
    const unknownField: LaneConfig = { limit: 100, policy: 'backpressure', weight: 2 };
    const resolved = resolveConfig('server', ok);
    expect(() => {
      // @ts-expect-error read-only (and frozen at run time)
      resolved.lanes['notify'] = { limit: 1, policy: 'disconnect' };
    }).to.throw(TypeError);
    expect(resolveConfig('server', ok).lanes['notify']).to.deep.equal({ limit: 100, policy: 'drop-oldest', priority: 1 });
    expect([noPolicy, badPolicy, unknownField]).to.have.length(3);
  });
});
