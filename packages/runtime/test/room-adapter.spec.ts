import { expect } from 'chai';
import { map } from 'rxjs';
import { z } from 'zod';
import { defineProtocol, type ServerMessage, type ServerProcessor } from '@rxmsg/core';
import {
  LocalRoomAdapter,
  createRooms,
  createServer,
  memoryTransport,
  type MemoryTransport,
  type RoomPacket,
  type Rooms,
} from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { LinePeer } from './support/line-peer';

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: { Say: z.object({ text: z.string() }) },
  server: { Line: z.object({ text: z.string() }), Notice: z.object({ text: z.string() }) },
});
type ChatOut = ServerMessage<typeof Chat>;

/** The in-memory stand-in of a pub/sub bus (Redis, IPC): every node's adapter, and what crossed it. */
class Bus {
  readonly nodes = new Set<BusAdapter>();
  readonly carried: unknown[] = [];
}

/**
 * A cross-node adapter built only on the public adapter interface: local membership from
 * LocalRoomAdapter, remote fan-out over the bus (packets cloned as a wire would), forwarding to
 * whichever node has the peer. Asynchronous like a real bus: nothing crosses within the send.
 */
class BusAdapter extends LocalRoomAdapter {
  constructor(private readonly bus: Bus) {
    super();
    bus.nodes.add(this);
  }

  override publish(packet: RoomPacket): Promise<void> {
    const wire = structuredClone(packet);
    this.bus.carried.push(wire);
    return Promise.resolve().then(() => {
      for (const node of this.bus.nodes) if (node !== this) node.host?.deliver(wire);
    });
  }

  override forward(peerId: number, message: unknown): Promise<void> {
    const wire = structuredClone(message);
    return Promise.resolve().then(() => {
      for (const node of this.bus.nodes) if (node !== this && node.host?.sendTo(peerId, wire) === 'delivered') return;
      throw new Error(`no node has peer ${peerId}`);
    });
  }

  override close(): void {
    super.close();
    this.bus.nodes.delete(this);
  }
}

function chat(rooms: Rooms<ChatOut>): ServerProcessor<typeof Chat> {
  const lobby = rooms.topic<ChatOut>('lobby');
  return (in$, peer) => {
    lobby.join(peer);
    return in$.pipe(map((m) => ({ kind: 'Notice', text: JSON.stringify(lobby.except(peer).send({ kind: 'Line', text: m.text })) }) as const));
  };
}

describe('room adapter interface: two nodes in one process over an in-memory bus', () => {
  let memory: MemoryTransport;
  let cleanup: (() => Promise<void>)[];
  beforeEach(() => {
    memory = memoryTransport();
    cleanup = [];
  });
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function node(name: string, bus: Bus, clients: number) {
    const rooms = createRooms<ChatOut>({ adapter: new BusAdapter(bus) });
    const server = await createServer({ listen: `memory://${name}:0`, transports: [memory], protocol: Chat, processor: chat(rooms), rooms });
    cleanup.push(() => server.close());
    const peers = Array.from({ length: clients }, () => LinePeer.dial(memory, server.addresses()[0]!));
    cleanup.push(async () => peers.forEach((p) => p.destroy()));
    await eventually(() => rooms.size('lobby') === clients);
    return { rooms, server, peers };
  }

  it('a room send reaches the members on the other node; the local report counts this node only', async () => {
    const bus = new Bus();
    const a = await node('a', bus, 2);
    const b = await node('b', bus, 2);
    a.peers[0]!.send({ kind: 'Say', text: 'across' });
    await eventually(() => a.peers[0]!.received.length === 1 && a.peers[1]!.received.length === 1 && b.peers.every((p) => p.received.length === 1));
    // Only this node's other member is counted; `except` named a peer of node a, so both of b's members receive.
    expect(a.peers[0]!.received).to.deep.equal([{ kind: 'Notice', text: JSON.stringify({ delivered: 1, dropped: 0, skipped: 0 }) }]);
    for (const p of [a.peers[1]!, ...b.peers]) expect(p.received).to.deep.equal([{ kind: 'Line', text: 'across' }]);
    expect(bus.carried).to.deep.equal([{ message: { kind: 'Line', text: 'across' }, rooms: ['lobby'], except: [a.rooms.membersOf('lobby')[0]] }]);
    // Membership is per node.
    expect(a.rooms.size('lobby')).to.equal(2);
  });

  it('broadcast reaches every peer of both nodes; a filtered one stays on its node', async () => {
    const bus = new Bus();
    const a = await node('a', bus, 1);
    const b = await node('b', bus, 2);
    expect(a.server.broadcast({ kind: 'Notice', text: 'only here' }, () => true).delivered).to.equal(1);
    expect(a.server.broadcast({ kind: 'Notice', text: 'everyone' }).delivered).to.equal(1);
    await eventually(() => b.peers.every((p) => p.received.length === 1) && a.peers[0]!.received.length === 2);
    for (const p of b.peers) expect(p.received).to.deep.equal([{ kind: 'Notice', text: 'everyone' }]);
  });

  it('sendTo forwards to the node that has the peer; a peer nowhere is reported as a room-error', async () => {
    const bus = new Bus();
    const a = await node('a', bus, 1);
    const b = await node('b', bus, 3);
    const remote = Math.max(...b.rooms.membersOf('lobby'));
    expect(a.rooms.membersOf('lobby')).to.not.include(remote);
    expect(a.server.sendTo(remote, { kind: 'Line', text: 'direct' })).to.equal('forwarded');
    const target = b.peers[b.rooms.membersOf('lobby').indexOf(remote)]!;
    await eventually(() => target.received.length === 1);
    expect(target.received).to.deep.equal([{ kind: 'Line', text: 'direct' }]);
    const failed = new Promise((resolve) => a.server.events$.subscribe((e) => e.type === 'room-error' && resolve(e.error)));
    expect(a.server.sendTo(9999, { kind: 'Line', text: 'lost' })).to.equal('forwarded');
    expect(((await failed) as { operation: string }).operation).to.equal('forward');
  });
});
