import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { CallbackError, ConfigError, PeerNotFoundError, RoomAdapterError, RoomLimitError, TimeoutError } from '@rxmsg/core';
import { EncodeMemo, FAN_OUT } from './encode-memo';
import { LocalRoomAdapter } from './local-room-adapter';
import { MAX_NODE_NUMBER, nodeOfPeer, peerIdOf, type ClusterSnapshot, type DeliveryReport, type NodeSnapshot, type PeerRef, type RoomAdapter, type RoomHost, type RoomPacket, type SendToResult } from './room-adapter';
import { ProtocolVerdicts, type PeerDelivery } from './room-delivery';
import { RoomTarget, namesOf, type PeerFilter, type RoomName } from './room-target';
import type { ServerSnapshot } from './server-snapshot';
import type { SessionInfo } from './session-info';
import { Topic, type TopicHost } from './topic';

/** Default of {@link RoomsOptions.maxRoomsPerPeer}. */
export const DEFAULT_MAX_ROOMS_PER_PEER = 64;
/** Default of {@link RoomsOptions.maxRoomNameLength}, in UTF-16 code units. */
export const DEFAULT_MAX_ROOM_NAME_LENGTH = 128;

/** Default `timeoutMs` of {@link Rooms.sendToConfirmed} and of `server.snapshotAll()`. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 5_000;

/** Time `server.close()` waits for its rooms adapter's `close()`, in ms; past it a `room-error` (operation `close`, cause a `TimeoutError`) is reported and the server stops anyway. */
export const ROOM_ADAPTER_CLOSE_TIMEOUT_MS = 10_000;

/** Options of {@link createRooms}. */
export interface RoomsOptions {
  /** Rooms one peer may be in at once; a join past it throws a `RoomLimitError`. Default {@link DEFAULT_MAX_ROOMS_PER_PEER}. */
  readonly maxRoomsPerPeer?: number;
  /** Longest room name, in UTF-16 code units (empty names are refused too). Default {@link DEFAULT_MAX_ROOM_NAME_LENGTH}. */
  readonly maxRoomNameLength?: number;
  /** Keeps membership and carries broadcasts to other nodes; a {@link LocalRoomAdapter} by default. */
  readonly adapter?: RoomAdapter;
}

/**
 * What a server gives the registry it is attached to (internal to the runtime): delivery to one
 * of its peers through that peer's send path, the open peers, failure reports.
 */
export interface RoomServerLink {
  /** Deliver `verdicts.message` to peer `peerId` (see `deliverToSession`). */
  deliver(peerId: number, verdicts: ProtocolVerdicts): PeerDelivery;
  /** Whether `peerId` is an open (not closing) connection of the server. */
  isOpen(peerId: number): boolean;
  /** Ids of every connection of the server. */
  peerIds(): Iterable<number>;
  /** What routers see of a connection. */
  info(peerId: number): SessionInfo<unknown> | undefined;
  /** Report an adapter failure (a `room-error` event). */
  report(error: RoomAdapterError): void;
  /** The server's snapshot now. */
  snapshot(): ServerSnapshot;
}

const NOTHING: DeliveryReport = Object.freeze({ delivered: 0, dropped: 0, skipped: 0 });
/** Past this many excluded peers, a set is built rather than scanning the list for every member. */
const EXCEPT_SCAN = 8;

/**
 * A server's rooms: named sets of its peers to broadcast to, with a typed {@link Topic} per room.
 * Create it before the server (processors are defined first and close over it), pass it as the
 * server's `rooms` option; the server handle offers the same `to`, `broadcast` and `sendTo`.
 * One registry belongs to one server. Peers leave every room when their connection closes.
 *
 * Every delivery goes through the receiving peer's own send path: the message is validated
 * against the protocol that peer speaks now (a peer in a stage whose protocol does not accept it
 * is skipped and counted) and queued under that peer's `onSendQueueFull` policy, so a peer that
 * never reads costs the others nothing. Validation runs once per protocol per send, not per peer.
 *
 * Costs: join, leave and a membership test are O(1); a send to N peers is O(N) (several rooms:
 * O(sum of their sizes), each peer delivered once); leaving every room is O(rooms of the peer).
 * Bounds: `maxRoomsPerPeer` rooms per peer and `maxRoomNameLength` per name, so the registry holds
 * at most peers × maxRoomsPerPeer memberships; empty rooms are forgotten.
 *
 * @typeParam Out - the messages its sends accept (`unknown`: any; each is validated per peer anyway).
 * @example
 * ```ts
 * const rooms = createRooms();
 * const lobby = rooms.topic<ChatOut>('lobby');
 * const server = await createServer({ listen, protocol: Chat, processor: (in$, peer) => { lobby.join(peer); return ...; }, rooms });
 * server.broadcast({ kind: 'Notice', text: 'restarting in 5 minutes' });
 * server.to('admins').send({ kind: 'Notice', text: 'load is high' });
 * ```
 */
