import { expect } from 'chai';
import { ignoreElements, map } from 'rxjs';
import { z } from 'zod';
import { DecodeError, InvalidMessageError, ProcessorError, UnknownMessageError, defineProtocol, type ClientMessage, type ServerMessage } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, type ClientEvent, type ServerEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { outboundError } from '../src/outbound-check';
import { Kv, connectKvClient, ofType, startKvServer } from './support/kv-stack';

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});
type Ping = ClientMessage<typeof Echo>;
type Pong = ServerMessage<typeof Echo>;

/** The cause of the one processor-error event: what the outbound check refused. */
function refusal(events: readonly (ServerEvent | ClientEvent)[]): unknown {
  const failures = ofType(events, 'processor-error');
  expect(failures).to.have.length(1);
  expect(failures[0]!.error).to.be.instanceOf(ProcessorError);
  return failures[0]!.error.cause;
}

describe('validateOutbound', () => {
  it('outboundError checks the sending side of the protocol, tag and full schema', () => {
    expect(outboundError('server', Echo, { kind: 'Pong', n: 1 })).to.equal(undefined);
    expect(outboundError('client', Echo, { kind: 'Pong', n: 1 })).to.be.instanceOf(UnknownMessageError);
    expect(outboundError('server', Echo, { kind: 'Pong', n: 'one' })).to.be.instanceOf(InvalidMessageError);
    expect(outboundError('client', Echo, 'Ping')).to.be.instanceOf(DecodeError).with.property('code', 'MESSAGE_MALFORMED');
  });

  describe("'always' on a server", () => {
    it('an invalid message a processor emits is not sent: processor-error carrying the InvalidMessageError, and that connection closes', async () => {
      const memory = memoryTransport();
      const { server, events, address } = await startKvServer(memory, {
        config: { validateOutbound: 'always' },
        answer: (key) => (key === 'bad' ? { op: 'Value', key, value: 'seven' } : undefined),
      });
      const bad = connectKvClient(memory, address, { kvFirst: [{ op: 'Get', key: 'bad' }] });
      const good = connectKvClient(memory, address, { kvFirst: [{ op: 'Get', key: 'good' }] });
      try {
        await bad.client.closed;
        await eventually(() => ofType(events, 'disconnected').length === 1, 5000, 'the bad connection closed');
        const cause = refusal(events);
        expect(cause).to.be.instanceOf(InvalidMessageError).with.property('messageName', 'Value');
        expect(ofType(events, 'disconnected')[0]).to.include({ reason: 'processor-error' });
        // Nothing invalid reached the client: it saw only its Welcome.
        expect(bad.messages).to.deep.equal([{ op: 'Welcome', user: 'ada' }]);
        expect(ofType(bad.events, 'decode-error')).to.deep.equal([]);
        await eventually(() => good.messages.length === 2, 5000, 'the good Value');
        expect(good.messages[1]).to.deep.equal({ op: 'Value', key: 'good', value: null });
      } finally {
        await good.client.close();
        await server.close();
      }
    });

    it('an unknown message sent with peer.send from a processor: processor-error carrying the UnknownMessageError', async () => {
      const memory = memoryTransport();
      const server = await createServer({
        listen: 'memory://echo:0',
        transports: [memory],
        protocol: Echo,
        processor: (in$, peer) =>
          in$.pipe(
            map((m) => {
              peer.send({ kind: 'Pang', n: m.n } as unknown as Pong); // a processor bug, on purpose
              return { kind: 'Pong', n: m.n } as const;
            }),
          ),
        config: { validateOutbound: 'always' },
      });
      const events: ServerEvent[] = [];
      server.events$.subscribe((e) => events.push(e));
      const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
      const received: unknown[] = [];
      client.messages$.subscribe((m) => received.push(m));
      try {
        client.send({ kind: 'Ping', n: 1 });
        await client.closed;
        await eventually(() => ofType(events, 'disconnected').length === 1, 5000, 'the connection closed');
        expect(refusal(events)).to.be.instanceOf(UnknownMessageError).with.property('tag', 'Pang');
        expect(received).to.deep.equal([]);
      } finally {
        await server.close();
      }
    });
  });

  it("'never' (the default) sends it: the peer's own validation is what catches it", async () => {
    const memory = memoryTransport();
    const { server, events, address } = await startKvServer(memory, { answer: (key) => ({ op: 'Value', key, value: 'seven' }) });
    const bad = connectKvClient(memory, address, { kvFirst: [{ op: 'Get', key: 'k' }] });
    try {
      await bad.client.closed;
      expect(ofType(events, 'processor-error')).to.deep.equal([]);
      const decode = ofType(bad.events, 'decode-error');
      expect(decode).to.have.length(1);
      expect(decode[0]!.error).to.be.instanceOf(InvalidMessageError);
    } finally {
      await server.close();
    }
  });

  describe('on a client', () => {
    it("'always': an invalid message its processor emits is not sent (processor-error, the client closes)", async () => {
      const memory = memoryTransport();
      const server = await createServer({ listen: 'memory://echo:0', transports: [memory], protocol: Echo, processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)) });
      const serverEvents: ServerEvent[] = [];
      server.events$.subscribe((e) => serverEvents.push(e));
      const client = createClient({
        connect: server.addresses()[0]!,
        transports: [memory],
        protocol: Echo,
        processor: () => [{ kind: 'Ping', n: 'one' } as unknown as Ping],
        config: { validateOutbound: 'always' },
      });
      const events: ClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      try {
        await client.closed;
        expect(refusal(events)).to.be.instanceOf(InvalidMessageError);
        await eventually(() => ofType(serverEvents, 'disconnected').length === 1, 5000, 'server side closed');
        expect(ofType(serverEvents, 'decode-error')).to.deep.equal([]);
      } finally {
        await server.close();
      }
    });

    it("'always': send() from outside a processor throws the DecodeError instead, and the connection stays", async () => {
      const memory = memoryTransport();
      const server = await createServer({ listen: 'memory://echo:0', transports: [memory], protocol: Echo, processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)) });
      const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo, config: { validateOutbound: 'always' } });
      const received: unknown[] = [];
      client.messages$.subscribe((m) => received.push(m));
      try {
        expect(() => client.send({ kind: 'Ping', n: 'one' } as unknown as Ping)).to.throw(InvalidMessageError);
        expect(() => client.send({ kind: 'Pang', n: 1 } as unknown as Ping)).to.throw(UnknownMessageError);
        expect(client.send({ kind: 'Ping', n: 2 })).to.equal(true);
        await eventually(() => received.length === 1, 5000, 'the Pong');
        expect(received).to.deep.equal([{ kind: 'Pong', n: 2 }]);
      } finally {
        await client.close();
        await server.close();
      }
    });

    it("'never' (the default): a single-protocol client's send() does not check, as before", async () => {
      const memory = memoryTransport();
      const server = await createServer({ listen: 'memory://echo:0', transports: [memory], protocol: Echo, processor: (in$) => in$.pipe(ignoreElements()) });
      const serverEvents: ServerEvent[] = [];
      server.events$.subscribe((e) => serverEvents.push(e));
      const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
      try {
        expect(client.send({ kind: 'Ping', n: 'one' } as unknown as Ping)).to.equal(true);
        await eventually(() => ofType(serverEvents, 'decode-error').length === 1, 5000, "the server's decode-error");
        expect(ofType(serverEvents, 'decode-error')[0]!.error).to.be.instanceOf(InvalidMessageError);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });

  it('a composite server PeerHandle.send throws for an invalid message, whatever validateOutbound says', async () => {
    const memory = memoryTransport();
    const { server, peers, address } = await startKvServer(memory);
    const ada = connectKvClient(memory, address);
    try {
      await eventually(() => peers.length === 1 && ada.messages.length === 1, 5000, 'logged in');
      expect(() => peers[0]!.send({ op: 'Value', key: 'k', value: 'x' })).to.throw(InvalidMessageError);
      expect(peers[0]!.send({ op: 'Value', key: 'k', value: 1 } satisfies ServerMessage<typeof Kv>)).to.equal(true);
      await eventually(() => ada.messages.length === 2, 5000, 'the Value');
    } finally {
      await ada.client.close();
      await server.close();
    }
  });
});
