import { catchError, EMPTY, exhaustMap, ignoreElements, interval, type Observable } from 'rxjs';
import { ClosedError, rpc, type Peer } from '@rxmsg/node';
import { RoomsProtocol, type RoomsServerMessage } from './rooms-protocol';

const chat = rpc(RoomsProtocol);

/** How often the server asks, and how long the client has to answer. */
export interface PingOptions {
  readonly everyMs: number;
  readonly timeoutMs: number;
}

/**
 * A request from the server to the client: every `everyMs` the server sends `Ping` and waits for
 * the client's `Pong`. A client that does not answer within `timeoutMs` (a `TimeoutError`), or
 * answers with an error (a `RemoteError`), is closed. Emits nothing; merge it into a processor's output.
 */
export function pingLoop(peer: Peer<unknown, RoomsServerMessage, unknown>, options: PingOptions): Observable<never> {
  return interval(options.everyMs).pipe(
    // exhaustMap: one Ping at a time; a tick while one is outstanding is skipped.
    exhaustMap(() => chat.request(peer, { kind: 'Ping' }, { timeoutMs: options.timeoutMs })),
    ignoreElements(),
    catchError((error: unknown) => {
      // A ClosedError only says that the connection ended while a Ping was out.
      if (!(error instanceof ClosedError)) peer.close();
      return EMPTY;
    }),
  );
}
