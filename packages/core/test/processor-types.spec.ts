import { expect } from 'chai';
import { EMPTY, from, map, of, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  defineProtocol,
  type ClientMessage,
  type ClientProcessor,
  type InboundOf,
  type OutboundOf,
  type Peer,
  type ProcessorOutput,
  type ServerMessage,
  type ServerProcessor,
} from '@rxmsg/core';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also asserts something at run time.

/** `true` exactly when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const Greeting = defineProtocol({
  name: 'greeting',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }), Bye: z.object({}) },
  server: { World: z.object({ greeting: z.string() }) },
});
type P = typeof Greeting;

/** A peer that records what is sent through it. */
function recordingPeer<In, Out>(sent: Out[]): Peer<In, Out, unknown> {
  return {
    id: 1,
    remoteAddress: '127.0.0.1:50000',
    listener: 'tcp://127.0.0.1:0',
    protocol: 'greeting',
    state: undefined,
    listenerContext: undefined,
    messages$: EMPTY,
    send: (message) => sent.push(message) > 0,
    writable: true,
    whenWritable: () => Promise.resolve(true),
    grant: () => true,
    openStream: () => {
      throw new Error('no streams in type tests');
    },
    close: () => undefined,
    flushAndClose: () => Promise.resolve(0),
    cancelAndClose: () => undefined,
  };
}

function run<In, Out>(
  processor: (in$: Observable<In>, peer: Peer<In, Out, unknown>) => ProcessorOutput<Out>,
  inbound: In[],
): { emitted: Out[]; sent: Out[] } {
  const emitted: Out[] = [];
  const sent: Out[] = [];
  from(processor(of(...inbound), recordingPeer<In, Out>(sent))).subscribe((m) => emitted.push(m));
  return { emitted, sent };
}

describe('processor types', () => {
  it('derives each direction from the protocol, tag included', () => {
    const client: Equals<ClientMessage<P>, { kind: 'Hello'; name: string } | { kind: 'Bye' }> = true;
    const server: Equals<ServerMessage<P>, { kind: 'World'; greeting: string }> = true;
    const serverIn: Equals<InboundOf<P, 'server'>, ClientMessage<P>> = true;
    const serverOut: Equals<OutboundOf<P, 'server'>, ServerMessage<P>> = true;
    const clientIn: Equals<InboundOf<P, 'client'>, ServerMessage<P>> = true;
    const clientOut: Equals<OutboundOf<P, 'client'>, ClientMessage<P>> = true;
    expect([client, server, serverIn, serverOut, clientIn, clientOut].every(Boolean)).to.equal(true);
  });

  describe('ServerProcessor<P>', () => {
    it('receives client messages and emits server messages', () => {
      const greet: ServerProcessor<P> = (in$, peer) => {
        peer.send({ kind: 'World', greeting: 'welcome' });
        return in$.pipe(map((m) => ({ kind: 'World' as const, greeting: m.kind === 'Hello' ? `hello ${m.name}` : 'bye' })));
      };
      expect(run(greet, [{ kind: 'Hello', name: 'Ada' }, { kind: 'Bye' }])).to.deep.equal({
        emitted: [
          { kind: 'World', greeting: 'hello Ada' },
          { kind: 'World', greeting: 'bye' },
        ],
        sent: [{ kind: 'World', greeting: 'welcome' }],
      });
    });

    it('does not compile when it emits a client message', () => {
      // @ts-expect-error echoing client messages back: they are not server messages
      const echo: ServerProcessor<P> = (in$) => in$;
      // @ts-expect-error a client message built by hand
      const hello: ServerProcessor<P> = (in$) => in$.pipe(map(() => ({ kind: 'Hello' as const, name: 'x' })));
      expect(run(echo, [{ kind: 'Bye' }]).emitted).to.deep.equal([{ kind: 'Bye' }]);
      expect(run(hello, [{ kind: 'Bye' }]).emitted).to.deep.equal([{ kind: 'Hello', name: 'x' }]);
    });

    it('does not compile when it sends a client message through the peer', () => {
      const sendsHello: ServerProcessor<P> = (in$, peer) => {
        // @ts-expect-error peer.send takes server messages
        peer.send({ kind: 'Hello', name: 'x' });
        return EMPTY;
      };
      expect(run(sendsHello, []).sent).to.deep.equal([{ kind: 'Hello', name: 'x' }]);
    });

    it('may be a generator of server messages, and does not compile yielding a client message', () => {
      const rows: ServerProcessor<P> = function* () {
        for (let i = 0; i < 3; i++) yield { kind: 'World', greeting: `row ${i}` } as const;
      };
      // @ts-expect-error a generator yielding client messages
      const wrong: ServerProcessor<P> = function* () {
        yield { kind: 'Hello', name: 'x' } as const;
      };
      expect(run(rows, []).emitted.map((m) => m.greeting)).to.deep.equal(['row 0', 'row 1', 'row 2']);
      expect(run(wrong, []).emitted).to.deep.equal([{ kind: 'Hello', name: 'x' }]);
    });

    it('does not compile when it reads a field the inbound message lacks', () => {
      // @ts-expect-error server messages (greeting) are not what a server receives
      const wrongIn: ServerProcessor<P> = (in$) => in$.pipe(map((m) => ({ kind: 'World' as const, greeting: m.greeting })));
      expect(run(wrongIn, [{ kind: 'Bye' }]).emitted).to.deep.equal([{ kind: 'World', greeting: undefined }]);
    });
  });

  describe('ClientProcessor<P>', () => {
    it('receives server messages and emits client messages', () => {
      const reply: ClientProcessor<P> = (in$) => in$.pipe(map((m) => ({ kind: 'Hello' as const, name: m.greeting })));
      expect(run(reply, [{ kind: 'World', greeting: 'hi' }]).emitted).to.deep.equal([{ kind: 'Hello', name: 'hi' }]);
    });

    it('does not compile when it emits a server message', () => {
      // @ts-expect-error echoing server messages back: they are not client messages
      const echo: ClientProcessor<P> = (in$) => in$;
      // @ts-expect-error a server message built by hand
      const world: ClientProcessor<P> = (in$) => in$.pipe(map(() => ({ kind: 'World' as const, greeting: 'x' })));
      expect(run(echo, [{ kind: 'World', greeting: 'a' }]).emitted).to.deep.equal([{ kind: 'World', greeting: 'a' }]);
      expect(run(world, [{ kind: 'World', greeting: 'a' }]).emitted).to.deep.equal([{ kind: 'World', greeting: 'x' }]);
    });

    it('does not compile when it sends a server message through the peer', () => {
      const sendsWorld: ClientProcessor<P> = (in$, peer) => {
        // @ts-expect-error peer.send takes client messages
        peer.send({ kind: 'World', greeting: 'x' });
        return in$.pipe(map(() => ({ kind: 'Bye' as const })));
      };
      expect(run(sendsWorld, [{ kind: 'World', greeting: 'a' }])).to.deep.equal({
        emitted: [{ kind: 'Bye' }],
        sent: [{ kind: 'World', greeting: 'x' }],
      });
    });
  });
});
