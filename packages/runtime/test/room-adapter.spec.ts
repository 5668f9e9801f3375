import { expect } from 'chai';
import { map } from 'rxjs';
import { z } from 'zod';
import { ClosedError, ConfigError, PeerNotFoundError, RoomAdapterError, defineProtocol, type ServerMessage, type ServerProcessor } from '@rxmsg/core';
import {
  LocalRoomAdapter,
  MAX_NODE_NUMBER,
  PEER_ID_NODE_STRIDE,
  nodeOfPeer,
  type NodeSnapshot,
  type RoomHost,
  type SendToResult,
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
  readonly opened: number[] = [];
  readonly closed: number[] = [];

  constructor(
    private readonly bus: Bus,
    readonly node: number,
  ) {
    super();
    bus.nodes.add(this);
  }

  peerOpened(peerId: number): void {
    this.opened.push(peerId);
  }

  peerClosed(peerId: number): void {
    this.closed.push(peerId);
  }

  async forwardConfirmed(peerId: number, message: unknown): Promise<SendToResult> {
    await Promise.resolve();
    const owner = [...this.bus.nodes].find((n) => n.node === nodeOfPeer(peerId));
    if (owner === undefined) throw new PeerNotFoundError(peerId, 'node-down');
    return owner.host!.sendTo(peerId, structuredClone(message));
  }

  async snapshots(): Promise<NodeSnapshot[]> {
    await Promise.resolve();
    return [...this.bus.nodes].filter((n) => n !== this).map((n) => ({ node: n.node, snapshot: n.host!.snapshot() }));
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

  async function node(name: string, bus: Bus, clients: number, number = name.charCodeAt(0) - 96) {
    const adapter = new BusAdapter(bus, number);
    const rooms = createRooms<ChatOut>({ adapter });
    const server = await createServer({ listen: `memory://${name}:0`, transports: [memory], protocol: Chat, processor: chat(rooms), rooms });
    cleanup.push(() => server.close());
    const peers = Array.from({ length: clients }, () => LinePeer.dial(memory, server.addresses()[0]!));
    cleanup.push(async () => peers.forEach((p) => p.destroy()));
    await eventually(() => rooms.size('lobby') === clients);
    return { rooms, server, peers, adapter };
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
    expect(a.server.sendTo(7 * PEER_ID_NODE_STRIDE + 5, { kind: 'Line', text: 'lost' })).to.equal('forwarded');
    expect(((await failed) as { operation: string }).operation).to.equal('forward');
  });

  it('peer ids carry the node number; an id of this node that is not here is not forwarded', async () => {
    const bus = new Bus();
    const a = await node('a', bus, 2);
    const b = await node('b', bus, 1);
    expect(a.rooms.node).to.equal(1);
    for (const id of a.rooms.membersOf('lobby')) expect(nodeOfPeer(id)).to.equal(1);
    expect(nodeOfPeer(b.rooms.membersOf('lobby')[0]!)).to.equal(2);
    expect(a.adapter.opened.map(nodeOfPeer)).to.deep.equal([1, 1]);
    let forwarded = 0;
    const forward = a.adapter.forward.bind(a.adapter);
    a.adapter.forward = (id, m) => (forwarded++, forward(id, m));
    expect(a.server.sendTo(PEER_ID_NODE_STRIDE + 999, { kind: 'Line', text: 'x' })).to.equal('not-found');
    expect(forwarded).to.equal(0);
    b.peers[0]!.destroy();
    await eventually(() => b.adapter.closed.length === 1);
    expect(b.adapter.closed).to.deep.equal(b.adapter.opened);
  });

  it("sendToConfirmed says what happened on the peer's node, and rejects with a typed error when it is nowhere", async () => {
    const bus = new Bus();
    const a = await node('a', bus, 1);
    const b = await node('b', bus, 1);
    const local = a.rooms.membersOf('lobby')[0]!;
    const remote = b.rooms.membersOf('lobby')[0]!;
    expect(await a.rooms.sendToConfirmed(local, { kind: 'Line', text: 'here' })).to.equal('delivered');
    expect(await a.rooms.sendToConfirmed(remote, { kind: 'Line', text: 'there' })).to.equal('delivered');
    await eventually(() => b.peers[0]!.received.length === 1);
    expect(b.peers[0]!.received).to.deep.equal([{ kind: 'Line', text: 'there' }]);
    const gone = await a.rooms.sendToConfirmed(5 * PEER_ID_NODE_STRIDE + 1, { kind: 'Line', text: 'x' }).catch((e: unknown) => e);
    expect(gone).to.be.instanceOf(PeerNotFoundError).and.include({ code: 'PEER_NOT_FOUND', reason: 'node-down' });
    const missing = await a.rooms.sendToConfirmed(remote + 7, { kind: 'Line', text: 'x' }).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(PeerNotFoundError).and.include({ reason: 'no-such-peer' });
    const ownMissing = await a.rooms.sendToConfirmed(local + 7, { kind: 'Line', text: 'x' }).catch((e: unknown) => e);
    expect(ownMissing).to.be.instanceOf(PeerNotFoundError).and.include({ reason: 'no-such-peer' });
  });

  it('snapshotAll lists this node first, then the others through the adapter', async () => {
    const bus = new Bus();
    const a = await node('a', bus, 2);
    await node('b', bus, 1);
    const all = await a.server.snapshotAll();
    expect(all.nodes.map((n) => [n.node, n.snapshot?.connections.length])).to.deep.equal([
      [1, 2],
      [2, 1],
    ]);
  });
});

