import type { HandshakeInfo } from '@rxmsg/core';

/** What the router, the stages and the server see of a connection. */
export interface SessionInfo<State> {
  /** Stable id of the connection. */
  readonly id: number;
  /** Remote end. */
  readonly remoteAddress: string;
  /** Listener it came through (server) or address dialled (client). */
  readonly listener: string;
  /**
   * The context given to the listener it came through (`addListener(address, { context })` or
   * `listen: [{ address, context }]`); `undefined` when none was given, and on clients.
   */
  readonly listenerContext: unknown;
  /**
   * What the transport learned while setting the connection up: the TLS peer certificate, the
   * WebSocket upgrade request's path, query and headers (see {@link HandshakeInfo}); `undefined`
   * when it has nothing to say (TCP, Unix sockets). Authentication reads it in `initialState`,
   * the router or a login stage's processor.
   */
  readonly handshake?: HandshakeInfo | undefined;
  /** The per-connection state object. */
  readonly state: State;
}

/**
 * Picks the stage a connection enters: called when the connection opens (`previous` is `null`)
 * and each time a stage's processor completes. Returning `null` ends the connection.
 * It is user code: a router that throws ends its connection with a `processor-error`.
 */
export type Router<State, K extends string = string> = (state: State, peer: SessionInfo<State>, previous: K | null) => K | null;

/** View a router over stage names `K` as one over strings: the session only passes back names the router returned. */
export function widenRouter<State, K extends string>(router: Router<State, K>): Router<State> {
  return (state, peer, previous) => router(state, peer, previous as K | null);
}
