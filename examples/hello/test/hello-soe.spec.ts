import { expect } from 'chai';
import { HANDLE_KINDS, activeResources, leakedResources, udpFaultProxy } from '@rxmsg/test-utils';

/** The socket kinds a test watches, UDP sockets included. */
const KINDS: readonly string[] = [...HANDLE_KINDS, 'UDPWrap'];
import { greet, startHelloServer } from '@rxmsg-examples/hello';

describe('the hello example over soe:// (reliable UDP), unchanged', () => {
  it('greets a client at an soe:// address and closes without leaking handles', async () => {
    const before = await activeResources();
    const server = await startHelloServer('soe://127.0.0.1:0');
    try {
      expect(server.addresses()[0]).to.match(/^soe:\/\/127\.0\.0\.1:[1-9]\d*$/);
      expect(await greet(server.addresses()[0]!, 'rxmsg')).to.equal('Hello, rxmsg!');
    } finally {
      await server.close();
    }
    expect(await leakedResources(before, KINDS)).to.deep.equal([]);
  });

  it('greets clients through a proxy that drops 10% of the datagrams each way (the session resends), with an application protocol in the address', async () => {
    const before = await activeResources();
    const server = await startHelloServer('soe://127.0.0.1:0/Hello');
    const port = Number(new URL(server.addresses()[0]!).port);
    // Seed 96 drops the first datagram of each direction (a SessionRequest, a SessionResponse), whatever the interleaving.
    const proxy = await udpFaultProxy({ upstream: { port }, seed: 96, faults: { drop: 0.1 } });
    try {
      const names = ['Ada', 'Grace', 'Edsger', 'Barbara'];
      const answers = await Promise.all(names.map((name) => greet(`soe://127.0.0.1:${proxy.address.port}/Hello`, name)));
      expect(answers).to.deep.equal(names.map((name) => `Hello, ${name}!`));
      const { toUpstream, toClient } = proxy.counters();
      expect([toUpstream.dropped, toClient.dropped].map((n) => n > 0)).to.deep.equal([true, true]);
    } finally {
      await proxy.close();
      await server.close();
    }
    expect(await leakedResources(before, KINDS)).to.deep.equal([]);
  });
});
