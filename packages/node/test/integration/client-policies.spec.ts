import { expect } from 'chai';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { NEVER, concat, ignoreElements, map, of, take } from 'rxjs';
import {
  clientStage,
  createClient,
  createCompositeClient,
  createCompositeServer,
  createServer,
  serverStage,
  type ClientEvent,
  type ServerEvent,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { TextEcho, BinaryEcho, ofType, pings, record } from './echo-protocol';
import { WirePeer } from './wire-peer';

describe('policies on clients and composite stacks', () => {
  it('a client with heartbeats closes a connection to a server that went silent (reason timeout)', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const events: ClientEvent[] = [];
      const client = createClient({
        connect: `tcp://127.0.0.1:${port}`,
        protocol: TextEcho,
        processor: () => NEVER,
        config: { heartbeat: { intervalMs: 20, timeoutMs: 80 } },
      });
      client.events$.subscribe((e) => events.push(e));
      await client.closed;
      const gone = events.find((e) => e.type === 'disconnected');
      expect(gone).to.deep.include({ reason: 'timeout' });
      expect(gone?.type === 'disconnected' ? gone.error?.code : undefined).to.equal('TIMEOUT');
      // The silent server saw the client's pings.
      expect(sockets).to.have.length(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('a composite stack applies the policies in every stage (idle timeout in the second protocol)', async () => {
    const server = await createCompositeServer({
      listen: 'tcp://127.0.0.1:0',
      stages: {
        hello: serverStage(TextEcho, (in$) => in$.pipe(take(1), map((m) => ({ kind: 'Pong', n: m.n }) as const))),
        game: serverStage(BinaryEcho, (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const))),
      },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'hello' : previous === 'hello' ? 'game' : null),
      config: { idleTimeoutMs: 120 },
    });
    const log = record<ServerEvent>(server.events$);
    try {
      const client = createCompositeClient({
        connect: server.addresses()[0]!,
        stages: {
          hello: clientStage(TextEcho, (in$) => concat(of(...pings(0, 1)), in$.pipe(take(1), ignoreElements()))),
          game: clientStage(BinaryEcho, (in$) => concat(of(...pings(1, 2)), in$.pipe(ignoreElements()))),
        },
        initialState: () => ({}),
        router: (_s, _p, previous) => (previous === null ? 'hello' : previous === 'hello' ? 'game' : null),
      });
      await client.closed;
      await eventually(() => ofType(log.events, 'disconnected').length === 1, 2000, 'server side disconnected');
      expect(ofType(log.events, 'protocol-entered').map((e) => e.protocol)).to.deep.equal(['hello', 'game']);
      expect(ofType(log.events, 'disconnected')[0]).to.deep.include({ reason: 'idle-timeout' });
    } finally {
      await server.close();
    }
  });
});

describe("validation: 'tag'", () => {
  it('skips the schema check for trusted peers but still refuses unknown messages', async () => {
    const seen: unknown[] = [];
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: TextEcho,
      processor: (in$) =>
        in$.pipe(
          map((m) => {
            seen.push(m);
            return { kind: 'Pong', n: 0 } as const;
          }),
        ),
      config: { validation: 'tag', onDecodeError: 'reply' },
    });
    try {
      const peer = await WirePeer.connect(server.addresses()[0]!, TextEcho.codec);
      await peer.write('{"kind":"Ping","n":"not checked"}\n{"kind":"Nope"}\n');
      expect(await peer.receive(2)).to.deep.equal([
        { kind: 'Pong', n: 0 },
        { kind: 'Oops', code: 'MESSAGE_UNKNOWN' },
      ]);
      expect(seen).to.deep.equal([{ kind: 'Ping', n: 'not checked' }]);
      peer.destroy();
    } finally {
      await server.close();
    }
  });
});