export class Rooms<Out = unknown> implements TopicHost {
  /** See {@link RoomsOptions.maxRoomsPerPeer}. */
  readonly maxRoomsPerPeer: number;
  /** See {@link RoomsOptions.maxRoomNameLength}. */
  readonly maxRoomNameLength: number;
  private readonly adapter: RoomAdapter;
  private link: RoomServerLink | undefined;
  private reporter: ((error: RoomAdapterError) => void) | undefined;
  private ownNode = 0;

  /** @throws {@link @rxmsg/core!ConfigError} for a bound that is not a positive integer. */
  constructor(options: RoomsOptions = {}) {
    this.maxRoomsPerPeer = positive('maxRoomsPerPeer', options.maxRoomsPerPeer ?? DEFAULT_MAX_ROOMS_PER_PEER);
    this.maxRoomNameLength = positive('maxRoomNameLength', options.maxRoomNameLength ?? DEFAULT_MAX_ROOM_NAME_LENGTH);
    this.adapter = options.adapter ?? new LocalRoomAdapter();
  }

  /**
   * The room `name`, typed by the messages sent to it.
   * @throws `RoomLimitError` for an empty or too long name.
   */
  topic<M extends Out>(name: string): Topic<M> {
    return new Topic<M>(this, this.checkRoom(name));
  }

  /** The members of `room` (or of several rooms, each peer once). @throws `RoomLimitError` for a bad name. */
  to<M extends Out = Out>(room: RoomName<M> | readonly RoomName<M>[]): RoomTarget<M> {
    return new RoomTarget<M>(this, namesOf(room, this));
  }

  /** Every peer but these. */
  except(...peers: PeerRef[]): RoomTarget<Out> {
    return new RoomTarget<Out>(this, undefined).except(...peers);
  }

  /**
   * Send `message` to every peer of the server (those `filter` accepts, if given; a filtered
   * broadcast stays on this node). See {@link RoomTarget.send}.
   * @throws `CallbackError` when the filter throws; `FrameTooLargeError` (or what a codec throws)
   * when a peer's codec cannot carry the message (see {@link RoomTarget.send}).
   */
  broadcast(message: Out, filter?: PeerFilter): DeliveryReport {
    return this.sendPacket({ message }, filter);
  }

  /**
   * Send `message` to one peer, of this node (through its send path, validated against the
   * protocol it speaks now) or, through the adapter, of another.
   */
  sendTo(peer: PeerRef, message: Out): SendToResult {
    const id = peerIdOf(peer);
    const local = this.sendHere(id, message);
    // An id of this node that is not here is nowhere: its node part names where it lives.
    if (local !== 'not-found' || this.link === undefined || nodeOfPeer(id) === this.ownNode) return local;
    let sent: boolean | Promise<void>;
    try {
      sent = this.adapter.forward(id, message);
    } catch (error) {
      this.report('forward', error);
      return 'not-found';
    }
    if (sent === false) return 'not-found';
    if (sent !== true) this.watch('forward', sent);
    return 'forwarded';
  }

  /**
   * Send `message` to one peer and learn what happened to it, on this node or another. Settles
   * within `timeoutMs` (default {@link DEFAULT_REMOTE_TIMEOUT_MS}).
   * @returns `delivered` (queued on its connection), `dropped` (refused by its send policy, or it
   * is closing) or `skipped` (the protocol it speaks now does not accept the message).
   * @throws (rejects with) `PeerNotFoundError`: `node-down` at once when the peer's node is known
   * not to be alive, `no-such-peer` when no node has it; `TimeoutError` when its node did not
   * answer in time; `RoomAdapterError` when the adapter failed to send it.
   * @example
   * ```ts
   * try {
   *   await server.rooms.sendToConfirmed(id, { kind: 'Notice', text: 'your match starts' });
   * } catch (error) {
   *   if (error instanceof PeerNotFoundError) forgetPlayer(id);
   * }
   * ```
   */
  async sendToConfirmed(peer: PeerRef, message: Out, options: { readonly timeoutMs?: number } = {}): Promise<'delivered' | 'dropped' | 'skipped'> {
    const id = peerIdOf(peer);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
    const local = this.sendHere(id, message);
    if (local !== 'not-found' && local !== 'forwarded') return local;
    const adapter = this.adapter;
    if (this.link === undefined || nodeOfPeer(id) === this.ownNode || adapter.forwardConfirmed === undefined) throw new PeerNotFoundError(id, 'no-such-peer');
    let result: SendToResult;
    try {
      result = await adapter.forwardConfirmed(id, message, timeoutMs);
    } catch (error) {
      if (error instanceof PeerNotFoundError || error instanceof TimeoutError) throw error;
      throw new RoomAdapterError('forwardConfirmed', { cause: error });
    }
    if (result === 'not-found' || result === 'forwarded') throw new PeerNotFoundError(id, 'no-such-peer');
    return result;
  }

