/** Message and byte counters of one connection. */
export interface SessionStats {
  /** Messages decoded and delivered. */
  readonly messagesIn: number;
  /** Messages queued for sending. */
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
}
