import { expect } from 'chai';
import { filter, firstValueFrom, map, toArray } from 'rxjs';
import { createClient, memoryTransport, type ClientEvent, type ClientStatus } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { Echo, memoryEchoServer } from './support/memory-echo';

/**
 * A client makes the Subjects behind `status$`, `events$` and `messages$`, its `closed` Promise
 * and its send queue on first use: a first subscriber that comes late (while connected, after
 * close) sees what an early one would have seen from then on.
 */
describe('client streams made on first use', () => {
  it('replays the current status to a first subscriber of status$ that comes once connected', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    try {
      // Nobody watches status$ or events$ until the connection is up.
      const connected = firstValueFrom(client.messages$);
      client.send({ kind: 'Ping', n: 1 });
      await connected;
      const statuses: ClientStatus['state'][] = [];
      const sub = client.status$.subscribe((s) => statuses.push(s.state));
      expect(statuses).to.deep.equal(['connected']);
      const rest = firstValueFrom(client.status$.pipe(map((s) => s.state), toArray()));
      await client.close();
      expect(await rest).to.deep.equal(['connected', 'closed']);
      expect(statuses).to.deep.equal(['connected', 'closed']);
      sub.unsubscribe();
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a subscriber that comes after the last one left still gets the current status and the messages from then on', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    try {
      expect((await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')))).state).to.equal('connected');
      expect((await firstValueFrom(client.status$)).state).to.equal('connected');
      for (let n = 1; n <= 3; n++) {
        const pong = firstValueFrom(client.messages$);
        const events = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'closed')));
        client.send({ kind: 'Ping', n });
        expect(await pong).to.deep.equal({ kind: 'Pong', n });
        if (n === 3) {
          await client.close();
          expect((await events).type).to.equal('closed');
        }
      }
      expect(await firstValueFrom(client.status$)).to.deep.equal({ state: 'closed' });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('after close: status$ replays closed and completes, events$ and messages$ complete, closed is resolved', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    try {
      await client.close();
      expect(await firstValueFrom(client.status$.pipe(toArray()))).to.deep.equal([{ state: 'closed' }]);
      expect(await firstValueFrom(client.events$.pipe(toArray()))).to.deep.equal([]);
      expect(await firstValueFrom(client.messages$.pipe(toArray()))).to.deep.equal([]);
      await client.closed;
      expect(client.close()).to.equal(client.closed);
    } finally {
      await server.close();
    }
  });

  it('reports to a first subscriber of events$ what happens from then on, and queued sends dropped at close', async () => {
    const memory = memoryTransport();
    const client = createClient({ connect: 'memory://nobody:1', transports: [memory], protocol: Echo, config: { connectRetry: 'none' } as const });
    // Queued before anyone listens (whileDisconnected: 'queue'); the dial fails on a later turn.
    expect(client.send({ kind: 'Ping', n: 1 })).to.equal(true);
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    await client.closed;
    await eventually(() => events.some((e) => e.type === 'closed'), 5000, 'closed event');
    expect(events.filter((e) => e.type === 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'closed', message: { kind: 'Ping', n: 1 } }]);
    expect(events.map((e) => e.type)).to.include.members(['connecting', 'connect-failed', 'closed']);
    const status = await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'closed')));
    expect(status.state).to.equal('closed');
  });
});