  /**
   * Add `peer` to `room`; it leaves by itself when its connection closes.
   * @returns `true` when it is a member now; `false` (nothing done) when it is not an open peer
   * of the server (unknown, closing or closed: a join racing a close is not a bug).
   * @throws `RoomLimitError` for a bad name, or when the peer is in `maxRoomsPerPeer` rooms already;
   * {@link ConfigError} when no server was given this registry (`createServer({ rooms })`).
   */
  join(peer: PeerRef, room: RoomName): boolean {
    const name = this.checkRoom(typeof room === 'string' ? room : room.name);
    if (this.reporter === undefined) throw new ConfigError('rooms', ['this registry was given to no server: pass it as createServer({ rooms })']);
    const id = peerIdOf(peer);
    if (this.link === undefined || !this.link.isOpen(id)) return false;
    const joined = this.adapter.roomsOf(id);
    if (joined?.has(name) === true) return true;
    if (joined !== undefined && joined.size >= this.maxRoomsPerPeer) {
      throw new RoomLimitError('rooms-per-peer', this.maxRoomsPerPeer, `peer ${id} is in ${joined.size} rooms`);
    }
    return this.run('join', () => this.adapter.join(id, name));
  }

  /** Remove `peer` from `room`. @returns whether it was a member. */
  leave(peer: PeerRef, room: RoomName): boolean {
    const id = peerIdOf(peer);
    const name = typeof room === 'string' ? room : room.name;
    if (this.adapter.roomsOf(id)?.has(name) !== true) return false;
    return this.run('leave', () => this.adapter.leave(id, name));
  }

  /** Remove `peer` from every room. */
  leaveAll(peer: PeerRef): void {
    const id = peerIdOf(peer);
    if (this.adapter.roomsOf(id) !== undefined) this.run('leaveAll', () => this.adapter.leaveAll(id));
  }

  /** Whether `peer` is in `room`. */
  isIn(peer: PeerRef, room: RoomName): boolean {
    return this.adapter.roomsOf(peerIdOf(peer))?.has(typeof room === 'string' ? room : room.name) === true;
  }

  /** The rooms `peer` is in. */
  roomsOf(peer: PeerRef): string[] {
    const rooms = this.adapter.roomsOf(peerIdOf(peer));
    return rooms === undefined ? [] : [...rooms];
  }

  /** The ids of the members of `room` on this node. */
  membersOf(room: RoomName): number[] {
    const members = this.adapter.membersOf(typeof room === 'string' ? room : room.name);
    return members === undefined ? [] : [...members];
  }

  /** Members of `room` on this node. */
  size(room: RoomName): number {
    return this.adapter.membersOf(typeof room === 'string' ? room : room.name)?.size ?? 0;
  }

  /** Every room with a member on this node. */
  rooms(): string[] {
    return [...this.adapter.allRooms()];
  }

  /** @internal {@link RoomSender.checkRoom}. */
  checkRoom(room: string): string {
    if (room.length === 0 || room.length > this.maxRoomNameLength) {
      throw new RoomLimitError('room-name-length', this.maxRoomNameLength, `a room name of ${room.length} characters`);
    }
    return room;
  }

  /** @internal {@link RoomSender.sendPacket}: deliver here, then publish (unless filtered). */
  sendPacket(packet: RoomPacket, filter: PeerFilter | undefined): DeliveryReport {
    const report = this.deliver(packet, true, filter);
    if (filter === undefined && this.link !== undefined) this.run('publish', () => this.adapter.publish(packet));
    return report;
  }

  /**
   * This node's number ({@link RoomAdapter.node}): 0 until a server took the registry, and for an
   * adapter without one.
   */
  get node(): number {
    return this.ownNode;
  }

