import type { Observable, Observer, Unsubscribable } from 'rxjs';

const ACKED = Symbol('rxmsg.acknowledged-inbound');

/** A subscription whose messages count as unconsumed until acknowledged. */
export interface AcknowledgedSubscription extends Unsubscribable {
  /** One message delivered to this subscription is consumed. */
  ack(): void;
}

/** Subscribe so that each message stays unconsumed (counted against `receiveQueueLimit`) until `ack()`. */
export type SubscribeAcknowledged<T> = (observer: Observer<T>) => AcknowledgedSubscription;

type WithAck<T> = Observable<T> & { readonly [ACKED]?: SubscribeAcknowledged<T> };

/** Mark an inbound stream as supporting acknowledged subscriptions. */
export function withAcknowledgement<T>(source: Observable<T>, subscribe: SubscribeAcknowledged<T>): Observable<T> {
  Object.defineProperty(source, ACKED, { value: subscribe });
  return source;
}

/** The acknowledged subscribe of an inbound stream, if `source` is one. */
export function acknowledgedSubscribe<T>(source: Observable<T>): SubscribeAcknowledged<T> | undefined {
  return (source as WithAck<T>)[ACKED];
}
