import { expect } from 'chai';
import { VirtualTimeScheduler, ignoreElements } from 'rxjs';
import { z } from 'zod';
import { FrameTooLargeError, RoomAdapterError, TimeoutError, defineProtocol } from '@rxmsg/core';
import { LocalRoomAdapter, createRooms, createServer, memoryTransport, type ServerEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { LinePeer } from './support/line-peer';

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: { Say: z.object({ text: z.string() }) },
  server: { Line: z.object({ text: z.string() }) },
});

describe('rooms: hostile adapters and peers', () => {
  it('reports an adapter that throws while a closing peer leaves its rooms, instead of crashing the process', async () => {
    class Broken extends LocalRoomAdapter {
      broken = false;
      override roomsOf(peerId: number): ReadonlySet<string> | undefined {
        if (this.broken) throw new Error('presence store down');
        return super.roomsOf(peerId);
      }
    }
    const adapter = new Broken();
    const rooms = createRooms({ adapter });
    const memory = memoryTransport();
    const server = await createServer({
      listen: 'memory://rooms:0',
      transports: [memory],
      protocol: Chat,
      rooms,
      processor: (in$, peer) => (rooms.join(peer, 'lobby'), in$.pipe(ignoreElements())),
    });
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const peer = LinePeer.dial(memory, server.addresses()[0]!);
    await eventually(() => rooms.size('lobby') === 1);
    adapter.broken = true;
    peer.destroy();
    await eventually(() => events.some((e) => e.type === 'room-error'));
    const failed = events.find((e) => e.type === 'room-error');
    expect(failed?.type === 'room-error' && failed.error).to.be.instanceOf(RoomAdapterError);
    expect(failed?.type === 'room-error' && failed.error.operation).to.equal('leaveAll');
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    await server.close();
  });

  it('stops the server when the adapter\'s close never settles, past a bounded wait, and reports it', async () => {
    class Stuck extends LocalRoomAdapter {
      closing = false;
      override close(): Promise<void> {
        super.close();
        this.closing = true;
        return new Promise<void>(() => undefined);
      }
    }
    const adapter = new Stuck();
    const scheduler = new VirtualTimeScheduler();
    const memory = memoryTransport();
    const server = await createServer({
      listen: 'memory://rooms:0',
      transports: [memory],
      protocol: Chat,
      rooms: createRooms({ adapter }),
      scheduler,
      processor: (in$) => in$.pipe(ignoreElements()),
    });
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const closed = server.close();
    await eventually(() => adapter.closing);
    scheduler.flush();
    await closed;
    const failed = events.find((e) => e.type === 'room-error');
    expect(failed?.type === 'room-error' && failed.error.operation).to.equal('close');
    expect(failed?.type === 'room-error' && failed.error.cause).to.be.instanceOf(TimeoutError);
    expect(events.at(-1)?.type).to.equal('stopped');
  });

  it('ends a broadcast of a message too large for the peers\' frames with FrameTooLargeError, closing no receiver', async () => {
    const memory = memoryTransport();
    const server = await createServer({
      listen: 'memory://rooms:0',
      transports: [memory],
      protocol: Chat,
      config: { maxFrameBytes: 1_000 },
      processor: (in$) => in$.pipe(ignoreElements()),
    });
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const peers = [LinePeer.dial(memory, server.addresses()[0]!), LinePeer.dial(memory, server.addresses()[0]!)];
    await eventually(() => events.filter((e) => e.type === 'protocol-entered').length === 2);
    expect(() => server.broadcast({ kind: 'Line', text: 'x'.repeat(5_000) })).to.throw(FrameTooLargeError);
    // Both still served: a broadcast after it reaches them, and nobody failed.
    expect(server.broadcast({ kind: 'Line', text: 'after' })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 0 });
    await eventually(() => peers.every((p) => p.received.length === 1));
    for (const p of peers) expect(p.received).to.deep.equal([{ kind: 'Line', text: 'after' }]);
    expect(events.some((e) => e.type === 'processor-error' || e.type === 'disconnected')).to.equal(false);
    for (const p of peers) p.destroy();
    await server.close();
  });
});
