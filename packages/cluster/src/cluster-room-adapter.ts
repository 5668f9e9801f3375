import { ClosedError, PeerNotFoundError, RemoteDeliveryError, TimeoutError } from '@rxmsg/core';
import { LocalRoomAdapter, nodeOfPeer, type NodeSnapshot, type RoomHost, type RoomPacket, type SendToResult, type ServerSnapshot } from '@rxmsg/runtime';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import { DropReporter } from './drop-reporter';
import type { PacketSchema, ToPrimary, ToWorker, Unmarked, WorkerSnapshotSchema } from './ipc-messages';
import { PendingRequests } from './pending-requests';
import { timerMs } from './timer-ms';

/**
 * How long a worker waits for the primary's answer to a snapshot gathering past the `timeoutMs`
 * the primary applies to each worker, in ms (the primary answers by then unless it is stuck).
 */
export const GATHER_MARGIN_MS = 1000;

/** Options of a {@link ClusterRoomAdapter}. */
export interface ClusterRoomAdapterOptions {
  /** This worker's node number (given by the primary). */
  readonly node: number;
  /**
   * Sends a message to the primary through the worker's bounded IPC outbox; `false` when it was
   * dropped. Absent: the adapter is alone (a worker module run outside a cluster) and acts as a
   * {@link LocalRoomAdapter}.
   */
  readonly send?: (message: Unmarked<ToPrimary>) => boolean;
  /** Scheduler of its timers (request deadlines, drop reports); `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

/**
 * The rooms adapter of a cluster worker: membership stays local ({@link LocalRoomAdapter}); a
 * broadcast, a `sendTo` or a `sendToConfirmed` for a peer of another worker, and a snapshot
 * gathering go to the primary, which relays them. `clusterWorker` creates it and passes it to
 * the worker's build function; give it to `createRooms({ adapter })`.
 *
 * - **Node numbers.** The primary gives each worker process a fresh node number; the server
 *   numbers its peers from it, so a peer id names its worker ({@link nodeOfPeer}).
 * - **Fail fast.** The primary keeps every worker told which nodes are alive: `forward` to a
 *   peer of a dead node returns `false` (sendTo says `not-found`), `forwardConfirmed` rejects at
 *   once with a `PeerNotFoundError` (reason `node-down`).
 * - **Bounded.** What the IPC outbox or the primary dropped (a worker that does not read) is
 *   counted and reported as a `room-error` with a `RemoteDeliveryError` (operation `ipc`): the
 *   first at once, then at most one report per second with the count.
 * - **At most once.** A broadcast reaches each other worker's peers at most once; nothing is
 *   retried or replayed.
 *
 * @example
 * ```ts
 * clusterWorker(async ({ adapter }) => {
 *   const rooms = createRooms({ adapter });
 *   return createServer({ listen: 'tcp://0.0.0.0:4000', protocol: Chat, processor: chat(rooms), rooms });
 * });
 * ```
 */
export class ClusterRoomAdapter extends LocalRoomAdapter {
  /** This worker's node number. */
  readonly node: number;
  private readonly send: ((message: Unmarked<ToPrimary>) => boolean) | undefined;
  private alive = new Set<number>();
  private readonly confirms: PendingRequests<SendToResult>;
  private readonly gathers: PendingRequests<readonly NodeSnapshot[]>;
  private readonly drops: DropReporter;

  constructor(options: ClusterRoomAdapterOptions) {
    super();
    this.node = options.node;
    this.send = options.send;
    const scheduler = options.scheduler ?? asyncScheduler;
    this.confirms = new PendingRequests(scheduler);
    this.gathers = new PendingRequests(scheduler);
    this.drops = new DropReporter((count) => this.host?.report('ipc', new RemoteDeliveryError(count, 'the IPC channel between the workers was full or closed')), scheduler);
  }

  override attach(host: RoomHost): void {
    super.attach(host);
    this.send?.({ t: 'attached', node: this.node });
  }

  /** The nodes alive now, as the primary last said (this one included once attached). */
  aliveNodes(): number[] {
    return [...this.alive];
  }

  override publish(packet: RoomPacket): void {
    // Alone (or the only node alive): nothing to carry, no IPC cost.
    if (this.send === undefined || !this.hasOthers()) return;
    // Readonly arrays of the runtime's packet, sent as they are (structured clone copies them).
    this.send({ t: 'publish', packet: packet as z.infer<typeof PacketSchema> });
  }

  override forward(peerId: number, message: unknown): boolean {
    const node = nodeOfPeer(peerId);
    if (this.send === undefined || node === this.node || !this.alive.has(node)) return false;
    this.send({ t: 'forward', peerId, message });
    return true;
  }

