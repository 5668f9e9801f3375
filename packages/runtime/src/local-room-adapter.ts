import type { RoomAdapter, RoomHost, RoomPacket } from './room-adapter';

/**
 * The rooms adapter of one process: membership in two maps (room → members, peer → rooms), so
 * that join, leave and a member lookup are O(1) and leaving every room is O(rooms of the peer).
 * An empty room is forgotten. It publishes nowhere and forwards nothing.
 *
 * A cross-process adapter extends it: it calls `super` for the local half of every operation and
 * overrides {@link LocalRoomAdapter.publish} and {@link LocalRoomAdapter.forward} (and, for a presence
 * registry, `join`/`leave`/`leaveAll`), handing what other nodes send to `this.host.deliver` and
 * `this.host.sendTo`.
 *
 * @example
 * ```ts
 * class BusAdapter extends LocalRoomAdapter {
 *   override attach(host: RoomHost): void {
 *     super.attach(host);
 *     bus.subscribe((packet) => this.host?.deliver(packet));
 *   }
 *   override publish(packet: RoomPacket): Promise<void> {
 *     return bus.publish(packet);
 *   }
 * }
 * const rooms = createRooms({ adapter: new BusAdapter() });
 * ```
 */
export class LocalRoomAdapter implements RoomAdapter {
  /** The registry's host, once attached. */
  protected host: RoomHost | undefined;
  private readonly members = new Map<string, Set<number>>();
  private readonly joined = new Map<number, Set<string>>();

  attach(host: RoomHost): void {
    this.host = host;
  }

  join(peerId: number, room: string): void | Promise<void> {
    let members = this.members.get(room);
    if (members === undefined) this.members.set(room, (members = new Set()));
    members.add(peerId);
    let rooms = this.joined.get(peerId);
    if (rooms === undefined) this.joined.set(peerId, (rooms = new Set()));
    rooms.add(room);
  }

  leave(peerId: number, room: string): void | Promise<void> {
    const rooms = this.joined.get(peerId);
    if (rooms === undefined || !rooms.delete(room)) return;
    if (rooms.size === 0) this.joined.delete(peerId);
    this.forget(peerId, room);
  }

  leaveAll(peerId: number): void | Promise<void> {
    const rooms = this.joined.get(peerId);
    if (rooms === undefined) return;
    this.joined.delete(peerId);
    for (const room of rooms) this.forget(peerId, room);
  }

  roomsOf(peerId: number): ReadonlySet<string> | undefined {
    return this.joined.get(peerId);
  }

  membersOf(room: string): ReadonlySet<number> | undefined {
    return this.members.get(room);
  }

  allRooms(): Iterable<string> {
    return this.members.keys();
  }

  // Declared as the interface does, so that a subclass may answer asynchronously.
  publish(_packet: RoomPacket): void | Promise<void> {}

  forward(_peerId: number, _message: unknown): boolean | Promise<void> {
    return false;
  }

  close(): void | Promise<void> {
    this.members.clear();
    this.joined.clear();
  }

  private forget(peerId: number, room: string): void {
    const members = this.members.get(room);
    if (members === undefined) return;
    members.delete(peerId);
    if (members.size === 0) this.members.delete(room);
  }
}
