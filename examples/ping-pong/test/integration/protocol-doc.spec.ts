import { expect } from 'chai';
import { RawSocket, activeResources, leakedResources } from '@rxmsg/test-utils';
import { DEFAULT_MATCH_CONFIG, playMatch, startServer } from '@rxmsg-examples/ping-pong';
import { matchTranscript } from './transcript';

describe('PROTOCOL.md', () => {
  it('section 5.2 is exactly what a server says to a client sending the documented bytes', async () => {
    const writes = matchTranscript();
    expect(writes.map((w) => w.from).join('')).to.equal('CSCSCSCSCS');
    const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
    try {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      let expected = Buffer.alloc(0);
      for (const w of writes) {
        if (w.from === 'C') {
          await raw.until((s) => s.received().length >= expected.length, 1500);
          await raw.write(w.bytes);
        } else expected = Buffer.concat([expected, w.bytes]);
      }
      await raw.ended;
      expect(raw.received().toString('hex')).to.equal(expected.toString('hex'));
    } finally {
      await server.close();
    }
  });

  it('a match leaves no socket, server or timer behind once the server is closed', async () => {
    const before = await activeResources();
    const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
    await playMatch({ connect: server.addresses()[0]!, config: { ...DEFAULT_MATCH_CONFIG, scoreLimit: 2, seed: 3 } });
    await server.close();
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