  /**
   * The snapshots of this node's server and, through the adapter, of every other node (each that
   * does not answer within `timeoutMs` is listed with an `error`). @internal `server.snapshotAll()`.
   */
  async snapshotAll(timeoutMs: number): Promise<ClusterSnapshot> {
    const link = this.link;
    if (link === undefined) throw new ConfigError('rooms', ['this registry belongs to no running server']);
    const own: NodeSnapshot = { node: this.ownNode, snapshot: link.snapshot() };
    let others: readonly NodeSnapshot[] = [];
    if (this.adapter.snapshots !== undefined) {
      try {
        others = await this.adapter.snapshots(timeoutMs);
      } catch (error) {
        this.report('snapshots', error);
      }
    }
    return { nodes: [own, ...others.filter((n) => n.node !== this.ownNode)] };
  }

  /**
   * @internal Called by the server that takes this registry, before it listens; resolves with
   * the node number its peer ids start from.
   * @throws {@link @rxmsg/core!ConfigError} when another server took it already, or the adapter's node number
   * is out of range; `RoomAdapterError` when the adapter's `attach` failed.
   */
  async attachTo(link: RoomServerLink): Promise<number> {
    if (this.reporter !== undefined) throw new ConfigError('rooms', ['this rooms registry belongs to another server: create one per server']);
    this.link = link;
    this.reporter = (error) => link.report(error);
    const host: RoomHost = {
      deliver: (packet) => {
        // Called by the adapter's own code (a bus subscription): a message this node cannot encode is reported, not thrown there.
        try {
          return this.deliver(packet, false, undefined);
        } catch (error) {
          this.report('deliver', error);
          return NOTHING;
        }
      },
      sendTo: (peerId, message) => this.sendHere(peerId, message),
      report: (operation, cause) => this.report(operation, cause),
      snapshot: () => link.snapshot(),
    };
    try {
      await this.adapter.attach(host);
    } catch (error) {
      this.link = undefined;
      this.reporter = undefined;
      throw new RoomAdapterError('attach', { cause: error });
    }
    const node = this.adapter.node ?? 0;
    if (!Number.isSafeInteger(node) || node < 0 || node > MAX_NODE_NUMBER) {
      this.link = undefined;
      this.reporter = undefined;
      throw new ConfigError('rooms.adapter.node', [`must be an integer from 0 to ${MAX_NODE_NUMBER}, got ${node}`]);
    }
    this.ownNode = node;
    return node;
  }

  /** @internal The server's connection `peerId` opened (for the adapter's presence registry). */
  peerOpened(peerId: number): void {
    const adapter = this.adapter;
    if (adapter.peerOpened !== undefined) this.run('peerOpened', () => adapter.peerOpened?.(peerId));
  }

  /** @internal The server's connection `peerId` closed: it leaves every room. */
  peerClosed(peerId: number): void {
    // Runs in the connection's close handler: an adapter's throw must not escape to the event loop.
    this.run('leaveAll', () => (this.adapter.roomsOf(peerId) === undefined ? undefined : this.adapter.leaveAll(peerId)));
    const adapter = this.adapter;
    if (adapter.peerClosed !== undefined) this.run('peerClosed', () => adapter.peerClosed?.(peerId));
  }

  /**
   * @internal The server stopped: deliveries end, the adapter is closed (its failure reported).
   * A close that does not settle within {@link ROOM_ADAPTER_CLOSE_TIMEOUT_MS} (on `scheduler`) is
   * reported and no longer waited for: a stalled adapter does not hang `server.close()`.
   */
  async close(scheduler: SchedulerLike = asyncScheduler): Promise<void> {
    if (this.link === undefined) return;
    let timer: Subscription | undefined;
    try {
      const closing = this.adapter.close();
      if (closing !== undefined) {
        await new Promise<void>((resolve, reject) => {
          timer = scheduler.schedule(() => reject(new TimeoutError(`the adapter did not close within ${ROOM_ADAPTER_CLOSE_TIMEOUT_MS} ms`)), ROOM_ADAPTER_CLOSE_TIMEOUT_MS);
          closing.then(resolve, reject);
        });
      }
    } catch (error) {
      this.report('close', error);
    } finally {
      timer?.unsubscribe();
    }
    this.link = undefined;
  }

