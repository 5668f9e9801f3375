import { expect } from 'chai';
import { filter, firstValueFrom, toArray } from 'rxjs';
import { createClient, createQueueServer } from '@rxmsg/node';
import { RaceProtocol, player, umpire } from '../src/index';

describe('race umpire on a queue server', () => {
  it('plays a whole game against two reactive clients: seat 0 wins with the best moves, both see it', async () => {
    const server = await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: RaceProtocol, gcIntervalMs: 0 });
    try {
      const game = umpire(server);
      const clients = ['ada', 'bob'].map((name) => createClient({ connect: server.address(), protocol: RaceProtocol, processor: player(name) }));
      const seen = clients.map((c) => firstValueFrom(c.messages$.pipe(toArray())));
      const result = await game;
      expect(result).to.include({ winner: 0, forfeit: false });
      expect(result.seats).to.have.length(2);
      for (const messages of await Promise.all(seen)) {
        expect(messages.at(-1)).to.deep.equal({ kind: 'Over', winner: 0 });
        expect(messages.filter((m) => m.kind === 'Moved').at(-1)).to.include({ total: 21 });
      }
      await Promise.all(clients.map((c) => c.closed));
    } finally {
      await server.stop();
    }
  });

  it('a player who leaves mid-game forfeits', async () => {
    const server = await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: RaceProtocol, gcIntervalMs: 0 });
    try {
      // A long turn timeout: the forfeit comes from the disconnect, not from a timeout.
      const game = umpire(server, { turnTimeoutMs: 600_000 });
      const ada = createClient({ connect: server.address(), protocol: RaceProtocol, processor: player('ada') });
      // Joins, leaves once seated: it never moves.
      const quitter = createClient({ connect: server.address(), protocol: RaceProtocol });
      const welcomed = firstValueFrom(quitter.messages$.pipe(filter((m) => m.kind === 'Welcome')));
      quitter.send({ kind: 'Join', name: 'quitter' });
      await welcomed;
      await quitter.close();
      const result = await game;
      expect(result.forfeit).to.equal(true);
      await ada.closed;
    } finally {
      await server.stop();
    }
  });
});
