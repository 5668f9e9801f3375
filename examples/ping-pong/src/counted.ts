import { tap } from 'rxjs';
import type { Processor } from '@rxmsg/core';
import { outputOf } from '@rxmsg/runtime';

/**
 * Wrap a processor so that it counts the messages it receives and emits in the connection's
 * state (the runtime keeps no totals once a connection is gone).
 *
 * @param processor - the processor to wrap; it must send only through its returned stream.
 * @returns a processor that behaves the same and counts.
 */
export function counted<In, Out, State extends { messagesIn: number; messagesOut: number }>(
  processor: Processor<In, Out, State>,
): Processor<In, Out, State> {
  return (incoming$, peer) =>
    outputOf(
      processor(
        incoming$.pipe(
          tap(() => {
            peer.state.messagesIn++;
          }),
        ),
        peer,
      ),
      peer,
    ).pipe(
      tap(() => {
        peer.state.messagesOut++;
      }),
    );
}
