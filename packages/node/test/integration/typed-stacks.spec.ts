import { expect } from 'chai';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { EMPTY, concat, ignoreElements, map, mergeMap, of, take, tap } from 'rxjs';
import { z } from 'zod';
import {
  InvalidMessageError,
  ProcessorError,
  StageStateError,
  UnknownMessageError,
  binaryCodec,
  clientStage,
  createCompositeClient,
  createCompositeServer,
  defineProtocol,
  serverStage,
  type ClientEvent,
  type ClientMessage,
  type ClientProcessor,
  type ServerEvent,
  type ServerMessage,
  type ServerProcessor,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';

/**
 * Typed stacks over real loopback TCP: a text login protocol stacked over a binary key-value
 * protocol (the user report behind issue 13), with the composite client's routed `send()`, the kv
 * stage's state guard and `validateOutbound`.
 */

const Auth = defineProtocol({
  name: 'auth',
  tag: 'op',
  codec: 'text',
  client: { Login: z.object({ user: z.string().min(1), password: z.string() }) },
  server: { Welcome: z.object({ user: z.string() }), Denied: z.object({ reason: z.string() }) },
});

const Kv = defineProtocol({
  name: 'kv',
  tag: 'op',
  codec: 'binary',
  client: { Put: z.object({ key: z.string(), value: z.number() }), Get: z.object({ key: z.string() }) },
  server: { Value: z.object({ key: z.string(), value: z.number().nullable() }) },
});

interface AppState {
  user: string | undefined;
  /** A buggy login stage lets this connection through without setting `user`. */
  slipped: boolean;
}
type LoggedIn = AppState & { user: string };
const loggedIn = (s: AppState): s is LoggedIn => s.user !== undefined;

/** The kv server: `mallory` slips through login without a user (a login bug); the kv guard stops her. */
async function startKvServer(config: { readonly validateOutbound?: 'always' | 'never' } = {}) {
  const store = new Map<string, number>();
  const login: ServerProcessor<typeof Auth, AppState> = (in$, peer) =>
    in$.pipe(
      take(1),
      map((m) => {
        if (m.password !== 'secret') return { op: 'Denied', reason: 'wrong password' } as const;
        if (m.user === 'mallory') peer.state.slipped = true;
        else peer.state.user = m.user;
        return { op: 'Welcome', user: m.user } as const;
      }),
    );
  // Typed with the narrowed state: `peer.state.user` is a string here.
  const kv: ServerProcessor<typeof Kv, LoggedIn> = (in$, peer) =>
    in$.pipe(
      mergeMap((m) => {
        const key = `${peer.state.user}/${m.key}`;
        if (m.op === 'Put') {
          store.set(key, m.value);
          return EMPTY;
        }
        // A processor bug on purpose: the key 'bug' gets a Value whose value is a string.
        const value = m.key === 'bug' ? ('oops' as unknown as number) : (store.get(key) ?? null);
        return of({ op: 'Value', key: m.key, value } as const);
      }),
    );
  const server = await createCompositeServer({
    listen: 'tcp://127.0.0.1:0',
    stages: { auth: serverStage(Auth, login), kv: serverStage(Kv, kv, { requires: loggedIn }) },
    initialState: (): AppState => ({ user: undefined, slipped: false }),
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && (state.user !== undefined || state.slipped) ? 'kv' : null),
    config,
  });
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  return { server, events, address: server.addresses()[0]! };
}

interface ClientState {
  verdict: ServerMessage<typeof Auth> | undefined;
}