  /** Deliver on this node; `except` names this node's peers only when the packet was sent here. */
  private deliver(packet: RoomPacket, own: boolean, filter: PeerFilter | undefined): DeliveryReport {
    const link = this.link;
    if (link === undefined) return NOTHING;
    const verdicts = new ProtocolVerdicts(packet.message);
    const except = own ? packet.except : undefined;
    const exceptSet = except !== undefined && except.length > EXCEPT_SCAN ? new Set(except) : undefined;
    let left: Set<number> | undefined;
    if (packet.exceptRooms !== undefined) {
      left = new Set();
      for (const room of packet.exceptRooms) for (const id of this.adapter.membersOf(room) ?? []) left.add(id);
    }
    let delivered = 0;
    let dropped = 0;
    let skipped = 0;
    const visit = (id: number): void => {
      if (exceptSet !== undefined ? exceptSet.has(id) : except !== undefined && except.includes(id)) return;
      if (left?.has(id) === true) return;
      if (filter !== undefined) {
        const info = link.info(id);
        if (info === undefined || !accepted(filter, info)) return;
      }
      switch (link.deliver(id, verdicts)) {
        case 'delivered':
          delivered++;
          break;
        case 'dropped':
          dropped++;
          break;
        case 'skipped':
          skipped++;
          break;
        case 'not-found':
          break;
      }
    };
    const rooms = packet.rooms;
    // Encoded once per codec and framing for all the peers, not once per peer; restored for a nested send.
    const outer = FAN_OUT.memo;
    FAN_OUT.memo = new EncodeMemo(packet.message);
    try {
      if (rooms === undefined) for (const id of link.peerIds()) visit(id);
      else if (rooms.length === 1) for (const id of this.adapter.membersOf(rooms[0]!) ?? []) visit(id);
      else {
        const seen = new Set<number>();
        for (const room of rooms) {
          for (const id of this.adapter.membersOf(room) ?? []) {
            if (seen.has(id)) continue;
            seen.add(id);
            visit(id);
          }
        }
      }
    } finally {
      FAN_OUT.memo = outer;
    }
    return { delivered, dropped, skipped };
  }

  private sendHere(peerId: number, message: unknown): SendToResult {
    const link = this.link;
    return link === undefined ? 'not-found' : link.deliver(peerId, new ProtocolVerdicts(message));
  }

  /** Run an adapter operation: a throw or a rejection is reported, never thrown. @returns whether it did not throw. */
  private run(operation: string, op: () => void | Promise<void>): boolean {
    let result: void | Promise<void>;
    try {
      result = op();
    } catch (error) {
      this.report(operation, error);
      return false;
    }
    if (result !== undefined) this.watch(operation, result);
    return true;
  }

  private watch(operation: string, pending: Promise<void>): void {
    pending.then(undefined, (error: unknown) => this.report(operation, error));
  }

  private report(operation: string, cause: unknown): void {
    // Adapter operations run only once attached, and the server's reporter outlives its stop (a late rejection).
    this.reporter?.(new RoomAdapterError(operation, { cause }));
  }
}

/**
 * Create a rooms registry, to pass to one server as its `rooms` option.
 * @throws {@link @rxmsg/core!ConfigError} for bad bounds.
 * @example
 * ```ts
 * const rooms = createRooms({ maxRoomsPerPeer: 16 });
 * const lobby = rooms.topic<ServerMessage<typeof Chat>>('lobby');
 * ```
 */
export function createRooms<Out = unknown>(options?: RoomsOptions): Rooms<Out> {
  return new Rooms<Out>(options);
}

/** Whether `filter` accepts `peer`; what it throws becomes a `CallbackError`. */
function accepted(filter: PeerFilter, peer: SessionInfo<unknown>): boolean {
  try {
    return filter(peer);
  } catch (error) {
    throw new CallbackError('broadcast filter', { cause: error });
  }
}

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(field, [`must be a positive integer, got ${value}`]);
  return value;
}

/**
 * The rooms of a server, on its handle: the registry given as its `rooms` option (or one of its
 * own), and its three sends.
 * @typeParam Out - the server messages of its protocols.
 */
export interface RoomsAccess<Out> {
  /** The server's rooms registry (the one given as the `rooms` option, or its own). */
  readonly rooms: Rooms<Out>;
  /** The members of `room` (or of several rooms, each peer once). See {@link Rooms.to}. */
  to<M extends Out = Out>(room: RoomName<M> | readonly RoomName<M>[]): RoomTarget<M>;
  /** Send to every peer (or those `filter` accepts). See {@link Rooms.broadcast}. */
  broadcast(message: Out, filter?: PeerFilter): DeliveryReport;
  /** Send to one peer. See {@link Rooms.sendTo}. */
  sendTo(peer: PeerRef, message: Out): SendToResult;
}

/** The {@link RoomsAccess} of a handle over `rooms`. */
export function roomsAccess<Out>(rooms: Rooms<Out>): RoomsAccess<Out> {
  return {
    rooms,
    to: (room) => rooms.to(room),
    broadcast: (message, filter) => rooms.broadcast(message, filter),
    sendTo: (peer, message) => rooms.sendTo(peer, message),
  };
}
