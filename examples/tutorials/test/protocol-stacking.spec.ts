import { expect } from 'chai';
import { binaryCodec, createRooms, serverStage, textCodec, type ClientEvent, type Stage, type Codec, type ServerEvent } from '@rxmsg/node';
import { LoginProtocol, RoomProtocol, connectStackedClient, roomProcessor, startStackedServer, type ChatState } from '@rxmsg-examples/tutorials';
import { RawSocket, eventually, waitFor } from '@rxmsg/test-utils';

const USERS = new Map([
  ['ada', 'lovelace'],
  ['bob', 'builder'],
]);

/** One message as the bytes a codec frames it in. */
function frame(codec: Codec, message: unknown): Buffer {
  const chunk = codec.encodeFrame(message);
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
}

/** Decode what a raw socket received the way a session does: `count` frames per codec, in turn. */
function decodeInTurn(bytes: Uint8Array, ...turns: (readonly [Codec, number])[]): unknown[] {
  const messages: unknown[] = [];
  let rest: Uint8Array[] = [bytes];
  for (const [codec, count] of turns) {
    const framer = codec.createFramer(4096);
    for (const chunk of rest) framer.push(chunk);
    for (let i = 0; i < count; i++) {
      const payload = framer.next();
      if (payload === undefined || payload instanceof Error) throw new Error(`expected ${count} ${codec.name} frame(s)`);
      messages.push(codec.decode(payload));
    }
    rest = framer.takeRemainder();
  }
  if (rest.some((chunk) => chunk.length > 0)) throw new Error('bytes left over');
  return messages;
}

/** The `protocol-*` and `disconnected` events of one connection, as short strings. */
function trail(events: readonly (ServerEvent | ClientEvent)[], peerId: number): string[] {
  return events.flatMap((e) => {
    if (!('peerId' in e) || e.peerId !== peerId) return [];
    if (e.type === 'protocol-entered' || e.type === 'protocol-left') return [`${e.type} ${e.protocol}`];
    if (e.type === 'disconnected') return [`disconnected ${e.reason}`];
    return [];
  });
}

