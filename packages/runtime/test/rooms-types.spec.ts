import { expect } from 'chai';
import { EMPTY } from 'rxjs';
import { z } from 'zod';
import { defineProtocol, type HandshakeInfo, type ServerMessage } from '@rxmsg/core';
import { createRooms, createServer, memoryTransport, type DeliveryReport, type RoomTarget, type Server, type SessionInfo, type Topic } from '@rxmsg/runtime';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also asserts something at run time.

/** `true` exactly when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: { Say: z.object({ text: z.string() }) },
  server: { Line: z.object({ text: z.string() }), Notice: z.object({ text: z.string() }) },
});
type ChatOut = ServerMessage<typeof Chat>;
type Line = Extract<ChatOut, { kind: 'Line' }>;

describe('rooms types', () => {
  it('a typed topic accepts its messages and rejects others', () => {
    const rooms = createRooms<ChatOut>();
    const lines = rooms.topic<Line>('lines');
    const check: Equals<typeof lines, Topic<Line>> = true;
    const report: DeliveryReport = lines.send({ kind: 'Line', text: 'ok' });
    // @ts-expect-error a Notice is not a Line
    lines.send({ kind: 'Notice', text: 'no' });
    // @ts-expect-error a field of the wrong type
    lines.except(1).send({ kind: 'Line', text: 42 });
    // @ts-expect-error a topic of a message the registry's server cannot send
    rooms.topic<{ kind: 'Tick'; n: number }>('ticks');
    const target: RoomTarget<Line> = rooms.to(lines);
    // @ts-expect-error to(topic) keeps the topic's type
    target.send({ kind: 'Notice', text: 'no' });
    rooms.to('any').send({ kind: 'Notice', text: 'a ChatOut' });
    // @ts-expect-error not a message of the protocol
    rooms.broadcast({ kind: 'Nope' });
    expect(check).to.equal(true);
    expect(report.delivered).to.equal(0);
  });

  it("a server's to, broadcast and sendTo are typed by its protocol; its rooms option by the same", async () => {
    const memory = memoryTransport();
    const server: Server<typeof Chat, object> = await createServer({ listen: 'memory://t:0', transports: [memory], protocol: Chat, processor: () => EMPTY, rooms: createRooms() });
    try {
      server.broadcast({ kind: 'Line', text: 'x' });
      // @ts-expect-error not a message of the protocol
      server.broadcast({ kind: 'Tick', n: 1 });
      // @ts-expect-error not a message of the protocol
      server.sendTo(1, { kind: 'Line' });
      server.broadcast({ kind: 'Line', text: 'x' }, (peer) => {
        const info: Equals<typeof peer, SessionInfo<unknown>> = true;
        const handshake: Equals<typeof peer.handshake, HandshakeInfo | undefined> = true;
        return info && handshake;
      });
      expect(server.sendTo(1, { kind: 'Notice', text: 'x' })).to.equal('not-found');
    } finally {
      await server.close();
    }
  });
});