  forwardConfirmed(peerId: number, message: unknown, requestedMs: number): Promise<SendToResult> {
    const timeoutMs = timerMs(requestedMs, 0);
    const node = nodeOfPeer(peerId);
    const send = this.send;
    if (send === undefined || node === this.node || !this.alive.has(node)) return Promise.reject(new PeerNotFoundError(peerId, 'node-down'));
    return this.confirms.request(
      timeoutMs,
      (id) => {
        if (!send({ t: 'forward-confirmed', id, peerId, message })) throw new RemoteDeliveryError(1, 'the IPC channel to the primary is full');
      },
      () => {
        throw new TimeoutError(`node ${node} did not confirm the send to peer ${peerId} within ${timeoutMs} ms`);
      },
    );
  }

  snapshots(requestedMs: number): Promise<readonly NodeSnapshot[]> {
    // The primary takes a whole number of ms; its timer and ours (with the margin) must not overflow.
    const timeoutMs = timerMs(requestedMs, GATHER_MARGIN_MS);
    const send = this.send;
    if (send === undefined || !this.hasOthers()) return Promise.resolve([]);
    const others = [...this.alive].filter((n) => n !== this.node);
    return this.gathers.request(
      timeoutMs + GATHER_MARGIN_MS,
      (id) => {
        if (!send({ t: 'gather', id, timeoutMs })) throw new RemoteDeliveryError(1, 'the IPC channel to the primary is full');
      },
      // The primary did not answer (it is stuck): every other node is unanswered.
      () => others.map((node) => ({ node, error: 'timeout' })),
    );
  }

  /**
   * @internal A message of the primary for the rooms (dispatched by `clusterWorker`).
   */
  receive(message: Unmarked<ToWorker>): void {
    switch (message.t) {
      case 'nodes':
        this.alive = new Set(message.alive);
        break;
      case 'publish':
        this.host?.deliver(toPacket(message.packet));
        break;
      case 'forward':
        // At most once: a peer that closed meanwhile is not reported here (the sender was told `forwarded`).
        this.host?.sendTo(message.peerId, message.message);
        break;
      case 'deliver-confirmed': {
        const result = this.host?.sendTo(message.peerId, message.message) ?? 'not-found';
        this.send?.({ t: 'confirmed', id: message.id, to: message.from, result });
        break;
      }
      case 'confirmed':
        if (message.result !== undefined) this.confirms.answer(message.id, message.result);
        else if (message.failure === 'node-down') this.confirms.fail(message.id, new PeerNotFoundError(message.peerId, 'node-down'));
        else this.confirms.fail(message.id, new RemoteDeliveryError(1, `the primary could not pass the send to peer ${message.peerId} on`));
        break;
      case 'snapshots':
        this.gathers.answer(message.id, message.nodes.map(toNodeSnapshot));
        break;
      case 'undelivered':
        this.drops.add(message.count);
        break;
      case 'snapshot':
      case 'shutdown':
        // Handled by the worker itself.
        break;
    }
  }

  /** @internal Count `n` messages the worker's outbox dropped. */
  undelivered(n = 1): void {
    this.drops.add(n);
  }

  /** @internal Report a failure of the IPC channel (a malformed message of the primary). */
  report(operation: string, cause: unknown): void {
    this.host?.report(operation, cause);
  }

  override close(): void {
    super.close();
    this.confirms.closeAll(() => new ClosedError('the server stopped'));
    this.gathers.closeAll(() => new ClosedError('the server stopped'));
    this.drops.close();
    this.alive = new Set();
  }

  private hasOthers(): boolean {
    return this.alive.size > (this.alive.has(this.node) ? 1 : 0);
  }
}

function toPacket(p: z.infer<typeof PacketSchema>): RoomPacket {
  const packet: { message: unknown; rooms?: readonly string[]; exceptRooms?: readonly string[]; except?: readonly number[] } = { message: p.message };
  if (p.rooms !== undefined) packet.rooms = p.rooms;
  if (p.exceptRooms !== undefined) packet.exceptRooms = p.exceptRooms;
  if (p.except !== undefined) packet.except = p.except;
  return packet;
}

/** A worker's part of a gathering as the runtime lists it. */
export function toNodeSnapshot(n: z.infer<typeof WorkerSnapshotSchema>): NodeSnapshot {
  const out: { node: number; snapshot?: ServerSnapshot; error?: string } = { node: n.node };
  // Shape-checked by SnapshotSchema; the rest is what the worker's own server produced.
  if (n.snapshot !== undefined) out.snapshot = n.snapshot as unknown as ServerSnapshot;
  if (n.error !== undefined) out.error = n.error;
  return out;
}
