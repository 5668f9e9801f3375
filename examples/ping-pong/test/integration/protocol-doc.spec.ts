import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawSocket, activeResources, leakedResources } from '@rxmsg/test-utils';
import { DEFAULT_MATCH_CONFIG, playMatch, startServer } from '@rxmsg-examples/ping-pong';

interface Write {
  readonly from: 'C' | 'S';
  readonly bytes: Buffer;
}

/** The writes of PROTOCOL.md section 5.2: text lines ending in a literal `\n`, or hex frames over several lines. */
function transcript(): Write[] {
  const doc = readFileSync(join(__dirname, '..', '..', 'PROTOCOL.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 5.2'), doc.indexOf('### 5.3'));
  const block = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const writes: { from: 'C' | 'S'; parts: Buffer[] }[] = [];
  for (const text of block.split('\n')) {
    const m = /^([CS]): (.*)$/.exec(text);
    const body = m === null ? text.trim() : m[2]!;
    if (m !== null) writes.push({ from: m[1] as 'C' | 'S', parts: [] });
    if (body === 'FIN') continue;
    const bytes = body.startsWith('{') ? Buffer.from(body.replace(/\\n$/, '\n')) : Buffer.from(body.replace(/ /g, ''), 'hex');
    writes[writes.length - 1]!.parts.push(bytes);
  }
  return writes.filter((w) => w.parts.length > 0).map((w) => ({ from: w.from, bytes: Buffer.concat(w.parts) }));
}

describe('PROTOCOL.md', () => {
  it('section 5.2 is exactly what a server says to a client sending the documented bytes', async () => {
    const writes = transcript();
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
