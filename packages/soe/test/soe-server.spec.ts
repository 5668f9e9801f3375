import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { parseAddress, type Connection } from '@rxmsg/core';
import { createSoeServer, soeTransport, type SoeServerEvent } from '@rxmsg/soe';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A client connection that records what it receives and how it closed. */
async function dial(address: string): Promise<{ connection: Connection; got: string[]; closed: Promise<unknown> }> {
  const connection = await firstValueFrom(soeTransport().connect(parseAddress(address), { noDelay: true }));
  const got: string[] = [];
  const closed = new Promise<unknown>((resolve) =>
    connection.start({ onData: (p) => got.push(text(p)), onEnd: () => connection.end(), onDrain: () => undefined, onClose: resolve }),
  );
  return { connection, got, closed };
}

describe('createSoeServer (actor-style handle)', () => {
  it('reports opened, data, ended and closed per session, and sends to a session by its number', async () => {
    const server = await createSoeServer({ listen: 'soe://127.0.0.1:0/Echo' });
    const events: SoeServerEvent[] = [];
    server.events$.subscribe((e) => {
      events.push(e);
      if (e.type === 'data') server.send(e.session, bytes(`echo ${text(e.payload)}`));
      if (e.type === 'ended') server.close(e.session);
    });
    try {
      const a = await dial(server.address);
      const b = await dial(server.address);
      a.connection.write(bytes('a1'));
      b.connection.write(bytes('b1'));
      a.connection.write(bytes('a2'));
      const closedTwo = firstValueFrom(server.events$.pipe(filter((e) => e.type === 'closed'), take(2), toArray()));
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (a.got.length === 2 && b.got.length === 1) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      expect(a.got).to.deep.equal(['echo a1', 'echo a2']);
      expect(b.got).to.deep.equal(['echo b1']);
      expect(server.snapshot().sessions).to.have.length(2);
      a.connection.end();
      b.connection.end();
      const closed = await closedTwo;
      expect(closed.every((e) => e.type === 'closed' && e.error === undefined)).to.equal(true);
      expect(await a.closed).to.equal(undefined);
      const opened = events.filter((e) => e.type === 'opened');
      expect(opened.map((e) => e.type === 'opened' && e.applicationProtocol)).to.deep.equal(['Echo', 'Echo']);
      expect(server.snapshot().sessions).to.deep.equal([]);
      expect(server.snapshot().endpoint?.opened).to.equal(2);
      expect(server.send(12345, bytes('nobody'))).to.equal(false);
    } finally {
      await server.stop();
    }
  });

  it('stop() destroys open sessions, completes events$ and closes the socket', async () => {
    const server = await createSoeServer({ listen: 'soe://127.0.0.1:0' });
    const all = firstValueFrom(server.events$.pipe(toArray()));
    const a = await dial(server.address);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (server.snapshot().sessions.length === 1) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await server.stop();
    const events = await all;
    expect(events.map((e) => e.type)).to.deep.equal(['opened', 'closed']);
    // The client was told: its session ends by the server's Disconnect.
    await a.closed;
  });
});
