import { expect } from 'chai';
import { serverStage, validatesOutbound, type ClientEvent, type Stage } from '@rxmsg/node';
import { KvProtocol, connectKvClient, kvDemo, kvProcessor, startKvServer, type KvState } from '@rxmsg-examples/tutorials';
import { eventually } from '@rxmsg/test-utils';

const USERS = new Map([['ada', 'lovelace']]);

describe('typed stacks (docs/typed-stacks.md)', () => {
  it('the demo: kv messages sent before the login is done wait for the kv stage, then are answered', async () => {
    expect(await kvDemo()).to.deep.equal([{ op: 'Value', key: 'greeting', value: 'hello' }]);
  });

  it('keeps each user to their keys, and checks what the server sends (validateOutbound: development)', async () => {
    const server = await startKvServer('tcp://127.0.0.1:0', new Map([...USERS, ['bob', 'builder']]));
    expect(validatesOutbound(server.config)).to.equal(process.env['NODE_ENV'] !== 'production');
    const ada = connectKvClient(server.addresses()[0]!, 'ada', 'lovelace');
    const bob = connectKvClient(server.addresses()[0]!, 'bob', 'builder');
    const seen: unknown[] = [];
    bob.messages$.subscribe((m) => seen.push(m));
    try {
      ada.send({ op: 'Put', key: 'k', value: 'ada' });
      bob.send({ op: 'Get', key: 'k' });
      await eventually(() => seen.length === 2, 5000, "bob's Value");
      expect(seen).to.deep.equal([
        { op: 'Welcome', user: 'bob' },
        { op: 'Value', key: 'k', value: null },
      ]);
    } finally {
      await Promise.all([ada.close(), bob.close()]);
      await server.close();
    }
  });

  it('a denied login ends the connection; the kv messages that waited are reported dropped', async () => {
    const server = await startKvServer('tcp://127.0.0.1:0', USERS);
    const client = connectKvClient(server.addresses()[0]!, 'ada', 'wrong');
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    try {
      expect(client.send({ op: 'Get', key: 'k' })).to.equal(true);
      await client.closed;
      expect(events.filter((e) => e.type === 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'closed', message: { op: 'Get', key: 'k' } }]);
    } finally {
      await server.close();
    }
  });

  it('the type mistakes of the user report do not compile', async () => {
    const server = await startKvServer('tcp://127.0.0.1:0', USERS);
    const client = connectKvClient(server.addresses()[0]!, 'ada', 'lovelace');
    try {
      // @ts-expect-error Put's value is a string
      expect(() => client.send({ op: 'Put', key: 'k', value: 1 })).to.throw();
      // @ts-expect-error no protocol of the stack has a Delete
      expect(() => client.send({ op: 'Delete', key: 'k' })).to.throw();
      // @ts-expect-error kvProcessor needs `user: string`: without the guard the stage does not fit a KvState stack
      const unguarded: Stage<'server', KvState> = serverStage(KvProtocol, kvProcessor(new Map()));
      expect(unguarded.side).to.equal('server');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