describe('tutorial 2: protocol stacking', () => {
  let server: Awaited<ReturnType<typeof startStackedServer>>;
  let serverEvents: ServerEvent[];

  beforeEach(async () => {
    server = await startStackedServer('tcp://127.0.0.1:0', USERS);
    serverEvents = [];
    server.events$.subscribe((e) => serverEvents.push(e));
  });

  afterEach(() => server.close());

  // #region full-session
  it('logs in, chats, and says goodbye, keeping the peer id and the state across protocols', async () => {
    const { client, state } = connectStackedClient(server.addresses()[0]!, {
      user: 'ada',
      password: 'lovelace',
      lines: ['hello', 'anyone here?'],
    });
    const clientEvents: ClientEvent[] = [];
    client.events$.subscribe((e) => clientEvents.push(e));
    await client.closed;

    expect(state.verdict).to.deep.equal({ kind: 'Welcome', user: 'ada', id: 1 });
    expect(state.heard).to.deep.equal([
      { kind: 'Said', from: 'ada', text: 'hello' },
      { kind: 'Said', from: 'ada', text: 'anyone here?' },
    ]);
    // Same id as in Welcome; `said` was counted by the chat stage in the state the goodbye stage reads.
    expect(state.farewell).to.deep.equal({ kind: 'Farewell', id: 1, said: 2 });

    const stack = ['login', 'chat', 'goodbye'].flatMap((p) => [`protocol-entered ${p}`, `protocol-left ${p}`]);
    expect(trail(clientEvents, 1)).to.deep.equal([...stack, 'disconnected completed']);
    await eventually(() => serverEvents.some((e) => e.type === 'disconnected'));
    expect(trail(serverEvents, 1)).to.deep.equal([...stack, 'disconnected completed']);
  });
  // #endregion

  // #region denied
  it('answers bad credentials with Denied, then ends the connection without entering the chat', async () => {
    const { client, state } = connectStackedClient(server.addresses()[0]!, { user: 'ada', password: 'guess', lines: ['hi'] });
    await client.closed;

    expect(state.verdict).to.deep.equal({ kind: 'Denied', reason: 'unknown user or wrong password' });
    expect(state.heard).to.deep.equal([]);
    expect(state.farewell).to.equal(undefined);
    await eventually(() => serverEvents.some((e) => e.type === 'disconnected'));
    expect(trail(serverEvents, 1)).to.deep.equal(['protocol-entered login', 'protocol-left login', 'disconnected completed']);
  });

  it('ends the connection after Denied, ignoring what the client sent after its Login', async () => {
    const raw = await RawSocket.connect(server.addresses()[0]!);
    await raw.write(
      Buffer.concat([
        frame(textCodec, { kind: 'Login', user: 'mallory', password: 'x' }),
        frame(binaryCodec, { kind: 'Say', text: 'let me in' }),
      ]),
    );
    await raw.ended;
    expect(raw.lines()).to.deep.equal(['{"kind":"Denied","reason":"unknown user or wrong password"}']);
    expect(serverEvents.some((e) => e.type === 'protocol-entered' && e.protocol === 'chat')).to.equal(false);
  });
  // #endregion

  it('tells every member of the room what one says', async () => {
    const address = server.addresses()[0]!;
    const bob = connectStackedClient(address, { user: 'bob', password: 'builder', lines: [], hear: 1 });
    // The client enters the chat after its Welcome, which the server sends once bob is in the room.
    await waitFor(bob.client.events$, (e) => e.type === 'protocol-entered' && e.protocol === 'chat');
    const ada = connectStackedClient(address, { user: 'ada', password: 'lovelace', lines: ['hi bob'] });
    await Promise.all([ada.client.closed, bob.client.closed]);

    expect(bob.state.heard).to.deep.equal([{ kind: 'Said', from: 'ada', text: 'hi bob' }]);
    expect(ada.state.heard).to.deep.equal([{ kind: 'Said', from: 'ada', text: 'hi bob' }]);
    expect(bob.state.farewell).to.deep.include({ said: 0 });
    expect(ada.state.farewell).to.deep.include({ said: 1 });
  });

  // #region one-packet
  it('decodes the bytes sent right after the Login, in the same packet, with the next protocols', async () => {
    const raw = await RawSocket.connect(server.addresses()[0]!);
    await raw.write(
      Buffer.concat([
        frame(textCodec, { kind: 'Login', user: 'ada', password: 'lovelace' }),
        frame(binaryCodec, { kind: 'Say', text: 'no waiting' }),
        frame(binaryCodec, { kind: 'Leave' }),
        frame(textCodec, { kind: 'Bye' }),
      ]),
    );
    await raw.ended;
    expect(decodeInTurn(raw.received(), [textCodec, 1], [binaryCodec, 1], [textCodec, 1])).to.deep.equal([
      { kind: 'Welcome', user: 'ada', id: 1 },
      { kind: 'Said', from: 'ada', text: 'no waiting' },
      { kind: 'Farewell', id: 1, said: 1 },
    ]);
  });
  // #endregion

  it('hands over at any split of those bytes into packets', async () => {
    const bytes = Buffer.concat([
      frame(textCodec, { kind: 'Login', user: 'ada', password: 'lovelace' }),
      frame(binaryCodec, { kind: 'Say', text: 'split' }),
      frame(binaryCodec, { kind: 'Leave' }),
      frame(textCodec, { kind: 'Bye' }),
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      await raw.write(bytes.subarray(0, cut));
      await new Promise((resolve) => setImmediate(resolve));
      await raw.write(bytes.subarray(cut));
      await raw.ended;
      const replies = decodeInTurn(raw.received(), [textCodec, 1], [binaryCodec, 1], [textCodec, 1]);
      expect(replies[1], `cut at ${cut}`).to.deep.equal({ kind: 'Said', from: 'ada', text: 'split' });
    }
  });

  it('pairs a protocol only with a processor for it (checked by tsc -b)', () => {
    // @ts-expect-error: the room's processor cannot speak the login protocol
    const mismatched = () => serverStage(LoginProtocol, roomProcessor(createRooms()));
    expect(mismatched).to.be.a('function');
    // @ts-expect-error: the room's processor needs `user: string`: without `requires: loggedIn` it does not fit a ChatState stack
    const unguarded = (): Stage<'server', ChatState> => serverStage(RoomProtocol, roomProcessor(createRooms()));
    expect(unguarded).to.be.a('function');
  });
});
