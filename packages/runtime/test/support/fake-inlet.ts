import type { Subscriber } from 'rxjs';
import type { Inlet } from '../../src/inbound-stream';

/** An inlet driven by the test: counts deliveries to acknowledged subscribers, their acknowledgements and detachments. */
export class FakeInlet implements Inlet<number> {
  readonly subscribers: { subscriber: Subscriber<number>; acknowledged: boolean }[] = [];
  delivered = 0;
  acks = 0;
  detached = 0;
  attach(subscriber: Subscriber<number>, acknowledged: boolean): () => void {
    const entry = { subscriber, acknowledged };
    this.subscribers.push(entry);
    return () => {
      this.detached++;
      this.subscribers.splice(this.subscribers.indexOf(entry), 1);
    };
  }
  acknowledge(): void {
    this.acks++;
  }
  /** Messages delivered to acknowledged subscribers and not acknowledged. */
  get unacked(): number {
    return this.delivered - this.acks;
  }
  /** Subscribers attached now. */
  get attached(): number {
    return this.subscribers.length;
  }
  next(value: number): void {
    for (const s of [...this.subscribers]) {
      if (s.acknowledged) this.delivered++;
      s.subscriber.next(value);
    }
  }
  complete(): void {
    for (const s of [...this.subscribers]) s.subscriber.complete();
  }
  error(e: unknown): void {
    for (const s of [...this.subscribers]) s.subscriber.error(e);
  }
}
