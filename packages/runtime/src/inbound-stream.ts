import type { Peer } from '@rxmsg/core';
import { Observable, type Observer, type Subscriber, type TeardownLogic, type Unsubscribable } from 'rxjs';

/** A subscription whose messages count as unconsumed until acknowledged. */
export interface AcknowledgedSubscription extends Unsubscribable {
  /** One message delivered to this subscription is consumed. */
  ack(): void;
}

/** Where an {@link InboundStream} takes its messages from: the current stage of a session. */
export interface Inlet<T> {
  /**
   * Deliver the inbound messages to `subscriber` from now on; `acknowledged` subscribers count
   * each message as unconsumed until they acknowledge it. @returns the teardown, if any.
   */
  attach(subscriber: Subscriber<T>, acknowledged: boolean): TeardownLogic;
  /** One message delivered to an acknowledged subscriber is consumed. */
  acknowledge(): void;
}

/**
 * A stage's inbound messages (`incoming$` and `peer.messages$`): an Observable that can also be
 * subscribed with acknowledgement, which the {@link consume} operator uses to hold back input
 * (`receiveQueueLimit`) until each message is handled. One object per stage.
 */
export class InboundStream<T> extends Observable<T> {
  constructor(private readonly inlet: Inlet<T>) {
    // One function for every stream (rxjs calls it with the stream as `this`), not a closure per stage.
    super(InboundStream.attachPlain as (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic);
  }

  private static attachPlain(this: Observable<unknown>, subscriber: Subscriber<unknown>): TeardownLogic {
    return (this as InboundStream<unknown>).inlet.attach(subscriber, false);
  }

  /** The peer whose demand paces what `consume` pulls in answer: a stage is both inlet and peer. */
  get peer(): Peer<unknown, unknown, unknown> | undefined {
    const inlet = this.inlet as Inlet<T> & Partial<Peer<unknown, unknown, unknown>>;
    return typeof inlet.whenWritable === 'function' ? (inlet as Peer<unknown, unknown, unknown>) : undefined;
  }

  /** Subscribe so that each message stays unconsumed (counted against `receiveQueueLimit`) until `ack()`. */
  subscribeAcknowledged(observer: Partial<Observer<T>>): AcknowledgedSubscription {
    const inlet = this.inlet;
    const sub = new Observable<T>((subscriber) => inlet.attach(subscriber, true)).subscribe(observer);
    return { unsubscribe: () => sub.unsubscribe(), ack: () => inlet.acknowledge() };
  }
}