describe('room adapter attach', () => {
  const memory = memoryTransport();

  it('an asynchronous attach is awaited before the server listens; its node number starts the peer ids', async () => {
    let attached = false;
    class Slow extends LocalRoomAdapter {
      readonly node = 3;
      override async attach(host: RoomHost): Promise<void> {
        await new Promise((r) => setTimeout(r, 5));
        super.attach(host);
        attached = true;
      }
    }
    const rooms = createRooms<ChatOut>({ adapter: new Slow() });
    const server = await createServer({ listen: 'memory://slow:0', transports: [memory], protocol: Chat, processor: chat(rooms), rooms });
    try {
      expect(attached).to.equal(true);
      const peer = LinePeer.dial(memory, server.addresses()[0]!);
      await eventually(() => rooms.size('lobby') === 1);
      expect(rooms.membersOf('lobby')).to.deep.equal([3 * PEER_ID_NODE_STRIDE + 1]);
      peer.destroy();
      expect((await server.snapshotAll()).nodes.map((n) => n.node)).to.deep.equal([3]);
    } finally {
      await server.close();
    }
    expect(await server.snapshotAll().catch((e: unknown) => e)).to.be.instanceOf(ClosedError);
  });

  it('a failed attach fails createServer with a RoomAdapterError and binds nothing; the registry can be used again', async () => {
    class Failing extends LocalRoomAdapter {
      fail = true;
      override attach(host: RoomHost): Promise<void> {
        if (this.fail) return Promise.reject(new Error('bus unreachable'));
        super.attach(host);
        return Promise.resolve();
      }
    }
    const adapter = new Failing();
    const rooms = createRooms<ChatOut>({ adapter });
    const error = await createServer({ listen: 'memory://failing:1', transports: [memory], protocol: Chat, processor: chat(rooms), rooms }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RoomAdapterError).and.include({ operation: 'attach' });
    adapter.fail = false;
    const server = await createServer({ listen: 'memory://failing:1', transports: [memory], protocol: Chat, processor: chat(rooms), rooms });
    await server.close();
  });

  it('a node number out of range is a ConfigError', async () => {
    for (const node of [-1, 1.5, MAX_NODE_NUMBER + 1]) {
      const adapter = Object.assign(new LocalRoomAdapter(), { node });
      const rooms = createRooms<ChatOut>({ adapter });
      const error = await createServer({ listen: 'memory://range:0', transports: [memory], protocol: Chat, processor: chat(rooms), rooms }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigError);
    }
  });
});
