import { Observable, type Unsubscribable } from 'rxjs';
import { FlowControlError } from '@rxmsg/core';
import type { ClientQueue } from './client-queue';
import { InboundStream, type AcknowledgedSubscription } from './inbound-stream';

/**
 * Move a connection's messages into its client's {@link ClientQueue}, synchronously, as they are
 * delivered: the reader of a queue server's connection (its processor's output, which emits
 * nothing).
 *
 * Over `incoming$` (an {@link InboundStream}) each message is subscribed with acknowledgement: it
 * goes into the queue and is acknowledged at once while the queue has room. When the queue is
 * full it waits, unacknowledged, in a FIFO with those after it, and moves into the queue
 * (acknowledged then) as pops make room. The connection delivers at most `receiveQueueLimit`
 * unacknowledged messages and then stops reading its socket, so the FIFO holds at most that many
 * and the sender feels TCP backpressure. Over any other Observable, which cannot be held back, a
 * message arriving with `backlogLimit` waiting ends the feed with a {@link FlowControlError}.
 *
 * The Observable completes (or fails) once its input did and everything waiting was moved into
 * the queue. Unsubscribing releases the queue ({@link ClientQueue.release}: its bound is lifted,
 * the connection reads no more) and moves what is waiting into it: what the connection received
 * before it ended stays readable.
 *
 * @param incoming$ - the connection's messages (a processor's `incoming$`).
 * @param queue - the client's queue; this feed is its only reader.
 * @param backlogLimit - the most messages kept waiting for room: the connection's `receiveQueueLimit`.
 */
export function feedQueue<M>(incoming$: Observable<M>, queue: ClientQueue<M>, backlogLimit: number): Observable<never> {
  return new Observable<never>((subscriber) => {
    /** Messages waiting for room, oldest at `head`; unacknowledged. */
    let backlog: (M | undefined)[] = [];
    let head = 0;
    let waitingForRoom = false;
    let ended: { readonly error: unknown } | 'complete' | undefined;
    let stopped = false;
    // A source that delivers synchronously on subscribe may hand messages over before `upstream` is set.
    let earlyAcks = 0;
    let upstream: AcknowledgedSubscription | undefined;
    let plain: Unsubscribable | undefined;
    const acknowledged = incoming$ instanceof InboundStream;

    const ack = (): void => {
      if (!acknowledged) return;
      if (upstream === undefined) earlyAcks++;
      else upstream.ack();
    };

    const finish = (): void => {
      const end = ended;
      if (stopped || end === undefined || head < backlog.length) return;
      stopped = true;
      if (end === 'complete') subscriber.complete();
      else subscriber.error(end.error);
    };

    /** Move waiting messages into the queue while it has room; wait for room again if some are left. */
    const drain = (): void => {
      waitingForRoom = false;
      while (head < backlog.length && !queue.full) {
        const message = backlog[head]!;
        backlog[head++] = undefined;
        // Delivered before acknowledged: a message the acknowledgement lets in lands behind it.
        queue.deliver(message);
        ack();
      }
      if (head === backlog.length) {
        backlog = [];
        head = 0;
        finish();
      } else if (!stopped && !waitingForRoom) {
        waitingForRoom = true;
        queue.onRoom(drain);
      }
    };

    const next = (message: M): void => {
      if (ended !== undefined) return;
      if (head === backlog.length && !queue.full) {
        queue.deliver(message);
        ack();
        return;
      }
      if (backlog.length - head >= backlogLimit) {
        ended = { error: new FlowControlError(`queue server: more than ${backlogLimit} messages of client ${queue.clientId} waiting for room`) };
        plain?.unsubscribe();
        stopped = true;
        subscriber.error(ended.error);
        return;
      }
      backlog.push(message);
      if (!waitingForRoom) {
        waitingForRoom = true;
        queue.onRoom(drain);
      }
    };

    const observer = {
      next,
      error: (error: unknown) => {
        if (ended !== undefined) return;
        ended = { error };
        finish();
      },
      complete: () => {
        if (ended !== undefined) return;
        ended = 'complete';
        finish();
      },
    };
    if (acknowledged) {
      upstream = (incoming$ as InboundStream<M>).subscribeAcknowledged(observer);
      for (; earlyAcks > 0; earlyAcks--) upstream.ack();
    } else {
      plain = incoming$.subscribe(observer);
    }

    return () => {
      stopped = true;
      // The connection reads no more: what it delivered goes to the queue, past its bound.
      queue.release();
      drain();
      upstream?.unsubscribe();
      plain?.unsubscribe();
    };
  });
}