/** A composite client that logs in as `user`, then stays in the kv stage until closed. */
function connectClient(address: string, user: string, config: { readonly whileDisconnected?: 'queue' | 'drop'; readonly disconnectedQueueLimit?: number } = {}) {
  const login: ClientProcessor<typeof Auth, ClientState> = (in$, peer) =>
    concat(
      of({ op: 'Login', user, password: 'secret' } as const),
      in$.pipe(
        take(1),
        tap((v) => (peer.state.verdict = v)),
        ignoreElements(),
      ),
    );
  const client = createCompositeClient({
    connect: address,
    stages: { login: clientStage(Auth, login), kv: clientStage(Kv, (in$) => in$.pipe(ignoreElements())) },
    initialState: (): ClientState => ({ verdict: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'login' : previous === 'login' && state.verdict?.op === 'Welcome' ? 'kv' : null),
    config,
  });
  const events: ClientEvent[] = [];
  const messages: ServerMessage<typeof Auth | typeof Kv>[] = [];
  client.events$.subscribe((e) => events.push(e));
  client.messages$.subscribe((m) => messages.push(m));
  return { client, events, messages };
}

function ofType<E extends { readonly type: string }, T extends E['type']>(events: readonly E[], type: T): Extract<E, { type: T }>[] {
  return events.filter((e): e is Extract<E, { type: T }> => e.type === type);
}

/** A bare TCP server that keeps the one socket it accepts and everything it received. */
async function bareServer(): Promise<{ address: string; socket: () => Socket | undefined; received: () => Buffer; close: () => Promise<void> }> {
  let socket: Socket | undefined;
  const chunks: Buffer[] = [];
  const net: NetServer = createNetServer((s) => {
    socket = s;
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  const { port } = net.address() as { port: number };
  return {
    address: `tcp://127.0.0.1:${port}`,
    socket: () => socket,
    received: () => Buffer.concat(chunks),
    close: () => {
      socket?.destroy();
      return new Promise((resolve) => net.close(() => resolve()));
    },
  };
}

describe('typed stacks over TCP', () => {
  describe('composite client send()', () => {
    it('a kv message sent during login goes out after the login, in the binary kv protocol, never as a text line', async () => {
      const bare = await bareServer();
      const { client, events } = connectClient(bare.address, 'ada');
      try {
        const put: ClientMessage<typeof Kv> = { op: 'Put', key: 'a', value: 1 };
        expect(client.send(put)).to.equal(true); // before the connection
        const loginLine = '{"op":"Login","user":"ada","password":"secret"}\n';
        await eventually(() => bare.received().toString().includes('\n'), 5000, 'the Login line');
        expect(client.send({ op: 'Get', key: 'a' })).to.equal(true); // connected, in the login stage
        expect(bare.received().toString()).to.equal(loginLine);
        bare.socket()!.write('{"op":"Welcome","user":"ada"}\n');
        const frames = Buffer.concat([binaryCodec.encodeFrame(put) as Uint8Array, binaryCodec.encodeFrame({ op: 'Get', key: 'a' }) as Uint8Array]);
        await eventually(() => bare.received().length >= loginLine.length + frames.length, 5000, 'the kv frames');
        expect(bare.received()).to.deep.equal(Buffer.concat([Buffer.from(loginLine), frames]));
        expect(ofType(events, 'protocol-entered').map((e) => e.protocol)).to.deep.equal(['login', 'kv']);
      } finally {
        await client.close();
        await bare.close();
      }
    });

    it('against the composite server: waiting messages reach the kv stage; a message of no stage throws; the wait is bounded', async () => {
      const { server, events: serverEvents, address } = await startKvServer();
      const { client, events, messages } = connectClient(address, 'ada', { disconnectedQueueLimit: 2 });
      try {
        expect(() => client.send({ op: 'Delete', key: 'a' } as unknown as ClientMessage<typeof Kv>)).to.throw(UnknownMessageError);
        expect(() => client.send({ op: 'Put', key: 'a', value: '1' } as unknown as ClientMessage<typeof Kv>)).to.throw(InvalidMessageError);
        expect([client.send({ op: 'Put', key: 'a', value: 1 }), client.send({ op: 'Get', key: 'a' }), client.send({ op: 'Get', key: 'b' })]).to.deep.equal([true, true, false]);
        expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'queue-full', message: { op: 'Get', key: 'b' } }]);
        await eventually(() => messages.length === 2, 5000, 'the Value');
        expect(messages).to.deep.equal([
          { op: 'Welcome', user: 'ada' },
          { op: 'Value', key: 'a', value: 1 },
        ]);
        expect(ofType(serverEvents, 'decode-error')).to.deep.equal([]);
      } finally {
        await client.close();
        await server.close();
      }
    });

    it("the connection drops with messages waiting for the kv stage: under 'drop' each is reported dropped (disconnected)", async () => {
      const bare = await bareServer();
      const { client, events } = connectClient(bare.address, 'ada', { whileDisconnected: 'drop' });
      try {
        await eventually(() => bare.received().toString().includes('\n'), 5000, 'the Login line');
        expect(client.send({ op: 'Put', key: 'a', value: 1 })).to.equal(true);
        bare.socket()!.destroy();
        await client.closed;
        expect(ofType(events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'disconnected', message: { op: 'Put', key: 'a', value: 1 } }]);
      } finally {
        await bare.close();
      }
    });
  });

  it('a kv stage whose guard refuses the state ends only that connection (processor-error with a StageStateError); others are served', async () => {
    const { server, events, address } = await startKvServer();
    const mallory = connectClient(address, 'mallory');
    const ada = connectClient(address, 'ada');
    try {
      mallory.client.send({ op: 'Get', key: 'x' });
      ada.client.send({ op: 'Put', key: 'x', value: 5 });
      ada.client.send({ op: 'Get', key: 'x' });
      await mallory.client.closed;
      await eventually(() => ofType(events, 'processor-error').length === 1, 5000, 'the processor-error');
      const failure = ofType(events, 'processor-error')[0]!;
      expect(failure.error).to.be.instanceOf(ProcessorError);
      expect(failure.error.cause).to.be.instanceOf(StageStateError).and.include({ code: 'STAGE_STATE', stage: 'kv' });
      await eventually(() => ofType(events, 'disconnected').length === 1, 5000, "mallory's disconnect");
      expect(ofType(events, 'disconnected')[0]).to.include({ peerId: failure.peerId, reason: 'processor-error' });
      await eventually(() => ada.messages.length === 2, 5000, "ada's Value");
      expect(ada.messages[1]).to.deep.equal({ op: 'Value', key: 'x', value: 5 });
    } finally {
      await ada.client.close();
      await server.close();
    }
  });

  describe('validateOutbound', () => {
    it("'always': an invalid Value from the kv processor is not sent; processor-error with the InvalidMessageError, the connection closes", async () => {
      const { server, events, address } = await startKvServer({ validateOutbound: 'always' });
      const { client, events: clientEvents, messages } = connectClient(address, 'ada');
      try {
        client.send({ op: 'Get', key: 'bug' });
        await client.closed;
        await eventually(() => ofType(events, 'disconnected').length === 1, 5000, 'the disconnect');
        const failure = ofType(events, 'processor-error')[0];
        expect(failure?.error.cause).to.be.instanceOf(InvalidMessageError).with.property('messageName', 'Value');
        expect(ofType(events, 'disconnected')[0]).to.include({ reason: 'processor-error' });
        expect(messages).to.deep.equal([{ op: 'Welcome', user: 'ada' }]);
        expect(ofType(clientEvents, 'decode-error')).to.deep.equal([]);
      } finally {
        await server.close();
      }
    });

    it("'never': it is sent, and the client's own validation refuses it", async () => {
      const { server, events, address } = await startKvServer({ validateOutbound: 'never' });
      const { client, events: clientEvents } = connectClient(address, 'ada');
      try {
        client.send({ op: 'Get', key: 'bug' });
        await client.closed;
        expect(ofType(events, 'processor-error')).to.deep.equal([]);
        expect(ofType(clientEvents, 'decode-error')[0]?.error).to.be.instanceOf(InvalidMessageError);
      } finally {
        await server.close();
      }
    });
  });
});
