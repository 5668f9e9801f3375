/**
 * The contract between a rooms registry ({@link Rooms}) and the adapter that keeps its membership
 * and carries its broadcasts to other processes or nodes. The registry (and through it the
 * server) does every delivery to this node's peers; the adapter keeps membership and does the
 * remote fan-out. {@link LocalRoomAdapter} is the one-process adapter; a cluster or Redis adapter
 * extends it (or wraps one) and overrides the remote half: see docs/rooms.md.
 *
 * Rules an adapter keeps:
 * - **Local effects are synchronous.** When `join`, `leave` or `leaveAll` returns, `membersOf` and
 *   `roomsOf` show the change: a broadcast right after a join reaches the new member. A returned
 *   promise covers only what is sent elsewhere (a presence registry, other nodes' views).
 * - **Failures are reported, not thrown.** A rejected promise is reported by the registry as a
 *   `room-error` server event with a `RoomAdapterError`; failures the adapter meets on its own (a
 *   bus that drops, a message from another node it cannot read) go to {@link RoomHost.report}.
 *   Nothing an adapter does may throw into the caller of `send`.
 * - **Packets are plain data.** {@link RoomPacket} holds only the message (which the protocol's
 *   codec can encode, so it is serialisable) and names; a broadcast with a function filter never
 *   reaches `publish` (a function cannot cross processes): it is delivered on this node only.
 */
export interface RoomAdapter {
  /** Called once, by the registry, when its server starts: where deliveries and failures go. */
  attach(host: RoomHost): void;
  /** Add peer `peerId` of this node to `room` (already a member: nothing changes). */
  join(peerId: number, room: string): void | Promise<void>;
  /** Remove peer `peerId` of this node from `room` (not a member: nothing changes). */
  leave(peerId: number, room: string): void | Promise<void>;
  /** Remove peer `peerId` of this node from every room: it closed. */
  leaveAll(peerId: number): void | Promise<void>;
  /** The rooms of a peer of this node; `undefined` when it is in none. Read-only for the caller. */
  roomsOf(peerId: number): ReadonlySet<string> | undefined;
  /** The members on this node of `room`; `undefined` when it has none here. Read-only for the caller. */
  membersOf(room: string): ReadonlySet<number> | undefined;
  /** Every room with a member on this node. */
  allRooms(): Iterable<string>;
  /**
   * Carry `packet` to the other nodes, whose adapters hand it to their {@link RoomHost.deliver}.
   * Called after the registry delivered it on this node; the local adapter does nothing.
   */
  publish(packet: RoomPacket): void | Promise<void>;
  /**
   * Deliver `message` to peer `peerId`, which is not on this node (a presence registry knows
   * where it is). @returns `false` when no other node can have it (the local adapter), `true`
   * or a promise when it was sent on (a rejection is reported).
   */
  forward(peerId: number, message: unknown): boolean | Promise<void>;
  /** The server stopped: release what the adapter holds (subscriptions, timers). */
  close(): void | Promise<void>;
}

/** What the registry gives its adapter: delivery to this node's peers, and a place for failures. */
export interface RoomHost {
  /**
   * Deliver a packet that came from another node to the peers of this node it targets. Its
   * `except` ids name peers of the node it came from and are not applied here.
   */
  deliver(packet: RoomPacket): DeliveryReport;
  /** Deliver to peer `peerId` if it is on this node (what another node forwarded to it). */
  sendTo(peerId: number, message: unknown): SendToResult;
  /** Report a failure of the adapter's own (as a `room-error` server event). */
  report(operation: string, cause: unknown): void;
}

/** A broadcast as it travels between nodes: plain data. */
export interface RoomPacket {
  /** The message, as given to `send` (validated per receiving peer, never changed). */
  readonly message: unknown;
  /** The rooms whose members receive it (each peer once); absent: every peer. */
  readonly rooms?: readonly string[];
  /** Rooms whose members do not receive it. */
  readonly exceptRooms?: readonly string[];
  /** Peers of the sending node that do not receive it (e.g. the sender itself). */
  readonly except?: readonly number[];
}

/**
 * What a delivery did on this node: each targeted peer counts once, in one of three counts. Peers
 * left out by `except` or a filter are not counted.
 */
export interface DeliveryReport {
  /** Queued on the peer's connection. */
  readonly delivered: number;
  /** Refused by the peer's send policy (`onSendQueueFull: 'drop-newest'`, a full queue under `disconnect`), or the peer is closing or between protocols. */
  readonly dropped: number;
  /** The protocol the peer speaks now does not accept the message (another stage of a composite server). */
  readonly skipped: number;
}

/**
 * What `sendTo` did: `delivered`, `dropped`, `skipped` as in {@link DeliveryReport} for a peer
 * of this node; `forwarded` to another node by the adapter; `not-found` anywhere.
 */
export type SendToResult = 'delivered' | 'dropped' | 'skipped' | 'forwarded' | 'not-found';

/** A peer named by its id or by anything with one (a `Peer`, a `PeerHandle`). */
export type PeerRef = number | { readonly id: number };

/** The id of `peer`. */
export function peerIdOf(peer: PeerRef): number {
  return typeof peer === 'number' ? peer : peer.id;
}
