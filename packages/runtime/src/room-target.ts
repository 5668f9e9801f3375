import type { SessionInfo } from './session-info';
import { peerIdOf, type DeliveryReport, type PeerRef, type RoomPacket } from './room-adapter';

/**
 * Picks peers of a broadcast on this node. User code: it runs in the caller of `send`, once per
 * targeted peer; what it throws ends the broadcast with a `CallbackError` (deliveries before stand).
 */
export type PeerFilter = (peer: SessionInfo<unknown>) => boolean;

/** What a {@link RoomTarget} asks of its registry. */
export interface RoomSender {
  /** Deliver `packet` on this node (except and filter applied), then publish it unless filtered. */
  sendPacket(packet: RoomPacket, filter: PeerFilter | undefined): DeliveryReport;
  /** Check a room name against the bounds. @throws RoomLimitError */
  checkRoom(room: string): string;
}

/** A room named by its name or by its {@link Topic}. */
export type RoomName<M = unknown> = string | { readonly name: string; readonly __message?: M };

/**
 * The peers a message goes to: rooms (their union, each peer once), or every peer of the server,
 * less peers and rooms left out. Immutable: each method returns a new target.
 *
 * @typeParam M - the messages it accepts.
 * @example
 * ```ts
 * rooms.to('lobby').to('admins').except(peer).send({ kind: 'Line', text });
 * server.to(lobby).exceptIn('muted').send(line);
 * ```
 */
export class RoomTarget<M> {
  /**
   * @param sender - the registry.
   * @param rooms - the rooms targeted; `undefined`: every peer.
   * @param excluded - peer ids left out.
   * @param exceptRooms - rooms whose members are left out.
   * @param predicate - a filter on this node's peers.
   */
  constructor(
    private readonly sender: RoomSender,
    private readonly rooms: readonly string[] | undefined,
    private readonly excluded: readonly number[] = [],
    private readonly exceptRooms: readonly string[] = [],
    private readonly predicate?: PeerFilter,
  ) {}

  /** Also the members of `room`. */
  to(room: RoomName<M> | readonly RoomName<M>[]): RoomTarget<M> {
    const more = namesOf(room, this.sender);
    return new RoomTarget<M>(this.sender, this.rooms === undefined ? undefined : [...this.rooms, ...more], this.excluded, this.exceptRooms, this.predicate);
  }

  /** Not these peers (the sender itself, typically). */
  except(...peers: PeerRef[]): RoomTarget<M> {
    return new RoomTarget<M>(this.sender, this.rooms, [...this.excluded, ...peers.map(peerIdOf)], this.exceptRooms, this.predicate);
  }

  /** Not the members of these rooms. */
  exceptIn(...rooms: RoomName<M>[]): RoomTarget<M> {
    return new RoomTarget<M>(this.sender, this.rooms, this.excluded, [...this.exceptRooms, ...namesOf(rooms, this.sender)], this.predicate);
  }

  /**
   * Only the peers `filter` accepts. A function cannot cross processes: a filtered send is
   * delivered on this node only, never published to other nodes by the adapter.
   */
  filter(filter: PeerFilter): RoomTarget<M> {
    const before = this.predicate;
    const both: PeerFilter = before === undefined ? filter : (peer) => before(peer) && filter(peer);
    return new RoomTarget<M>(this.sender, this.rooms, this.excluded, this.exceptRooms, both);
  }

  /**
   * Send `message` to every targeted peer, each through its own send path: validated against the
   * protocol it speaks now (skipped when that protocol does not accept it) and queued under its
   * own `onSendQueueFull` policy. Then the adapter publishes it to other nodes (unfiltered sends only).
   * @returns what happened on this node.
   * @throws `CallbackError` when the filter throws; `FrameTooLargeError` (or what a codec throws)
   * when a targeted peer's codec cannot carry the message: the send ends there (the deliveries
   * before it stand, nothing is published) and no receiving connection is closed for it.
   */
  send(message: M): DeliveryReport {
    const packet: RoomPacket = {
      message,
      ...(this.rooms === undefined ? {} : { rooms: this.rooms }),
      ...(this.excluded.length === 0 ? {} : { except: this.excluded }),
      ...(this.exceptRooms.length === 0 ? {} : { exceptRooms: this.exceptRooms }),
    };
    return this.sender.sendPacket(packet, this.predicate);
  }
}

/** The names of `room` (one or several), checked against the bounds. */
export function namesOf(room: RoomName<unknown> | readonly RoomName<unknown>[], sender: RoomSender): string[] {
  const list: readonly RoomName<unknown>[] = isList(room) ? room : [room];
  return list.map((r) => sender.checkRoom(typeof r === 'string' ? r : r.name));
}

// Array.isArray does not narrow a readonly array out of a union.
function isList(room: RoomName<unknown> | readonly RoomName<unknown>[]): room is readonly RoomName<unknown>[] {
  return Array.isArray(room);
}
