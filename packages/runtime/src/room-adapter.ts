import type { ServerSnapshot } from './server-snapshot';

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
  /**
   * Called once, by the registry, when its server starts and before it listens: where deliveries
   * and failures go. A promise is awaited (an adapter connects to its bus and claims its node
   * number here); when it rejects, `createServer` rejects with a `RoomAdapterError` (operation
   * `attach`) and nothing was bound.
   */
  attach(host: RoomHost): void | Promise<void>;
  /**
   * This node's number among the nodes sharing the adapter's bus, read once `attach` settled:
   * the server numbers its peers `node * PEER_ID_NODE_STRIDE + n` (n = 1, 2, …), so that a peer id
   * is unique across the nodes and names its node ({@link nodeOfPeer}). An integer from 0 to
   * {@link MAX_NODE_NUMBER}; absent: 0 (one node).
   */
  readonly node?: number;
  /** Peer `peerId` of this node opened (for a presence registry). */
  peerOpened?(peerId: number): void | Promise<void>;
  /** Peer `peerId` of this node closed; called after `leaveAll` (for a presence registry). */
  peerClosed?(peerId: number): void | Promise<void>;
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
  /**
   * Deliver `message` to peer `peerId` of another node and say what happened there (used by
   * `rooms.sendToConfirmed`). Settles within `timeoutMs`: with the other node's result
   * (`not-found` when it has no such peer), or rejecting with a `PeerNotFoundError` (reason
   * `node-down`, at once, when that node is known not to be alive) or a `TimeoutError`.
   */
  forwardConfirmed?(peerId: number, message: unknown, timeoutMs: number): Promise<SendToResult>;
  /**
   * The snapshots of the other nodes (for `server.snapshotAll()`), asked for at once: each node
   * that does not answer within `timeoutMs` is listed with an `error`.
   */
  snapshots?(timeoutMs: number): Promise<readonly NodeSnapshot[]>;
  /** The server stopped: release what the adapter holds (subscriptions, timers). */
  close(): void | Promise<void>;
}

/** Peer ids of node k are `k * PEER_ID_NODE_STRIDE + n`: see {@link RoomAdapter.node}. */
export const PEER_ID_NODE_STRIDE = 2 ** 32;
/** The highest node number: peer ids stay safe integers (below 2^53). */
export const MAX_NODE_NUMBER = 2 ** 21 - 1;

/** The node number a peer id names (0 for the ids of a server without a node number). */
export function nodeOfPeer(peerId: number): number {
  return Math.floor(peerId / PEER_ID_NODE_STRIDE);
}

/**
 * One node's part of a cluster-wide snapshot: its {@link ServerSnapshot} (without listener
 * contexts, which need not cross processes, when it came from another node), or why it has none.
 */
export interface NodeSnapshot {
  /** The node number ({@link RoomAdapter.node}). */
  readonly node: number;
  /** Its snapshot, when it answered. */
  readonly snapshot?: ServerSnapshot;
  /** Why there is none (`timeout`: it did not answer in time). */
  readonly error?: string;
}

/** A snapshot of every node sharing a rooms adapter's bus: this node first. */
export interface ClusterSnapshot {
  readonly nodes: readonly NodeSnapshot[];
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
  /** This node's snapshot, to answer another node's `snapshots()`. */
  snapshot(): ServerSnapshot;
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
