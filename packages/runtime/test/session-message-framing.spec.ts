import { expect } from 'chai';
import { map } from 'rxjs';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, binaryCodec, defineProtocol } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';

const client = { Ping: z.object({ n: z.number() }) };
const server = { Pong: z.object({ n: z.number() }) };
const TextEcho = defineProtocol({ name: 'echo', tag: 'kind', client, server });
const BinaryEcho = defineProtocol({ name: 'echo-bin', tag: 'kind', codec: 'binary', client, server });

function messageSession(protocol: typeof TextEcho | typeof BinaryEcho) {
  const connection = new FakeConnection();
  connection.framing = 'message';
  const events: ConnectionEvent[] = [];
  const session = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: { ...SERVER_CONFIG_DEFAULTS, maxFrameBytes: 64 },
    state: {},
    stages: new Map([['echo', serverStage(protocol, (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)))]]),
    router: (_s, _p, previous) => (previous === null ? 'echo' : null),
    emit: (e) => events.push(e),
    onClosed: () => {},
  });
  session.start();
  return { connection, events };
}

describe('Session over a message transport', () => {
  it('takes each received chunk as one message and writes each message alone, unframed', async () => {
    const { connection } = messageSession(TextEcho);
    connection.receive('{"kind":"Ping","n":1}');
    connection.receive('{"kind":"Ping","n":2}');
    await Promise.resolve();
    expect(connection.written).to.deep.equal(['{"kind":"Pong","n":1}', '{"kind":"Pong","n":2}']);
  });

  it('answers heartbeat payloads with unframed pongs', async () => {
    const { connection } = messageSession(BinaryEcho);
    connection.receive(binaryCodec.controlFrame('ping', false) as Uint8Array);
    connection.receive(binaryCodec.encodePayload({ kind: 'Ping', n: 3 }) as Uint8Array);
    await Promise.resolve();
    expect(connection.written).to.deep.equal([binaryCodec.controlFrame('pong', false), binaryCodec.encodePayload({ kind: 'Pong', n: 3 })]);
  });

  it('rejects a message over maxFrameBytes with FRAME_TOO_LARGE under the decode-error policy', async () => {
    const { connection, events } = messageSession(TextEcho);
    connection.receive(`{"kind":"Ping","n":1,"pad":"${'x'.repeat(100)}"}`);
    await Promise.resolve();
    expect(events.find((e) => e.type === 'decode-error')).to.deep.include({ action: 'disconnect' });
    expect(events.find((e) => e.type === 'decode-error' && e.error.code === 'FRAME_TOO_LARGE')).to.not.equal(undefined);
  });
});
