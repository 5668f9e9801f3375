import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { parseAddress, type Connection } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';
import { recorder, texts } from './ws-pair';

// The client's opening-handshake deadline is a timer of the transport's own, dropped once the
// connection is open (the one `ws` sets on the socket stays there, cleared, as long as the client lives).

describe('wsTransport client handshake deadline', () => {
  it('an open connection outlives its handshake deadline and leaves no timer behind once closed', async () => {
    const before = await activeResources();
    const accepted: Connection[] = [];
    const listener = await wsTransport().listen(
      parseAddress('ws://127.0.0.1:0/'),
      (c) => {
        accepted.push(c);
        c.start({ onData: (d) => c.write(d), onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
      },
      { noDelay: true },
    );
    const client = await firstValueFrom(wsTransport({ handshakeTimeoutMs: 30 }).connect(parseAddress(listener.address), { noDelay: true }));
    const { seen, handlers } = recorder();
    client.start(handlers);
    // Well past the deadline: the connection is still up and echoes.
    await new Promise((resolve) => setTimeout(resolve, 120));
    client.write('after the deadline');
    await eventually(() => seen.data.length === 1, 2000, 'echo');
    expect(texts(seen.data)).to.deep.equal(['after the deadline']);
    client.end();
    await eventually(() => seen.closes.length === 1, 2000, 'closed');
    await listener.close();
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
