import { expect } from 'chai';
import { concat, defer, ignoreElements, map, of, take, takeWhile, tap } from 'rxjs';
import { z } from 'zod';
import {
  binaryCodec,
  clientStage,
  createCompositeClient,
  createCompositeServer,
  defineProtocol,
  serverStage,
  textCodec,
  type ClientProcessor,
  type ServerEvent,
  type ServerProcessor,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

const Handshake = defineProtocol({
  name: 'handshake',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({ version: z.number().int() }) },
  server: { Welcome: z.object({ id: z.number() }) },
});

const Game = defineProtocol({
  name: 'game',
  tag: 'kind',
  codec: 'binary',
  client: { Ping: z.object({ n: z.number() }), Leave: z.object({}) },
  server: { Pong: z.object({ n: z.number() }) },
});

interface State {
  version: number | undefined;
  games: number;
  log: string[];
}

const handshake: ServerProcessor<typeof Handshake, State> = (in$, peer) =>
  in$.pipe(
    take(1),
    map((hello) => {
      peer.state.version = hello.version;
      peer.state.log.push(`hello ${hello.version}`);
      return { kind: 'Welcome', id: peer.id } as const;
    }),
  );

const game: ServerProcessor<typeof Game, State> = (in$, peer) =>
  defer(() => {
    peer.state.games++;
    return in$.pipe(
      takeWhile((m) => m.kind !== 'Leave'),
      map((m) => ({ kind: 'Pong', n: m.kind === 'Ping' ? m.n : -1 }) as const),
    );
  });

function startServer(rounds = 1) {
  return createCompositeServer({
    listen: 'tcp://127.0.0.1:0',
    stages: { handshake: serverStage(Handshake, handshake), game: serverStage(Game, game) },
    initialState: (): State => ({ version: undefined, games: 0, log: [] }),
    router: (state, _peer, previous) => {
      if (previous === null) return 'handshake';
      if (previous === 'handshake') return state.version === 1 ? 'game' : null;
      return state.games < rounds ? 'handshake' : null;
    },
  });
}

/** Split what a raw socket received: one text line, then length-prefixed binary frames. */
function parseLineThenFrames(bytes: Buffer): { line: string; frames: unknown[] } {
  const nl = bytes.indexOf(10);
  const line = bytes.subarray(0, nl).toString();
  const framer = binaryCodec.createFramer(1 << 20);
  framer.push(bytes.subarray(nl + 1));
  const frames: unknown[] = [];
  for (let f = framer.next(); f !== undefined; f = framer.next()) {
    if (f instanceof Error) throw f;
    frames.push(binaryCodec.decode(f));
  }
  return { line, frames };
}

describe('composite server', () => {
  it('decodes the first game message sent in the same write as the last handshake message', async () => {
    const server = await startServer();
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    try {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      const oneWrite = Buffer.concat([
        Buffer.from(textCodec.encodeFrame({ kind: 'Hello', version: 1 }) as string),
        binaryCodec.encodeFrame({ kind: 'Ping', n: 7 }) as Uint8Array,
        binaryCodec.encodeFrame({ kind: 'Ping', n: 8 }) as Uint8Array,
      ]);
      await raw.write(oneWrite);
      await raw.until((s) => {
        const b = s.received();
        return b.indexOf(10) >= 0 && parseLineThenFrames(b).frames.length >= 2;
      });
      const { line, frames } = parseLineThenFrames(raw.received());
      expect(JSON.parse(line)).to.deep.equal({ kind: 'Welcome', id: 1 });
      expect(frames).to.deep.equal([
        { kind: 'Pong', n: 7 },
        { kind: 'Pong', n: 8 },
      ]);
      await raw.write(binaryCodec.encodeFrame({ kind: 'Leave' }) as Uint8Array);
      await raw.ended;
      await eventually(() => events.some((e) => e.type === 'disconnected'));
      const trail = events
        .filter((e) => e.type === 'protocol-entered' || e.type === 'protocol-left' || e.type === 'disconnected')
        .map((e) => (e.type === 'disconnected' ? { type: e.type, peerId: e.peerId, reason: e.reason } : e));
      expect(trail).to.deep.equal([
        { type: 'protocol-entered', peerId: 1, protocol: 'handshake' },
        { type: 'protocol-left', peerId: 1, protocol: 'handshake' },
        { type: 'protocol-entered', peerId: 1, protocol: 'game' },
        { type: 'protocol-left', peerId: 1, protocol: 'game' },
        { type: 'disconnected', peerId: 1, reason: 'completed' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('hands over bytes split at every position', async () => {
    const server = await startServer();
    try {
      const bytes = Buffer.concat([
        Buffer.from(textCodec.encodeFrame({ kind: 'Hello', version: 1 }) as string),
        binaryCodec.encodeFrame({ kind: 'Ping', n: 1 }) as Uint8Array,
        binaryCodec.encodeFrame({ kind: 'Leave' }) as Uint8Array,
      ]);
      for (let cut = 1; cut < bytes.length; cut += 3) {
        const raw = await RawSocket.connect(server.addresses()[0]!);
        await raw.write(bytes.subarray(0, cut));
        await new Promise((r) => setImmediate(r));
        await raw.write(bytes.subarray(cut));
        await raw.ended;
        const { line, frames } = parseLineThenFrames(raw.received());
        expect(JSON.parse(line), `cut ${cut}`).to.have.property('kind', 'Welcome');
        expect(frames, `cut ${cut}`).to.deep.equal([{ kind: 'Pong', n: 1 }]);
      }
    } finally {
      await server.close();
    }
  });

  it('ends the connection when the router answers null (version mismatch)', async () => {
    const server = await startServer();
    try {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      await raw.write('{"kind":"Hello","version":2}\n');
      await raw.ended;
      expect(raw.lines()).to.deep.equal(['{"kind":"Welcome","id":1}']);
    } finally {
      await server.close();
    }
  });

  it('keeps the peer id and state across a client stack that revisits a protocol', async () => {
    const server = await startServer(2);
    const clientLog: string[] = [];
    const hello: ClientProcessor<typeof Handshake, { round: number }> = (in$, peer) =>
      concat(
        of({ kind: 'Hello', version: 1 } as const),
        in$.pipe(
          take(1),
          tap((w) => clientLog.push(`welcome ${w.id} round ${peer.state.round}`)),
          ignoreElements(),
        ),
      );
    const play: ClientProcessor<typeof Game, { round: number }> = (in$, peer) =>
      concat(
        of({ kind: 'Ping', n: peer.state.round } as const),
        in$.pipe(
          take(1),
          tap((p) => clientLog.push(`pong ${p.n}`)),
          ignoreElements(),
        ),
        defer(() => {
          peer.state.round++;
          return of({ kind: 'Leave' } as const);
        }),
      );
    const client = createCompositeClient({
      connect: server.addresses()[0]!,
      stages: { hello: clientStage(Handshake, hello), play: clientStage(Game, play) },
      initialState: () => ({ round: 1 }),
      router: (state, _peer, previous) => (previous === null || previous === 'play' ? (state.round <= 2 ? 'hello' : null) : 'play'),
    });
    await client.closed;
    await server.close();
    expect(clientLog).to.deep.equal(['welcome 1 round 1', 'pong 1', 'welcome 1 round 2', 'pong 2']);
  });
});
