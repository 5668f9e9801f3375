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
}
