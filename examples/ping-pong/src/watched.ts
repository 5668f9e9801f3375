import { Observable, tap } from 'rxjs';
import type { Processor } from '@rxmsg/core';
import { outputOf } from '@rxmsg/runtime';

/**
 * Wrap a processor so that `onMessage` is called with the connection's state after each message
 * it receives has been handled (so the state already reflects it) and after each message it emits.
 * The processor runs unchanged; a callback that throws errors the stage like the processor would.
 *
 * @param processor - the processor to watch.
 * @param onMessage - called synchronously, once per message in or out.
 * @returns a processor that behaves the same and reports.
 * @example
 * ```ts
 * clientStage(GameProtocol, watched(counted(gameProcessor()), (state) => render(state)));
 * ```
 */
export function watched<In, Out, State>(processor: Processor<In, Out, State>, onMessage: (state: State) => void): Processor<In, Out, State> {
  return (incoming$, peer) => {
    // Report once the processor has taken the message: `tap` would run before it does.
    const handled$ = new Observable<In>((subscriber) =>
      incoming$.subscribe({
        next: (message) => {
          subscriber.next(message);
          onMessage(peer.state);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
    return outputOf(processor(handled$, peer), peer).pipe(tap(() => onMessage(peer.state)));
  };
}
