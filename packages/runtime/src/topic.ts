import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { DeliveryReport, PeerRef } from './room-adapter';
import { RoomTarget, type PeerFilter, type RoomSender } from './room-target';

/** What a {@link Topic} asks of its registry. */
export interface TopicHost extends RoomSender {
  join(peer: PeerRef, room: string): boolean;
  leave(peer: PeerRef, room: string): boolean;
  isIn(peer: PeerRef, room: string): boolean;
  membersOf(room: string): number[];
  size(room: string): number;
}

/**
 * A room typed by the messages it carries: `send` accepts only `M`. Made by `rooms.topic<M>(name)`;
 * two topics of one name are one room.
 *
 * @typeParam M - the messages sent to the room.
 * @example
 * ```ts
 * const rooms = createRooms();
 * const lobby = rooms.topic<ServerMessage<typeof Chat>>('lobby');
 * const chat: ServerProcessor<typeof Chat> = (in$, peer) => {
 *   lobby.join(peer);
 *   return in$.pipe(
 *     tap((m) => lobby.except(peer).send({ kind: 'Line', from: peer.id, text: m.text })),
 *     ignoreElements(),
 *   );
 * };
 * await createServer({ listen, protocol: Chat, processor: chat, rooms });
 * ```
 */
export class Topic<M> {
  /** Type-only marker of the messages; always `undefined`. */
  declare readonly __message?: M;

  /**
   * @param host - the registry.
   * @param name - the room's name (checked against the registry's bounds).
   */
  constructor(
    private readonly host: TopicHost,
    readonly name: string,
  ) {}

  /**
   * Add `peer` to the room (it leaves by itself when it closes).
   * @returns `false` (nothing done) when it is not an open peer of the server.
   * @throws `RoomLimitError` when the peer is in `maxRoomsPerPeer` rooms already.
   */
  join(peer: PeerRef): boolean {
    return this.host.join(peer, this.name);
  }

  /**
   * An operator that keeps `peer` in the room while the stream it is applied to is subscribed:
   * joins on subscribe, leaves on complete, error or unsubscribe. Put last in a stage's
   * processor, it makes the membership last as long as the stage (closing the connection ends
   * it anyway).
   * @example
   * ```ts
   * const room: ServerProcessor<typeof Room, ChatState> = (in$, peer) =>
   *   in$.pipe(
   *     takeWhile((m) => m.kind === 'Say'),
   *     tap((say) => chat.send({ kind: 'Said', from: peer.state.user, text: say.text })),
   *     ignoreElements(),
   *     chat.during(peer),
   *   );
   * ```
   */
  during<T>(peer: PeerRef): MonoTypeOperatorFunction<T> {
    return (source) =>
      new Observable<T>((subscriber) => {
        this.join(peer);
        const subscription = source.subscribe(subscriber);
        return () => {
          subscription.unsubscribe();
          this.leave(peer);
        };
      });
  }

  /** Remove `peer` from the room. @returns whether it was a member. */
  leave(peer: PeerRef): boolean {
    return this.host.leave(peer, this.name);
  }

  /** Whether `peer` is a member. */
  has(peer: PeerRef): boolean {
    return this.host.isIn(peer, this.name);
  }

  /** The ids of the members on this node. */
  members(): number[] {
    return this.host.membersOf(this.name);
  }

  /** Members on this node. */
  get size(): number {
    return this.host.size(this.name);
  }

  /** Send `message` to every member. See {@link RoomTarget.send}. */
  send(message: M): DeliveryReport {
    return this.target().send(message);
  }

  /** Every member but these peers. */
  except(...peers: PeerRef[]): RoomTarget<M> {
    return this.target().except(...peers);
  }

  /** The members `filter` accepts (on this node only). */
  filter(filter: PeerFilter): RoomTarget<M> {
    return this.target().filter(filter);
  }

  private target(): RoomTarget<M> {
    return new RoomTarget<M>(this.host, [this.name]);
  }
}
