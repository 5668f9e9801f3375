import { expect } from 'chai';
import { EMPTY, concat, firstValueFrom, ignoreElements, map, of, take, toArray } from 'rxjs';
import { z } from 'zod';
import {
  createClient,
  createCompositeServer,
  createServer,
  defineProtocol,
  serverStage,
  tlsTransport,
  wsTransport,
  type HandshakeInfo,
  type ServerProcessor,
  type SessionInfo,
} from '@rxmsg/node';
import { testCertificate } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

const Login = defineProtocol({
  name: 'login',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({}) },
  server: { Welcome: z.object({ user: z.string() }), Denied: z.object({ reason: z.string() }) },
});

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  codec: 'text',
  client: { Say: z.object({ text: z.string() }) },
  server: { Line: z.object({ text: z.string() }) },
});

interface State {
  user: string | undefined;
}

/**
 * The pattern for "an authentication failure answers with a protocol message before closing": the
 * login stage checks the handshake, answers Welcome or Denied and completes; the router ends a
 * connection that did not log in, after what the stage sent was flushed.
 */
const login: ServerProcessor<typeof Login, State> = (in$, peer) =>
  in$.pipe(
    take(1),
    map(() => {
      const tls = peer.handshake?.tls;
      const cn = tls?.peerCertificate?.subject['CN'];
      if (tls?.authorized !== true || typeof cn !== 'string') return { kind: 'Denied', reason: tls?.authorizationError ?? 'no client certificate' } as const;
      peer.state.user = cn;
      return { kind: 'Welcome', user: cn } as const;
    }),
  );

const chat: ServerProcessor<typeof Chat, State> = (in$, peer) => in$.pipe(map((m) => ({ kind: 'Line', text: `${peer.state.user}: ${m.text}` }) as const));

