/** Message and byte counters of one connection. */
export interface SessionStats {
  /** Messages decoded and delivered. */
  readonly messagesIn: number;
  /** Messages handed to the socket (not those still queued, nor those a policy dropped). */
  readonly messagesOut: number;
  /** Bytes received. */
  readonly bytesIn: number;
  /** Bytes handed to the socket. */
  readonly bytesOut: number;
  /** Messages dropped by a drop policy or the rate limit, both directions. */
  readonly messagesDropped: number;
  /** Times the inbound rate limit was hit. */
  readonly rateLimited: number;
  /** Times reading was paused for backpressure. */
  readonly pauses: number;
  /** Per outbound lane, by name (`default` included); present only when the config has lanes (see docs/lanes.md). */
  readonly lanes?: Readonly<Record<string, LaneStats>>;
}

/** The counters of one outbound lane. */
export interface LaneStats {
  /** Messages waiting in the lane now. */
  readonly queued: number;
  /** Bytes waiting in the lane now. */
  readonly bytes: number;
  /** Messages handed from the lane to the socket so far. */
  readonly sent: number;
  /** Messages the lane's policy dropped so far. */
  readonly dropped: number;
}
