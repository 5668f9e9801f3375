import type { Connection, HandshakeInfo } from '@rxmsg/core';

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

/** The routers made by {@link singleStageRouter}: they read no peer info. */
const peerBlind = new WeakSet<Router<never>>();

/**
 * The router of a single-stage server or client: enters `name` first and ends the connection
 * after it. It reads neither the state nor the peer info, so a session gives it
 * {@link UNREAD_PEER_INFO} rather than making its frozen peer info for it.
 */
export function singleStageRouter<State>(name: string): Router<State> {
  const router: Router<State> = (_state, _peer, previous) => (previous === null ? name : null);
  peerBlind.add(router);
  return router;
}

/** Whether `router` may read the peer info it is given (every router but {@link singleStageRouter}'s). */
export function readsPeerInfo(router: Router<never>): boolean {
  return !peerBlind.has(router);
}

/** What a router that reads no peer info (see {@link readsPeerInfo}) is given instead. */
export const UNREAD_PEER_INFO: SessionInfo<never> = Object.freeze({
  id: 0,
  remoteAddress: '',
  listener: '',
  listenerContext: undefined,
  state: undefined as never,
});

/** What {@link peerInfoOf} reads: a session's options. */
export interface PeerSource<State> {
  readonly id: number;
  readonly connection: Pick<Connection, 'remoteAddress' | 'handshake'>;
  readonly listener: string;
  readonly listenerContext?: unknown;
  readonly state: State;
}

/** The frozen {@link SessionInfo} of a connection (a session makes it when first asked for it). */
export function peerInfoOf<State>(o: PeerSource<State>): SessionInfo<State> {
  return Object.freeze({
    id: o.id,
    remoteAddress: o.connection.remoteAddress,
    listener: o.listener,
    listenerContext: o.listenerContext,
    handshake: o.connection.handshake,
    state: o.state,
  });
}
