import { expect } from 'chai';
import { BehaviorSubject, Subject, filter } from 'rxjs';
import { InvalidMessageError, UnknownMessageError, type ClientMessage } from '@rxmsg/core';
import { memoryTransport } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { Kv, connectKvClient, ofType, startKvServer } from './support/kv-stack';

type KvMessage = ClientMessage<typeof Kv>;
const put = (key: string, value: number): KvMessage => ({ op: 'Put', key, value });

/**
 * The routing rule of a composite client's `send()` (see ClientHandle.send), on the in-memory
 * transport: a text login stage, then a binary key-value stage.
 */
describe('composite client send()', () => {
  it('keeps a message for the kv stage, sent before connecting or during login, until kv is entered, then sends it in the kv protocol', async () => {
    const memory = memoryTransport();
    const release = new Subject<void>();
    const { server, received, events: serverEvents, address } = await startKvServer(memory, { release$: release });
    const { client, events, messages } = connectKvClient(memory, address);
    try {
      expect(client.send(put('a', 1))).to.equal(true); // not connected yet
      await eventually(() => ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
      expect(client.send(put('b', 2))).to.equal(true); // connected, in the login stage
      expect(client.send({ op: 'Get', key: 'a' })).to.equal(true);
      release.next();
      await eventually(() => messages.length === 2, 5000, 'the Value');
      expect(received).to.deep.equal(['ada: Put a', 'ada: Put b', 'ada: Get a']);
      expect(messages).to.deep.equal([
        { op: 'Welcome', user: 'ada' },
        { op: 'Value', key: 'a', value: 1 },
      ]);
      // The login stage never saw a kv message (it would have been a decode error there).
      expect(ofType(serverEvents, 'decode-error')).to.deep.equal([]);
      expect(ofType(events, 'send-dropped')).to.deep.equal([]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('sends a message of the current stage at once, ahead of those waiting for a later stage', async () => {
    const memory = memoryTransport();
    const { server, received, address } = await startKvServer(memory);
    const { client, events, messages } = connectKvClient(memory, address, { manualLogin: true });
    try {
      await eventually(() => ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
      expect(client.send(put('a', 1))).to.equal(true);
      // Login is an auth message: the current stage takes it now; the Put waits for kv.
      expect(client.send({ op: 'Login', user: 'ada', password: 'secret' })).to.equal(true);
      expect(client.send({ op: 'Get', key: 'a' })).to.equal(true);
      await eventually(() => messages.length === 2, 5000, 'the Value');
      expect(received).to.deep.equal(['ada: Put a', 'ada: Get a']);
      expect(messages[1]).to.deep.equal({ op: 'Value', key: 'a', value: 1 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('throws the DecodeError of a message no stage accepts, and neither sends nor keeps it', async () => {
    const memory = memoryTransport();
    const { server, received, address } = await startKvServer(memory);
    const { client, events, messages } = connectKvClient(memory, address);
    try {
      const unknown = (): boolean => client.send({ op: 'Delete', key: 'a' } as unknown as KvMessage);
      expect(unknown).to.throw(UnknownMessageError).with.property('code', 'MESSAGE_UNKNOWN');
      const invalid = (): boolean => client.send({ op: 'Put', key: 'a', value: 'one' } as unknown as KvMessage);
      expect(invalid).to.throw(InvalidMessageError).with.property('messageName', 'Put');
      expect(() => client.send({ op: 'Login', user: '', password: 'x' })).to.throw(InvalidMessageError);
      expect(() => client.send(null as unknown as KvMessage)).to.throw(Error).with.property('code', 'MESSAGE_MALFORMED');
      client.send({ op: 'Get', key: 'a' });
      await eventually(() => messages.length === 2, 5000, 'the Value');
      expect(received).to.deep.equal(['ada: Get a']);
    } finally {
      await client.close();
      await server.close();
    }
    expect(ofType(events, 'send-dropped')).to.deep.equal([]);
  });

  it('keeps at most disconnectedQueueLimit messages waiting for a later stage; the next is refused with send-dropped (queue-full)', async () => {
    const memory = memoryTransport();
    const release = new Subject<void>();
    const { server, received, address } = await startKvServer(memory, { release$: release });
    const { client, events, messages } = connectKvClient(memory, address, { config: { disconnectedQueueLimit: 2 } });
    try {
      await eventually(() => ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
      expect([client.send(put('a', 1)), client.send(put('b', 2)), client.send(put('c', 3))]).to.deep.equal([true, true, false]);
      expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'queue-full', message: put('c', 3) }]);
      release.next();
      await eventually(() => received.length === 2, 5000, 'the Puts');
      client.send({ op: 'Get', key: 'b' });
      await eventually(() => messages.length === 2, 5000, 'the Value');
      expect(received).to.deep.equal(['ada: Put a', 'ada: Put b', 'ada: Get b']);
    } finally {
      await client.close();
      await server.close();
    }
  });

  describe('when the connection is lost with messages waiting for a later stage', () => {
    it("'drop': each is dropped with send-dropped (disconnected)", async () => {
      const memory = memoryTransport();
      const { server, peers, address } = await startKvServer(memory, { release$: new Subject<void>() });
      const { client, events } = connectKvClient(memory, address, { config: { whileDisconnected: 'drop' } });
      try {
        await eventually(() => peers.length === 1 && ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
        expect(client.send(put('a', 1))).to.equal(true);
        peers[0]!.cancelAndClose();
        await client.closed;
        expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'disconnected', message: put('a', 1) }]);
      } finally {
        await server.close();
      }
    });

    it("'drop': close() with messages waiting reports them closed, not disconnected", async () => {
      const memory = memoryTransport();
      const release = new Subject<void>();
      const { server, peers, address } = await startKvServer(memory, { release$: release });
      const { client, events } = connectKvClient(memory, address, { config: { whileDisconnected: 'drop' } });
      try {
        await eventually(() => peers.length === 1 && ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
        expect(client.send(put('a', 1))).to.equal(true);
        const closing = client.close();
        release.complete(); // the server's login stage ends without a verdict, so both sides end at once
        await closing;
        expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'closed', message: put('a', 1) }]);
      } finally {
        await server.close();
      }
    });

    it("'queue' without reconnect: they are dropped when the client closes (closed)", async () => {
      const memory = memoryTransport();
      const { server, peers, address } = await startKvServer(memory, { release$: new Subject<void>() });
      const { client, events } = connectKvClient(memory, address);
      try {
        await eventually(() => peers.length === 1 && ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
        expect(client.send(put('a', 1))).to.equal(true);
        peers[0]!.cancelAndClose();
        await client.closed;
        expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'closed', message: put('a', 1) }]);
      } finally {
        await server.close();
      }
    });

    it("'queue' with reconnect: they wait for the kv stage of the next connection", async () => {
      const memory = memoryTransport();
      const open = new BehaviorSubject(false);
      const { server, peers, received, address } = await startKvServer(memory, { release$: open.pipe(filter(Boolean)) });
      const reconnect = { initialMs: 1, maxMs: 10, factor: 2, jitter: 0, maxAttempts: 5, stableAfterMs: 60_000 } as const;
      const { client, events, messages } = connectKvClient(memory, address, { config: { reconnect } });
      try {
        await eventually(() => peers.length === 1 && ofType(events, 'protocol-entered').length === 1, 5000, 'login entered');
        expect(client.send(put('a', 1))).to.equal(true);
        peers[0]!.cancelAndClose();
        await eventually(() => ofType(events, 'disconnected').length === 1, 5000, 'first connection lost');
        open.next(true);
        client.send({ op: 'Get', key: 'a' });
        await eventually(() => messages.some((m) => (m as { op: string }).op === 'Value'), 5000, 'the Value');
        expect(received).to.deep.equal(['ada: Put a', 'ada: Get a']);
        expect(ofType(events, 'connected').map((e) => e.peerId)).to.deep.equal([1, 2]);
        expect(ofType(events, 'send-dropped')).to.deep.equal([]);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });
});