describe('handshake metadata', () => {
  it('TLS: initialState, the router and the processor see the client certificate; an unauthorised client gets Denied before the close', async () => {
    const { key, cert } = await testCertificate();
    const seen: (Omit<SessionInfo<State>, 'state'> & { handshake?: HandshakeInfo | undefined })[] = [];
    const routed: (HandshakeInfo | undefined)[] = [];
    const server = await createCompositeServer({
      listen: 'tls://127.0.0.1:0',
      transports: [tlsTransport({ server: { key, cert, ca: [cert], requestCert: true, rejectUnauthorized: false } })],
      stages: { login: serverStage(Login, login), chat: serverStage(Chat, chat) },
      initialState: (peer: Omit<SessionInfo<State>, 'state'>): State => {
        seen.push(peer);
        return { user: undefined };
      },
      router: (state, peer, previous) => {
        routed.push(peer.handshake);
        return previous === null ? 'login' : previous === 'login' && state.user !== undefined ? 'chat' : null;
      },
    });
    try {
      // With the certificate: authorised, welcomed, then chatting.
      const alice = await RawSocket.connect(server.addresses()[0]!, { tls: { ca: cert, key, cert, servername: 'localhost' } });
      await alice.write('{"kind":"Hello"}\n{"kind":"Say","text":"hi"}\n');
      expect((await alice.lineCount(2)).map((l) => JSON.parse(l) as unknown)).to.deep.equal([
        { kind: 'Welcome', user: 'localhost' },
        { kind: 'Line', text: 'localhost: hi' },
      ]);
      const tls = seen[0]!.handshake?.tls;
      expect(tls?.authorized).to.equal(true);
      expect(tls?.peerCertificate?.subject).to.deep.equal({ CN: 'localhost' });
      expect(tls?.peerCertificate?.fingerprint256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(tls?.protocol).to.match(/^TLSv1\.[23]$/);
      expect(tls?.servername).to.equal('localhost');
      expect(routed[0]).to.equal(seen[0]!.handshake);
      // Plain data: it crosses a structured clone (a worker, a handle) unchanged.
      expect(structuredClone(seen[0]!.handshake)).to.deep.equal(seen[0]!.handshake);
      alice.destroy();

      // Without one: not authorised, Denied, then the server closes the connection.
      const mallory = await RawSocket.connect(server.addresses()[0]!, { tls: { ca: cert, servername: 'localhost' } });
      await mallory.write('{"kind":"Hello"}\n');
      await mallory.ended;
      const reason = seen[1]!.handshake?.tls?.authorizationError;
      expect(mallory.lines().map((l) => JSON.parse(l) as unknown)).to.deep.equal([{ kind: 'Denied', reason }]);
      expect(seen[1]!.handshake?.tls?.authorized).to.equal(false);
      expect(seen[1]!.handshake?.tls?.peerCertificate).to.equal(undefined);
      expect(seen[1]!.handshake?.tls?.authorizationError).to.be.a('string');
    } finally {
      await server.close();
    }
  });

  it('TCP: no handshake data', async () => {
    const peers: (HandshakeInfo | undefined)[] = [];
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Chat,
      initialState: (peer) => {
        peers.push(peer.handshake);
        return {};
      },
      processor: () => EMPTY,
    });
    try {
      const s = await RawSocket.connect(server.addresses()[0]!);
      await s.ended;
      expect(peers).to.deep.equal([undefined]);
    } finally {
      await server.close();
    }
  });

  it('WebSocket: the upgrade request path, query and headers reach initialState and peer.handshake', async () => {
    const infos: (HandshakeInfo | undefined)[] = [];
    const server = await createServer({
      listen: 'ws://127.0.0.1:0/chat',
      transports: [wsTransport()],
      protocol: Chat,
      initialState: (peer) => {
        infos.push(peer.handshake);
        return {};
      },
      processor: (in$, peer) =>
        in$.pipe(map(() => ({ kind: 'Line', text: `${String(peer.handshake?.http?.query['room'])} ${String(peer.handshake?.http?.headers['x-api-key'])}` }) as const)),
    });
    try {
      const client = createClient({
        connect: `${server.addresses()[0]!}?room=lobby&tag=a&tag=b`,
        transports: [wsTransport({ client: { headers: { 'X-Api-Key': 'k-123' } } })],
        protocol: Chat,
        processor: (in$) => concat(of({ kind: 'Say', text: 'x' } as const), in$.pipe(take(1), ignoreElements())),
      });
      const got = firstValueFrom(client.messages$.pipe(toArray()));
      await client.closed;
      expect(await got).to.deep.equal([{ kind: 'Line', text: 'lobby k-123' }]);
      const http = infos[0]?.http;
      expect(http?.path).to.equal('/chat');
      expect(http?.query).to.deep.equal({ room: 'lobby', tag: ['a', 'b'] });
      expect(http?.headers['x-api-key']).to.equal('k-123');
      expect(http?.headers['upgrade']).to.match(/websocket/i);
      expect(infos[0]?.tls).to.equal(undefined);
    } finally {
      await server.close();
    }
  });

  it('wss: the TLS session and the upgrade request together', async () => {
    const { key, cert } = await testCertificate();
    const infos: (HandshakeInfo | undefined)[] = [];
    const ws = wsTransport({ server: { key, cert }, client: { ca: cert } });
    const server = await createServer({
      listen: 'wss://127.0.0.1:0/secure',
      transports: [ws],
      protocol: Chat,
      initialState: (peer) => {
        infos.push(peer.handshake);
        return {};
      },
      processor: (in$) => in$.pipe(map(() => ({ kind: 'Line', text: 'ok' }) as const)),
    });
    try {
      const client = createClient({
        connect: `${server.addresses()[0]!}?t=1`,
        transports: [ws],
        protocol: Chat,
        processor: (in$) => concat(of({ kind: 'Say', text: 'x' } as const), in$.pipe(take(1), ignoreElements())),
      });
      await client.closed;
      expect(infos[0]?.http?.query).to.deep.equal({ t: '1' });
      expect(infos[0]?.tls?.authorized).to.equal(false);
      expect(infos[0]?.tls?.protocol).to.match(/^TLSv1\.[23]$/);
    } finally {
      await server.close();
    }
  });
});
